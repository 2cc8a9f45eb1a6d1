"""``model.summary()``: the table Keras prints, drawn with box characters as Keras 3 does.

Columns: Layer (type), Output Shape, Param #, and for graphs that are not a plain stack,
Connected to (``layer[node][tensor]``). Then total, trainable and non-trainable counts with
their size in memory.
"""

from __future__ import annotations

import logging
import re
import textwrap

from sloi import notebook, settings
from sloi.engine.operation import type_name
from sloi.engine.symbolic import format_shape


def print_summary(model, steps, stack_like, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False, layer_range=None):
    """Print ``model``'s table as Keras 3's ``model.summary()`` does.

    A Sequential, a subclassed model and a Functional model that is a plain chain (one input,
    each step feeding the next, no shared layer) print as a stack: no "Connected to" column
    (a chain's InputLayer gets a row, as in Keras). An unbuilt model (a Sequential without an
    input shape) prints its layers with "?" shapes, "0 (unbuilt)" params and zero totals.
    The model says which: ``steps`` are its rows' layers (a graph's operations, a stack's
    layers) and ``stack_like`` drops the "Connected to" column.
    """
    headers = ["Layer (type)", "Output Shape", "Param #"]
    if not stack_like:
        headers.append("Connected to")
    if show_trainable:
        headers.append("Trainable")
    line_length = line_length or (88 if stack_like else 108)
    widths = _column_widths(len(headers), line_length, positions, stack_like)
    first, stop = _layer_range_bounds(steps, layer_range)
    rows = []
    for layer in steps[first:stop]:
        rows += _rows(model, layer, stack_like, show_trainable, expand_nested, level=0)

    lines = [f'Model: "{model.name}"']
    lines.append(_rule("┏", "┳", "┓", "━", widths))
    # Param counts right, the Trainable flag centred (header and cells), as Keras aligns them.
    center = {len(headers) - 1} if show_trainable else set()
    lines += _cells(headers, widths, "┃", align_right={2}, center=center)
    lines.append(_rule("┡", "╇", "┩", "━", widths))
    for i, row in enumerate(rows):
        lines += _cells(row, widths, "│", align_right={2}, center=center)
        if i < len(rows) - 1:
            lines.append(_rule("├", "┼", "┤", "─", widths))
    lines.append(_rule("└", "┴", "┘", "─", widths))
    total, trainable, non_trainable = _counts(model)
    lines.append(f" Total params: {total[0]:,} ({_readable_size(total[1])})")
    lines.append(f" Trainable params: {trainable[0]:,} ({_readable_size(trainable[1])})")
    lines.append(
        f" Non-trainable params: {non_trainable[0]:,} ({_readable_size(non_trainable[1])})")
    if print_fn is None and notebook.rich_display_enabled():
        # a notebook gets the same text and an HTML table beside it (the front end picks)
        notebook.display({"text/plain": "\n".join(lines), "text/html": notebook.html_table(
            lines[0], headers, rows, lines[-3:], align_right={2})})
        return
    emit = print_fn or _print_line
    for line in lines:
        emit(line)


def _layer_range_bounds(steps, layer_range):
    """Keras's ``layer_range``: two name patterns (``re.match``), the first and last rows."""
    if layer_range is None:
        return 0, len(steps)
    if len(layer_range) != 2 or not all(isinstance(p, str) for p in layer_range):
        raise ValueError(f"summary: layer_range must be two layer-name patterns (str); got "
                         f"layer_range={layer_range!r}")
    lower = [i for i, layer in enumerate(steps) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(steps) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"summary: layer_range={list(layer_range)} matches no layer name; the "
                         f"layers are {[layer.name for layer in steps]}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _rows(owner, layer, stack_like, show_trainable, expand_nested, level):
    """The row of ``layer`` (a step of ``owner``), then with ``expand_nested`` the rows of the
    layers of a nested model, indented with Keras's "└"."""
    rows = [_row(owner, layer, stack_like, show_trainable, level)]
    nested = getattr(layer, "layers", None) if expand_nested else None
    if nested:
        for inner in nested:
            rows += _rows(layer, inner, stack_like, show_trainable, expand_nested, level + 1)
    return rows


def _column_widths(n, line_length, positions, stack_like):
    if positions is None:
        positions = [0.45, 0.84, 1.0] if stack_like else [0.3, 0.56, 0.74, 1.0]
        if n > len(positions):  # a Trainable column squeezes in at the end
            positions = [p * 0.9 for p in positions] + [1.0]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    edges = [0] + list(positions)
    # Each column gets its share minus the border character and two spaces of padding.
    return [max(edges[i + 1] - edges[i] - 3, 6) for i in range(n)]


def _rule(left, mid, right, fill, widths):
    return left + mid.join(fill * (w + 2) for w in widths) + right


def _cells(values, widths, bar, align_right=(), center=()):
    wrapped = [textwrap.wrap(v, w, break_on_hyphens=False) or [""] for v, w in zip(values, widths)]
    height = max(len(c) for c in wrapped)
    lines = []
    for k in range(height):
        parts = []
        for i, (cell, w) in enumerate(zip(wrapped, widths)):
            text = cell[k] if k < len(cell) else ""
            align = ">" if i in align_right else "^" if i in center else "<"
            parts.append(f" {text:{align}{w}} ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def _row(model, layer, stack_like, show_trainable, level=0):
    nodes = _nodes_in_model(model, layer)
    prefix = "   " * level + "└ " if level else ""
    row = [f"{prefix}{layer.name} ({type_name(layer)})", _output_shape(layer, nodes),
           _param_text(layer)]
    if not stack_like:
        links = []
        # A nested model's own layers are not connected inside the outer graph: Keras's "-".
        for node in nodes if not level else ():
            for t in node.input_tensors:
                h = t.history
                links.append(f"{h.layer.name}[{h.node_index}][{h.tensor_index}]")
        row.append(", ".join(links) if links else "-")
    if show_trainable:
        # A layer without weights (unbuilt, or none to have) has nothing to freeze: Keras's "-".
        row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
    return row


def _nodes_in_model(model, layer):
    model_nodes = getattr(model, "nodes", None)
    if model_nodes is None:
        return layer.inbound_nodes[:1]
    in_model = [n for n in model_nodes if n.layer is layer]
    if not in_model:  # InputLayer: its own node
        return layer.inbound_nodes[:1]
    return in_model


def _output_shape(layer, nodes):
    if not nodes:
        return "?"
    shapes = set()
    for node in nodes:
        outs = node.output_tensors
        text = format_shape(outs[0].shape) if len(outs) == 1 else (
            "[" + ", ".join(format_shape(t.shape) for t in outs) + "]")
        shapes.add(text)
    return shapes.pop() if len(shapes) == 1 else "multiple"


def _param_text(layer):
    if not layer.built:
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def _counts(model):
    weights = model.weights
    trainable_ids = {id(w) for w in model.trainable_weights}
    total = (sum(w.numel() for w in weights), sum(w.numel() * w.element_size() for w in weights))
    tr = [w for w in weights if id(w) in trainable_ids]
    non = [w for w in weights if id(w) not in trainable_ids]
    trainable = (sum(w.numel() for w in tr), sum(w.numel() * w.element_size() for w in tr))
    non_trainable = (sum(w.numel() for w in non), sum(w.numel() * w.element_size() for w in non))
    return total, trainable, non_trainable


def _readable_size(num_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if num_bytes < 1024 or unit == "TB":
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} TB"


def _print_line(line: str) -> None:
    """A summary line to stdout, or to the ``"sloi"`` logger after
    ``sloi.config.disable_interactive_logging()``."""
    if settings.is_interactive_logging_enabled():
        print(line)
    else:
        logging.getLogger("sloi").info(line)
