"""``model_to_svg``: a model's layer graph drawn as SVG by sloi itself, no Graphviz needed.

The layout is plain: each layer goes in the row of its depth (the longest path from an
input), rows top to bottom, boxes in a row side by side and centred; an arrow per tensor
between layers. Enough for the branches of a lecture model, and always available.
"""

from __future__ import annotations

import html

from sloi.utils.plot_model import check_model, layer_graph, layer_info

_CHAR_W = 7.0  # width of one character of the 12px monospace font, roughly
_LINE_H = 16
_PAD = 10
_ROW_GAP = 36
_COL_GAP = 24
_MARGIN = 20


def model_to_svg(model, show_shapes=True, show_layer_names=True, show_dtype=False,
                 show_layer_activations=False, show_trainable=False) -> str:
    """Self-contained SVG text of ``model``'s layer graph (nested models as one box).

    Args:
        model: a built Functional or Sequential model.
        show_shapes: add input and output shapes to each box.
        show_layer_names: label boxes "name (Type)" (else the type alone).
        show_dtype, show_layer_activations, show_trainable: as in ``model_to_dot``.

    Returns:
        An ``<svg>`` document (a string) with one ``<g class="layer">`` box per layer.

    Example:
        >>> open("model.svg", "w").write(sloi.utils.model_to_svg(model))
    """
    check_model(model, "model_to_svg")
    boxes, edges, _ = layer_graph(model, expand_nested=False)
    texts = {}
    for box, layer, owner, _path in boxes:
        info = layer_info(owner, layer)
        lines = [f"{info['name']} ({info['type']})" if show_layer_names else info["type"]]
        if show_layer_activations and info["activation"] is not None:
            lines.append(f"activation: {info['activation']}")
        if show_shapes:
            lines.append(f"in: {info['input_shape']}")
            lines.append(f"out: {info['output_shape']}")
        if show_dtype:
            lines.append(f"dtype: {info['dtype']}")
        if show_trainable:
            lines.append(f"trainable: {'Y' if info['trainable'] else 'N'}")
        texts[box] = lines

    order = [b[0] for b in boxes]
    depth = _depths(order, edges)
    rows: dict = {}
    for box in order:
        rows.setdefault(depth[box], []).append(box)

    size = {b: (max(len(s) for s in texts[b]) * _CHAR_W + 2 * _PAD,
                len(texts[b]) * _LINE_H + _PAD) for b in order}
    row_widths = {d: sum(size[b][0] for b in r) + _COL_GAP * (len(r) - 1)
                  for d, r in rows.items()}
    width = max(row_widths.values()) + 2 * _MARGIN
    pos, y = {}, _MARGIN
    for d in sorted(rows):
        x = (width - row_widths[d]) / 2
        height = max(size[b][1] for b in rows[d])
        for b in rows[d]:
            pos[b] = (x, y)
            x += size[b][0] + _COL_GAP
        y += height + _ROW_GAP
    total_h = y - _ROW_GAP + _MARGIN

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {width:.0f} {total_h:.0f}" font-family="monospace" font-size="12">',
        f"<title>{html.escape(model.name)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker></defs>',
    ]
    for src, dst in edges:
        (x1, y1), (w1, h1) = pos[src], size[src]
        (x2, y2), (w2, _h2) = pos[dst], size[dst]
        out.append(f'<line class="edge" x1="{x1 + w1 / 2:.1f}" y1="{y1 + h1:.1f}" '
                   f'x2="{x2 + w2 / 2:.1f}" y2="{y2:.1f}" stroke="#555" stroke-width="1.2" '
                   'marker-end="url(#arrow)"/>')
    for b in order:
        (x, y), (w, h) = pos[b], size[b]
        out.append(f'<g class="layer" id="{html.escape(b)}">')
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4" '
                   'fill="#eef3fb" stroke="#335" stroke-width="1"/>')
        for k, line in enumerate(texts[b]):
            weight = ' font-weight="bold"' if k == 0 else ""
            out.append(f'<text x="{x + _PAD:.1f}" y="{y + _PAD / 2 + (k + 0.8) * _LINE_H:.1f}"'
                       f"{weight}>{html.escape(line)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _depths(order, edges) -> dict:
    """Longest distance from a box with no incoming arrow, for each box."""
    parents: dict = {b: [] for b in order}
    for src, dst in edges:
        parents[dst].append(src)
    depth: dict = {}

    def visit(b):
        if b not in depth:
            depth[b] = 0  # guards against cycles, which a built model cannot have
            depth[b] = max((visit(p) + 1 for p in parents[b]), default=0)
        return depth[b]

    for b in order:
        visit(b)
    return depth
