"""Reading Keras's HDF5 weights into a sloi model: Keras 3's layout and the legacy one.

**Keras 3** (``.weights.h5``, and ``model.weights.h5`` inside a ``.keras`` archive) stores
each layer's own variables as ``<path>/vars/0``, ``1``, ... (trainable first), where the path
follows the model's objects: ``layers/<class>`` for the layers of a Functional or Sequential
model, named by snake-cased class and counted per class (``layers/dense``,
``layers/dense_1``: never the layer's own name), then the attribute holding each sub-layer
(``layers/lstm/cell``, ``layers/bidirectional/forward_layer/cell``,
``layers/multi_head_attention/query_dense``). sloi's layers keep Keras's attribute names, so
the path of every sloi weight is computed from the sloi model alone.

**Legacy** (``.h5`` full models from Keras 2 and Keras 3's ``model.save("x.h5")``, Keras 2's
``save_weights("x.h5")``) stores a group per layer with weights, listed in the
``layer_names`` attribute; each group lists its arrays in ``weight_names``, in the layer's
``trainable_weights + non_trainable_weights`` order. Layers are paired in order (or by name).

Every array is checked against its weight (count, declared shape, numeric dtype) before a
byte of it is read, and all of them before anything is written; a file is read only through
plain groups and datasets (no links to other files, no external storage), every attribute and
dataset through ``h5_reading``, which checks what libhdf5 is asked to convert; h5py is
imported only when such a file is read.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import torch
from torch import nn

from sloi.engine import Functional, Layer, Sequential
from sloi.engine.naming import to_snake_case
from sloi.engine.symbolic import format_shape
from sloi.saving import h5_reading
from sloi.saving.errors import FileFormatError

_H5_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TypeError, IndexError)


def h5py_module():
    """h5py, imported on first use: sloi needs it only for Keras's files."""
    try:
        import h5py
    except ImportError as e:
        raise ImportError(
            "Reading Keras files (.keras, .h5, .weights.h5) needs the h5py package: "
            'pip install h5py (or pip install "sloi[keras]")'
        ) from e
    return h5py


def open_h5(data_or_path, source: str):
    """An open read-only ``h5py.File`` from a path or bytes; ``FileFormatError`` otherwise."""
    h5py = h5py_module()
    if isinstance(data_or_path, bytes):
        if not data_or_path.startswith(b"\x89HDF\r\n\x1a\n"):
            raise FileFormatError(f'"{source}" is not an HDF5 file: it starts with '
                                  f"{data_or_path[:8]!r}, not the HDF5 signature")
        target = io.BytesIO(data_or_path)
    else:
        target = data_or_path
    try:
        return h5py.File(target, "r")
    except _H5_ERRORS as e:
        raise FileFormatError(f'"{source}" is not a readable HDF5 file ({type(e).__name__}: '
                              f"{e})") from e


@contextlib.contextmanager
def reading(source: str):
    """Turn whatever h5py raises on a damaged file into a ``FileFormatError``."""
    try:
        yield
    except FileFormatError:
        raise
    except _H5_ERRORS as e:
        raise FileFormatError(f'"{source}" cannot be read: the file is damaged '
                              f"({type(e).__name__}: {e})") from e


# ---------------------------------------------------------------------------- safe access
def child(group, name: str, source: str, want: str = "any"):
    """``group[name]`` when it is a plain member of this file (else None); refuses links to
    other files, soft links and datasets stored outside the file."""
    h5py = h5py_module()
    try:
        link = group.get(name, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise FileFormatError(f'"{source}": "{group.name}/{name}" is a link '
                                  f"({type(link).__name__}); a Keras file holds none")
        obj = group[name]
    except FileFormatError:
        raise
    except _H5_ERRORS as e:
        raise FileFormatError(f'"{source}": cannot read "{group.name}/{name}" (the file is '
                              f"damaged: {type(e).__name__}: {e})") from e
    if want == "group" and not isinstance(obj, h5py.Group):
        raise FileFormatError(f'"{source}": "{obj.name}" should be a group')
    if want == "dataset" and not isinstance(obj, h5py.Dataset):
        raise FileFormatError(f'"{source}": "{obj.name}" should be an array')
    return obj


def declared_arrays(group_or_datasets, source: str) -> list:
    """The checked declarations (shape, dtype, storage) of datasets, nothing read yet."""
    out = []
    for dataset in group_or_datasets:
        if dataset is None:
            raise FileFormatError(f'"{source}": an array it lists is missing (the file is '
                                  "damaged)")
        out.append(h5_reading.declared(dataset, source))
    return out


def read_fitting(weights: list, found: list, source: str) -> list:
    """For each weight, the values of its dataset when the dataset declares the weight's
    shape; otherwise the ``Declared`` itself, unread (its shape tells what is wrong). So
    nothing larger than the model's own weights is ever read."""
    if len(weights) != len(found):
        return list(found)
    return [h5_reading.read(f, source) if tuple(f.shape) == tuple(w.shape) else f
            for (_, w), f in zip(weights, found)]


def string_list_attr(obj, name: str, source: str) -> list[str]:
    """A list-of-strings attribute, joined from Keras's chunks (``name0``, ``name1``, ...);
    empty when absent."""
    values = h5_reading.text_list_attr(obj, name, source)
    if values is not None:
        return values
    values, k = [], 0
    while True:
        chunk = h5_reading.text_list_attr(obj, f"{name}{k}", source)
        if chunk is None:
            return values
        values += chunk
        k += 1
        if len(values) > h5_reading.MAX_ATTR_ITEMS:
            raise FileFormatError(f'"{source}": the attribute {name!r} of "{obj.name}" lists '
                                  f"more than {h5_reading.MAX_ATTR_ITEMS} names")


def text_attr(obj, name: str, source: str):
    """A string attribute (``model_config``, ``keras_version``), or None."""
    return h5_reading.text_attr(obj, name, source)


def has_attr(obj, name: str, source: str) -> bool:
    return h5_reading.has_attr(obj, name, source)


def _datasets(group, source: str) -> list[str]:
    """Every dataset path below ``group`` (plain members only), each checked."""
    return list(h5_reading.datasets(group, source))


# ---------------------------------------------------------------------------- checking
class _Pair:
    """One layer's weights and the arrays the file holds for them."""

    def __init__(self, layer, weights, arrays, where):
        self.layer, self.weights, self.arrays, self.where = layer, weights, arrays, where

    def problems(self) -> list[str]:
        found = f'"{self.where}" holds {len(self.arrays)} array(s)'
        if len(self.weights) != len(self.arrays):
            names = [p for p, _ in self.weights]
            return [f"{_layer(self.layer)} has {len(self.weights)} weight(s) {names}; {found} "
                    f"{[format_shape(a.shape) for a in self.arrays]}"]
        out = []
        for (path, w), a in zip(self.weights, self.arrays):
            if tuple(a.shape) != tuple(w.shape):
                out.append(f'{_layer(self.layer)}: weight "{path}" expects shape '
                           f"{format_shape(tuple(w.shape))}; the file has "
                           f'{format_shape(tuple(a.shape))} in "{self.where}"')
        return out


def _layer(layer) -> str:
    return f'layer "{layer.name}" ({type(layer).__name__})'


def check_and_apply(pairs: list[_Pair], model, source: str, skip_mismatch: bool) -> None:
    """Write every pair, after checking all of them: nothing changes unless all fit (or,
    with ``skip_mismatch``, the misfits are left out with a warning)."""
    misfits = [(p, p.problems()) for p in pairs]
    misfits = [(p, lines) for p, lines in misfits if lines]
    if misfits:
        text = "\n".join(f"  {line}" for _, lines in misfits for line in lines)
        if not skip_mismatch:
            raise FileFormatError(f'Cannot load the weights of "{source}" into model '
                                  f'"{model.name}" (nothing was changed):\n{text}')
        warnings.warn(f'Loading "{source}" into model "{model.name}": skipping '
                      f"{len(misfits)} layer(s) whose weights do not fit:\n{text}", stacklevel=3)
    bad = {id(p) for p, _ in misfits}
    with torch.no_grad():
        for pair in pairs:
            if id(pair) in bad:
                continue
            for (_, w), a in zip(pair.weights, pair.arrays):
                w.copy_(torch.as_tensor(a).to(w.dtype))


# ---------------------------------------------------------------------------- Keras 3
def keras3_layout(model) -> list[tuple[str, Layer, list]]:
    """``[(vars group path, layer, [(weight path, tensor), ...]), ...]`` for every layer,
    with the paths Keras 3 gives them; raises ``ValueError`` for weights no path reaches."""
    entries, seen = [], set()
    _walk(model, "", entries, seen)
    reached = {id(w) for _, _, ws in entries for _, w in ws}
    lost = [p for p, w in model.weights_with_paths() if id(w) not in reached]
    if lost:
        raise ValueError(f'Model "{model.name}": sloi does not know where Keras 3 stores the '
                         f"weights {lost[:10]} (held by a plain torch module, not a layer)")
    return entries


def _join(*parts) -> str:
    return "/".join(p for p in parts if p)


def _walk(layer, path: str, entries: list, seen: set) -> None:
    if id(layer) in seen:  # a shared layer is stored once, where Keras meets it first
        return
    seen.add(id(layer))
    weights = [(f"{layer.name}/{reg}", w) for reg, w in layer.tracked_weights_with_names()]
    entries.append((_join(path, "vars"), layer, weights))
    if isinstance(layer, (Functional, Sequential)):
        _walk_list(layer.layers, _join(path, "layers"), entries, seen)
        return
    for attr, sub in _keras_children(layer):
        if isinstance(sub, Layer):
            _walk(sub, _join(path, attr), entries, seen)
        elif isinstance(sub, (nn.ModuleList, nn.Sequential)):
            _walk_list(list(sub), _join(path, attr), entries, seen)
        elif isinstance(sub, nn.ModuleDict):
            _walk_list(list(sub.values()), _join(path, attr), entries, seen)


def _walk_list(items, path: str, entries: list, seen: set) -> None:
    """A list of layers: each under its snake-cased class name, counted per class."""
    used: dict[str, int] = {}
    for item in items:
        if not isinstance(item, Layer):
            continue
        base = to_snake_case(type(item).__name__)
        used[base] = used.get(base, -1) + 1
        name = base if used[base] == 0 else f"{base}_{used[base]}"
        _walk(item, _join(path, name), entries, seen)


def _keras_children(layer):
    """``(attribute, module)``; a private attribute that Keras also exposes publicly
    (``_query_dense`` / ``query_dense``) is stored under the public name, as Keras visits
    public attributes first."""
    for attr, sub in layer.named_children():
        public = attr.lstrip("_")
        if attr != public and getattr(type(layer), public, None) is not None:
            try:
                if getattr(layer, public) is sub:
                    attr = public
            except Exception:  # noqa: BLE001 - a property that fails is not an alias
                pass
        yield attr, sub


def keras3_pairs(model, root, source: str) -> list[_Pair]:
    """Pair each sloi layer's weights with the arrays at its Keras 3 path; every array of
    the file (but the optimizer's) must be used."""
    layout = keras3_layout(model)
    with reading(source):
        return _keras3_pairs(model, layout, root, source)


def _keras3_pairs(model, layout, root, source: str) -> list[_Pair]:
    pairs, used = [], set()
    for group_path, layer, weights in layout:
        group = _group_at(root, group_path, source)
        arrays = []
        if group is not None:
            keys = sorted(group.keys(), key=lambda k: (len(k), k))
            if keys != [str(i) for i in range(len(keys))]:
                raise FileFormatError(f'"{source}": "{group_path}" should hold arrays named '
                                      f"0, 1, ...; it holds {keys[:10]}")
            found = declared_arrays([child(group, k, source, "dataset") for k in keys], source)
            arrays = read_fitting(weights, found, source)
            used |= {f"{group_path}/{k}" for k in keys}
        elif weights:
            raise FileFormatError(
                f'"{source}" holds no weights for {_layer(layer)}: expected them at '
                f'"{group_path}" (Keras 3 stores a layer by its class, counted per class); '
                f"the file has {_top_groups(root)}"
            )
        pairs.append(_Pair(layer, weights, arrays, group_path))
    extra = [p for p in _datasets(root, source)
             if not p.startswith("optimizer/") and p not in used]
    if extra:
        raise FileFormatError(
            f'"{source}" holds weights that model "{model.name}" has no place for: '
            f"{extra[:10]} (the file was saved from a different model)"
        )
    return pairs


def _group_at(root, path: str, source: str):
    group = root
    for part in path.split("/"):
        group = child(group, part, source, "group")
        if group is None:
            return None
    return group


def _top_groups(root) -> list[str]:
    layers = root.get("layers")
    return [f"layers/{k}" for k in layers.keys()] if layers is not None else sorted(root.keys())


# ---------------------------------------------------------------------------- legacy
def legacy_weights(layer) -> list:
    """Keras's legacy order: trainable weights, then non-trainable ones."""
    by_id = {id(w): p for p, w in layer.weights_with_paths()}
    ordered = list(layer.trainable_weights) + list(layer.non_trainable_weights)
    return [(by_id[id(w)], w) for w in ordered]


def legacy_pairs(model, group, source: str, by_name: bool = False) -> list[_Pair]:
    """Pair the model's layers with weights and the file's layer groups with weights, in
    order (or by name), as Keras's legacy ``load_weights`` does."""
    with reading(source):
        return _legacy_pairs(model, group, source, by_name)


def _legacy_pairs(model, group, source: str, by_name: bool) -> list[_Pair]:
    names = string_list_attr(group, "layer_names", source)
    file_layers = []
    for name in names:
        layer_group = child(group, name, source, "group")
        if layer_group is None:
            raise FileFormatError(f'"{source}": layer_names lists "{name}", but the file has '
                                  "no group of that name (the file is damaged)")
        weight_names = string_list_attr(layer_group, "weight_names", source)
        if weight_names:
            file_layers.append((name, layer_group, weight_names))
    model_layers = [layer for layer in model.layers if legacy_weights(layer)]
    if by_name:
        by = {name: (g, w) for name, g, w in file_layers}
        matched = [(layer, layer.name, *by[layer.name]) for layer in model_layers
                   if layer.name in by]
        if not matched:
            raise FileFormatError(f'"{source}": no layer of model "{model.name}" has its name '
                                  f"in the file (it has {[n for n, _, _ in file_layers][:20]})")
    else:
        if len(file_layers) != len(model_layers):
            raise FileFormatError(
                f'Cannot load "{source}" into model "{model.name}": the model has '
                f"{len(model_layers)} layer(s) with weights "
                f"{[layer.name for layer in model_layers][:20]}, the file "
                f"{len(file_layers)} {[n for n, _, _ in file_layers][:20]} (nothing was changed)"
            )
        matched = [(layer, n, g, w) for layer, (n, g, w) in zip(model_layers, file_layers)]
    pairs = []
    for layer, name, layer_group, weight_names in matched:
        datasets = []
        for weight_name in weight_names:
            dataset = _dataset_at(layer_group, weight_name, source)
            if dataset is None:
                raise FileFormatError(f'"{source}": layer "{name}" lists the weight '
                                      f'"{weight_name}", which the file does not hold')
            datasets.append(dataset)
        weights = legacy_weights(layer)
        arrays = read_fitting(weights, declared_arrays(datasets, source), source)
        pairs.append(_Pair(layer, weights, arrays, f"{group.name}/{name}"))
    top = child(group, "top_level_model_weights", source)
    if top is not None and string_list_attr(top, "weight_names", source):
        raise FileFormatError(f'"{source}" holds weights of the model itself '
                              "(top_level_model_weights), which sloi's models do not have")
    return pairs


def _dataset_at(group, path: str, source: str):
    parts = path.split("/")
    for part in parts[:-1]:
        group = child(group, part, source, "group")
        if group is None:
            return None
    return child(group, parts[-1], source, "dataset")
