"""``plot_model`` and ``model_to_dot``: a model's layer graph as a Graphviz diagram.

``model_to_dot`` writes the DOT source itself (no pydot): a box per layer labelled
"name (Type)" (and, when asked, shapes, dtype, activation, trainable), an arrow per tensor that
flows from one layer to another, nested models as clusters with ``expand_nested``.
``plot_model`` hands that text to Graphviz's ``dot`` program. Where Graphviz is missing,
``sloi.utils.model_to_svg`` draws a simpler diagram with no outside program.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile

from sloi.engine.functional import Functional
from sloi.engine.operation import type_name
from sloi.engine.symbolic import format_shape

_RANKDIRS = ("TB", "LR", "BT", "RL")
_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "gif", "dot")
_INSTALL_HINT = (
    "install Graphviz: `apt-get install graphviz` (Debian / Ubuntu), `brew install graphviz` "
    "(macOS) or `conda install graphviz`; or draw without it with "
    "sloi.utils.model_to_svg(model)"
)


# Keras's own sentence, so code that matches on it (or catches ImportError) works unchanged.
_KERAS_GRAPHVIZ_MESSAGE = (
    "You must install graphviz (see instructions at https://graphviz.gitlab.io/download/) "
    "for `plot_model` to work."
)


class GraphvizNotFoundError(ImportError, RuntimeError):
    """Graphviz's ``dot`` program is not on PATH.

    An ``ImportError``, as Keras raises when Graphviz is missing (and a ``RuntimeError``, as
    sloi raised before)."""


# ---------------------------------------------------------------------- the graph
def check_model(model, caller: str) -> None:
    """Refuse, naming ``caller``, a model that has no layer graph to draw: one that is not
    Functional or Sequential, or one not built yet."""
    if not isinstance(model, Functional):
        raise ValueError(
            f"{caller} draws Functional and Sequential models; got {type(model).__name__} "
            f'"{getattr(model, "name", "?")}", which has no layer graph'
        )
    if not model.built:
        raise ValueError(
            f'{caller}: model "{model.name}" has not yet been built (as Keras says), so its '
            "graph is unknown. Build it first: give the first layer an input_shape, start "
            "with Input(shape=...), call model.build(input_shape) or call the model on a "
            "batch of data."
        )


def _is_graph_model(layer) -> bool:
    return isinstance(layer, Functional) and layer.built


def _layer_nodes(model, layer) -> list:
    """The nodes (calls) of ``layer`` inside ``model``; an InputLayer's own node."""
    nodes = [n for n in model.nodes if n.layer is layer]
    return nodes or list(layer.inbound_nodes[:1])


def _shapes_text(tensors_per_node) -> str:
    texts = set()
    for tensors in tensors_per_node:
        texts.add(format_shape(tensors[0].shape) if len(tensors) == 1 else
                  "[" + ", ".join(format_shape(t.shape) for t in tensors) + "]")
    if not texts:
        return "?"
    return texts.pop() if len(texts) == 1 else "multiple"


def layer_info(model, layer) -> dict:
    """What a diagram says about ``layer`` of ``model``: name, type, input / output shapes,
    output dtype, activation name (or None) and trainable flag."""
    nodes = _layer_nodes(model, layer)
    ins = [n.input_tensors for n in nodes if n.input_tensors]
    outs = [n.output_tensors for n in nodes]
    dtypes = {str(t.dtype).removeprefix("torch.") for o in outs for t in o}
    activation = getattr(layer, "activation", None)
    return {
        "name": layer.name,
        "type": type_name(layer),
        # an InputLayer has no inputs: its input shape is its output shape, as in Keras
        "input_shape": _shapes_text(ins) if ins else _shapes_text(outs),
        "output_shape": _shapes_text(outs),
        "dtype": dtypes.pop() if len(dtypes) == 1 else ("multiple" if dtypes else "?"),
        "activation": getattr(activation, "__name__", None) if callable(activation) else None,
        "trainable": bool(layer.trainable),
    }


def layer_graph(model, expand_nested=False):
    """``(boxes, edges, clusters)`` for ``model``.

    boxes: ``[(box_id, layer, owner_model, cluster_path)]`` in the model's layer order;
    edges: ``[(from_id, to_id)]`` without repeats; clusters: ``{path: nested model}``.
    With ``expand_nested``, a nested model is replaced by its own layers, and arrows into it
    go to its input layers, arrows out of it leave from its output layers.
    """
    boxes, edges, clusters = [], [], {}

    def box_id(path, layer):
        return "/".join(path + (layer.name,))

    def add(m, path):
        for layer in m.operations:
            if expand_nested and _is_graph_model(layer):
                clusters[path + (layer.name,)] = layer
                add(layer, path + (layer.name,))
            else:
                boxes.append((box_id(path, layer), layer, m, path))
        for node in m.nodes:
            for k, t in enumerate(node.input_tensors):
                for src in _sources(path, t):
                    for dst in _targets(path, node.layer, k):
                        if (src, dst) not in edges:
                            edges.append((src, dst))

    def _sources(path, tensor):
        """Boxes a tensor leaves from (an inner output layer for a nested model)."""
        hist = tensor.history
        layer = hist.layer
        if expand_nested and _is_graph_model(layer):
            inner = layer.outputs[hist.tensor_index]
            return _sources(path + (layer.name,), inner)
        return [box_id(path, layer)]

    def _targets(path, layer, k):
        """Boxes the k-th input of a call arrives at (an inner input layer when nested)."""
        if expand_nested and _is_graph_model(layer):
            inner_inputs = layer.inputs
            t = inner_inputs[min(k, len(inner_inputs) - 1)]
            return _targets(path + (layer.name,), t.history.layer, 0)
        return [box_id(path, layer)]

    add(model, ())
    return boxes, edges, clusters


# ---------------------------------------------------------------------- DOT text
def _label(info, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable) -> str:
    esc = html.escape
    title = (f"<b>{esc(info['name'])}</b> ({esc(info['type'])})" if show_layer_names
             else f"<b>{esc(info['type'])}</b>")
    rows = [title]
    if show_layer_activations and info["activation"] is not None:
        rows.append(f"Activation: {esc(info['activation'])}")
    if show_shapes:
        rows.append(f"Input shape: {esc(info['input_shape'])}")
        rows.append(f"Output shape: {esc(info['output_shape'])}")
    if show_dtype:
        rows.append(f"Output dtype: {esc(info['dtype'])}")
    if show_trainable:
        rows.append(f"Trainable: {'Y' if info['trainable'] else 'N'}")
    cells = "".join(f"<tr><td>{r}</td></tr>" for r in rows)
    return f'<<table border="0" cellborder="0" cellspacing="2">{cells}</table>>'


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_args(rankdir, dpi, caller):
    if rankdir not in _RANKDIRS:
        raise ValueError(f"{caller}: rankdir must be one of {list(_RANKDIRS)}; got {rankdir!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or dpi <= 0:
        raise ValueError(f"{caller}: dpi must be a positive number; got {dpi!r}")


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False,
                 show_trainable=False, **kwargs) -> str:
    """The DOT source (Graphviz's language) of ``model``'s layer graph.

    Args:
        model: a built Functional or Sequential model.
        show_shapes: add each layer's input and output shapes.
        show_dtype: add each layer's output dtype.
        show_layer_names: label boxes "name (Type)" (else the type alone).
        rankdir: ``"TB"`` (top to bottom), ``"LR"``, ``"BT"`` or ``"RL"``.
        expand_nested: draw nested models' layers inside a framed cluster.
        dpi: resolution of raster images made from this graph.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add whether each layer is trainable.

    Returns:
        The DOT text (``digraph``), e.g. for ``dot -Tpng``.
    """
    kwargs.pop("subgraph", None)  # Keras's internal argument
    if kwargs:
        raise TypeError(f"model_to_dot got unexpected arguments {sorted(kwargs)}")
    check_model(model, "model_to_dot")
    _check_args(rankdir, dpi, "model_to_dot")
    boxes, edges, clusters = layer_graph(model, expand_nested)
    flags = (show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
    lines = [f"digraph {_quote(model.name)} {{",
             f'  graph [rankdir="{rankdir}", dpi={dpi:g}, concentrate=true];',
             '  node [shape="record", fontname="Helvetica", fontsize="11"];',
             '  edge [color="#555555"];']
    by_path: dict = {}
    for box, layer, owner, path in boxes:
        by_path.setdefault(path, []).append(
            f"{_quote(box)} [label={_label(layer_info(owner, layer), *flags)}];")

    def emit(path, indent):
        for line in by_path.get(path, []):
            lines.append(" " * indent + line)
        children = [p for p in clusters if len(p) == len(path) + 1 and p[:len(path)] == path]
        for child in children:
            inner = clusters[child]
            lines.append(" " * indent + f"subgraph {_quote('cluster_' + '/'.join(child))} {{")
            title = html.escape(f"{inner.name} ({type(inner).__name__})")
            lines.append(" " * indent + f'  label=<<b>{title}</b>>; style="dashed";')
            emit(child, indent + 2)
            lines.append(" " * indent + "}")

    emit((), 2)
    for src, dst in edges:
        lines.append(f"  {_quote(src)} -> {_quote(dst)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- rendering
def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs) -> str:
    """Draw ``model``'s layer graph into ``to_file`` with Graphviz.

    Args:
        to_file: the image to write; its extension picks the format (``.png``, ``.svg``,
            ``.pdf``, ``.jpg``, ``.gif``, or ``.dot`` for the DOT text itself).
        The other arguments: as ``model_to_dot``.

    Returns:
        ``to_file`` (a ``str`` subclass that a notebook displays as the picture, inline). The
        file is written whole or not at all.

    Raises:
        GraphvizNotFoundError: an ``ImportError``: Graphviz's ``dot`` program is not installed
            (the message starts with Keras's and says how to install it). ``.dot`` files need
            no Graphviz, and ``.svg`` files are drawn without it by ``sloi.utils.model_to_svg``
            (a simpler layout) when it is missing.
    """
    kwargs.pop("subgraph", None)
    if kwargs:
        raise TypeError(f"plot_model got unexpected arguments {sorted(kwargs)}")
    to_file = os.fspath(to_file)
    ext = os.path.splitext(to_file)[1].lower().lstrip(".")
    if ext not in _FORMATS:
        raise ValueError(
            f"plot_model: to_file must end in one of {['.' + f for f in _FORMATS]}; "
            f"got {to_file!r}"
        )
    folder = os.path.dirname(os.path.abspath(to_file))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"plot_model: the folder of to_file does not exist: {folder}")
    dot_text = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                            show_layer_names=show_layer_names, rankdir=rankdir,
                            expand_nested=expand_nested, dpi=dpi,
                            show_layer_activations=show_layer_activations,
                            show_trainable=show_trainable)
    if ext == "dot":
        _write_atomic(to_file, lambda tmp: _write_text(tmp, dot_text))
        return ModelPlot(to_file)
    dot = shutil.which("dot")
    if dot is None and ext == "svg":
        # an SVG needs no Graphviz: sloi's own drawing (simpler, but a diagram all the same)
        from sloi.utils.model_svg import model_to_svg

        svg = model_to_svg(model, show_shapes=show_shapes, show_layer_names=show_layer_names,
                           show_dtype=show_dtype,
                           show_layer_activations=show_layer_activations,
                           show_trainable=show_trainable)
        _write_atomic(to_file, lambda tmp: _write_text(tmp, svg))
        return ModelPlot(to_file)
    if dot is None:
        raise GraphvizNotFoundError(
            f"{_KERAS_GRAPHVIZ_MESSAGE} Its `dot` program, needed to write {to_file!r}, is not "
            f"on PATH; {_INSTALL_HINT}"
        )
    fmt = "jpg" if ext == "jpeg" else ext

    def render(tmp):
        result = subprocess.run([dot, f"-T{fmt}", "-o", tmp], input=dot_text.encode("utf-8"),
                                capture_output=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"plot_model: Graphviz failed to draw {to_file!r} (exit code "
                f"{result.returncode}): {result.stderr.decode('utf-8', 'replace').strip()}"
            )

    _write_atomic(to_file, render)
    return ModelPlot(to_file)


class ModelPlot(str):
    """What ``plot_model`` returns: the path it wrote (a ``str``, as before), which a
    notebook shows inline as the picture itself (SVG or PNG; Keras returns an IPython image
    there)."""

    def _read(self, mode):
        with open(self, mode) as f:
            return f.read()

    def _repr_svg_(self):
        return self._read("r") if self.lower().endswith(".svg") else None

    def _repr_png_(self):
        return self._read("rb") if self.lower().endswith(".png") else None


def _write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _write_atomic(path, write) -> None:
    """``write(tmp)`` into a temporary file beside ``path``, then move it into place."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(path)[1], dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
