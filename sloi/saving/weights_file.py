"""Model weights in a safetensors file (``*.weights.safetensors``).

Each weight is stored under its Keras-style path (``dense/kernel``, ``lstm/lstm_cell/kernel``,
``inner_model/dense_1/bias`` inside a nested model). The file's metadata holds an index, the
paths in the model's weight order with the layer each belongs to, and a SHA-256 digest of the
weights, so that:

- loading *by order* (the default) pairs the i-th layer with weights of the file with the i-th
  of the model, whatever their names (auto-names differ between programs);
- loading *by name* pairs weights with the same path;
- a damaged file is refused rather than loaded with wrong numbers.

Every pair is checked (shape and dtype) before anything is written, and every misfit is
reported at once; ``skip_mismatch=True`` leaves the misfit layers as they are, with a warning.
"""

from __future__ import annotations

import hashlib
import json
import struct
import warnings

import safetensors.torch
import torch

from sloi.engine import Layer, Model
from sloi.engine.dtypes import dtype_name
from sloi.saving.archive import parse_json
from sloi.saving.errors import FileFormatError

FORMAT = "sloi.weights"
FORMAT_VERSION = "1"
MAX_HEADER = 16 * 2**20  # JSON: ~100 bytes a tensor, so ~150k tensors


# ---------------------------------------------------------------------------- paths
def weight_entries(model) -> list[tuple[str, torch.Tensor, str]]:
    """``[(path, weight, layer path), ...]`` in ``model.weights`` order.

    Paths are those of ``Layer.weights_with_paths``, with the names of nested models kept so
    that every path is unique.
    """
    result, seen = [], set()

    def visit(layer, prefix, group, is_root):
        path = "" if is_root else prefix + layer.name
        if not is_root and group is None and not isinstance(layer, Model):
            group = path
        own_prefix = (path or layer.name) + "/"
        for reg_name, tensor in layer.own_weights_with_names():
            add(own_prefix + reg_name, tensor, group or own_prefix + reg_name)
        for child in layer.child_modules():
            if isinstance(child, Layer):
                visit(child, "" if is_root else path + "/", group, False)
            else:
                for n, t in list(child.named_parameters()) + list(child.named_buffers()):
                    add(own_prefix + n, t, group or own_prefix + n)

    def add(path, tensor, group):
        if id(tensor) not in seen:
            seen.add(id(tensor))
            result.append((path, tensor, group))

    visit(model, "", None, True)
    if [id(t) for _, t, _ in result] != [id(t) for t in model.weights]:
        # A layer that orders its weights its own way: keep its order and paths.
        result = [(p, t, p.rsplit("/", 1)[0]) for p, t in model.weights_with_paths()]
    paths = [p for p, _, _ in result]
    if len(set(paths)) != len(paths):
        counts = {}
        renamed = []
        for p, t, g in result:
            counts[p] = counts.get(p, 0) + 1
            renamed.append((p if counts[p] == 1 else f"{p}#{counts[p] - 1}", t, g))
        result = renamed
    return result


# ---------------------------------------------------------------------------- writing
def _digest(index: list, tensors: dict) -> str:
    h = hashlib.sha256()
    for path, _ in index:
        t = tensors[path]
        h.update(f"{path}\0{dtype_name(t.dtype)}\0{tuple(t.shape)}\0".encode())
        if t.numel():
            h.update(t.contiguous().reshape(-1).view(torch.uint8).numpy())
    return h.hexdigest()


def weights_to_bytes(model) -> bytes:
    """The model's weights as the bytes of a ``.weights.safetensors`` file."""
    entries = weight_entries(model)
    tensors = {path: t.detach().to("cpu", copy=True).contiguous() for path, t, _ in entries}
    index = [[path, group] for path, _, group in entries]
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "index": json.dumps(index), "sha256": _digest(index, tensors)}
    return safetensors.torch.save(tensors, metadata=metadata)


# ---------------------------------------------------------------------------- reading
def read_weights(data: bytes, source: str):
    """``(tensors, index)`` from a safetensors file's bytes; ``index`` is None for a file sloi
    did not write. A damaged file raises ``FileFormatError``."""
    header = read_header(data, source)
    try:
        tensors = safetensors.torch.load(data)
    except Exception as e:  # safetensors' own error type is not a ValueError
        raise FileFormatError(f'"{source}" is not a readable safetensors file: {e}') from e
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        if isinstance(metadata, dict) and ("index" in metadata or "sha256" in metadata):
            # sloi's index and digest without sloi's format: the metadata is damaged, and
            # reading it as a foreign file would skip the digest check
            raise FileFormatError(f'"{source}": its metadata holds a sloi weight index but '
                                  f'format {metadata.get("format")!r}, expected {FORMAT!r} '
                                  "(the file is damaged)")
        return tensors, None
    if metadata.get("format_version") != FORMAT_VERSION:
        raise FileFormatError(f'"{source}" has weights format version '
                              f"{metadata.get('format_version')!r}; this sloi reads version "
                              f"{FORMAT_VERSION}")
    try:
        index = parse_json(metadata["index"], source, "the weight index", MAX_HEADER, 3)
        ok = isinstance(index, list) and all(
            isinstance(e, list) and len(e) == 2 and isinstance(e[0], str)
            and isinstance(e[1], str) for e in index)
    except (KeyError, FileFormatError):
        ok = False
    if not ok or sorted(p for p, _ in index) != sorted(tensors):
        raise FileFormatError(
            f'"{source}": the index of the weights file does not match the tensors it holds '
            "(the file is damaged)"
        )
    if metadata.get("sha256") != _digest(index, tensors):
        raise FileFormatError(
            f'"{source}": the weights do not match their SHA-256 digest (the file is damaged)'
        )
    return tensors, index


def read_header(data: bytes, source: str) -> dict:
    """The JSON header of a safetensors file's bytes (at most ``MAX_HEADER`` bytes, nested
    at most ``archive.MAX_JSON_DEPTH`` deep), checked before safetensors reads the file."""
    if len(data) < 8:
        raise FileFormatError(
            f'"{source}" is not a safetensors file: {len(data)} bytes, too short for a header'
        )
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise FileFormatError(
            f'"{source}" is not a safetensors file (or is truncated): its header claims '
            f"{size} bytes, the file has {len(data)}"
        )
    if size > MAX_HEADER:
        raise FileFormatError(f'"{source}": the safetensors header claims {size} bytes; '
                              f"expected at most {MAX_HEADER}")
    header = parse_json(data[8:8 + size], source, "the safetensors header", MAX_HEADER)
    if not isinstance(header, dict):
        raise FileFormatError(f'"{source}" is not a safetensors file: its header is not a dict')
    return header


# ---------------------------------------------------------------------------- matching
def _groups(entries):
    """``[(group, [(path, tensor), ...]), ...]`` in order."""
    order, members = [], {}
    for path, tensor, group in entries:
        if group not in members:
            order.append(group)
            members[group] = []
        members[group].append((path, tensor))
    return [(g, members[g]) for g in order]


def _describe(pairs) -> str:
    return ", ".join(f"{p.rsplit('/', 1)[-1]} {tuple(t.shape)} {dtype_name(t.dtype)}"
                     for p, t in pairs) or "no weights"


def _fits(model_pairs, file_pairs) -> bool:
    return len(model_pairs) == len(file_pairs) and all(
        tuple(m.shape) == tuple(f.shape) and m.dtype == f.dtype
        for (_, m), (_, f) in zip(model_pairs, file_pairs))


def load_into(model, tensors: dict, index, source: str, skip_mismatch=False,
              by_name=False) -> None:
    """Copy the file's weights into ``model``; nothing is written unless every pair fits
    (or, with ``skip_mismatch``, the misfits are left out)."""
    apply(plan(model, tensors, index, source, skip_mismatch, by_name))


def apply(assignments) -> None:
    """Write the ``(weight, value)`` pairs ``plan`` made."""
    with torch.no_grad():
        for target, value in assignments:
            target.copy_(value)


def plan(model, tensors: dict, index, source: str, skip_mismatch=False, by_name=False):
    """``[(weight, value), ...]``: the file's weights paired with the model's and checked
    (shape and dtype), without writing anything. Raises ``FileFormatError`` listing every
    misfit, unless ``skip_mismatch``, which leaves them out with a warning."""
    entries = weight_entries(model)
    if not entries and tensors:
        raise FileFormatError(
            f'Model "{model.name}" has no weights yet (it is not built), so the {len(tensors)} '
            f'weights of "{source}" cannot be loaded: build it first (call it on data, or '
            "model.build(input_shape))"
        )
    if index is None and not by_name:
        missing = [p for p, _, _ in entries if p not in tensors]
        if missing:
            raise FileFormatError(
                f'"{source}" was not written by sloi (it has no weight index), so its weights '
                f"can only be matched by name, and the model's paths {missing[:10]} are not in "
                f"it; it holds {sorted(tensors)[:10]}"
            )
        by_name = True
    model_groups = _groups(entries)
    if by_name:
        pairs = _pairs_by_name(model_groups, tensors, source)
    else:
        file_entries = [(p, tensors[p], g) for p, g in index]
        pairs = _pairs_by_order(model, model_groups, _groups(file_entries), source,
                                skip_mismatch)
    misfits = [(mg, mp, fg, fp) for mg, mp, fg, fp in pairs if not _fits(mp, fp)]
    if misfits:
        lines = "\n".join(
            f'  layer "{mg}": model expects {_describe(mp)}; file "{fg}" has {_describe(fp)}'
            for mg, mp, fg, fp in misfits)
        if not skip_mismatch:
            raise FileFormatError(
                f'Cannot load the weights of "{source}" into model "{model.name}": '
                f"{len(misfits)} layer(s) do not fit (nothing was changed; skip_mismatch=True "
                f"loads the others):\n{lines}"
            )
        warnings.warn(f'Loading "{source}" into model "{model.name}": skipping '
                      f"{len(misfits)} layer(s) whose weights do not fit:\n{lines}",
                      stacklevel=4)
    return [(m, f) for _, mp, _, fp in pairs if _fits(mp, fp)
            for (_, m), (_, f) in zip(mp, fp)]


def _pairs_by_name(model_groups, tensors: dict, source: str):
    pairs = []
    for group, members in model_groups:
        found = [(p, tensors[p]) for p, _ in members if p in tensors]
        if found:
            pairs.append((group, members, group, found))
    if not pairs:
        model_paths = [p for _, m in model_groups for p, _ in m]
        raise FileFormatError(
            f'"{source}": no weight path of the model is in the file, so nothing can be loaded '
            f"by name. The model has {model_paths[:10]}; the file has {sorted(tensors)[:10]}"
        )
    return pairs


def _pairs_by_order(model, model_groups, file_groups, source: str, skip_mismatch: bool):
    if len(model_groups) != len(file_groups):
        message = (
            f'Cannot load the weights of "{source}" into model "{model.name}" by order: the '
            f"model has {len(model_groups)} layer(s) with weights "
            f"{[g for g, _ in model_groups][:20]}, the file {len(file_groups)} "
            f"{[g for g, _ in file_groups][:20]}"
        )
        if not skip_mismatch:
            raise FileFormatError(message + " (nothing was changed)")
        warnings.warn(message + "; pairing the first ones in order", stacklevel=4)
    return [(mg, mp, fg, fp) for (mg, mp), (fg, fp) in zip(model_groups, file_groups)]
