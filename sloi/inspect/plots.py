"""``plot_gates``: the gates of ``lstm_gates`` / ``gru_gates`` as heatmaps, time across.

matplotlib is an optional extra (``pip install "sloi[viz]"``), imported only when a picture is
asked for; the figure is made without pyplot, so nothing global changes and no display is
needed.
"""

from __future__ import annotations

import io
import os
import tempfile

import numpy as np

_IMAGE_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg")
_ORDER = ("input", "forget", "cell_candidate", "output", "update", "reset", "candidate", "cell",
          "hidden")


def _figure_class():
    """matplotlib's ``Figure`` with ``_repr_png_``: a notebook shows the returned figure
    inline even when pyplot (and so the inline backend's own display hook) was never
    imported."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(
            "plot_gates draws with matplotlib, which is not installed; install the viz extra: "
            'pip install "sloi[viz]" (or pip install matplotlib)'
        ) from e

    class GateFigure(Figure):
        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=80)
            return buffer.getvalue()

    return GateFigure


def plot_gates(gates: dict, sample: int = 0, to_file=None):
    """Heatmaps of every gate and state for one sample: rows are units, columns time steps.

    Args:
        gates: what ``lstm_gates`` or ``gru_gates`` returned (a Bidirectional's
            ``{"forward": ..., "backward": ...}`` gives one column of plots per direction).
        sample: which sequence of the batch to draw.
        to_file: optional image path (``.png``, ``.svg``, ``.pdf``, ``.jpg``), written whole
            or not at all.

    Returns:
        The matplotlib ``Figure``.
    """
    directions = _directions(gates)
    batch = next(iter(directions[0][1].values())).shape[0]
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or not (
            -batch <= sample < batch):
        raise ValueError(f"plot_gates: sample must be an index into the batch of {batch}; "
                         f"got {sample!r}")
    ext = None
    if to_file is not None:
        to_file = os.fspath(to_file)
        ext = os.path.splitext(to_file)[1].lower().lstrip(".")
        if ext not in _IMAGE_FORMATS:
            raise ValueError(f"plot_gates: to_file must end in one of "
                             f"{['.' + f for f in _IMAGE_FORMATS]}; got {to_file!r}")
    Figure = _figure_class()
    names = [k for k in _ORDER if k in directions[0][1]]
    names += [k for k in directions[0][1] if k not in names]
    fig = Figure(figsize=(4.5 * len(directions) + 1, 1.9 * len(names)), layout="constrained")
    axes = fig.subplots(len(names), len(directions), squeeze=False)
    for col, (title, values) in enumerate(directions):
        for row, name in enumerate(names):
            ax = axes[row][col]
            data = np.asarray(values[name][sample], dtype=float).T  # (units, steps)
            bounded = name not in ("cell", "hidden", "candidate", "cell_candidate")
            vmin, vmax = (0.0, 1.0) if bounded else (-1.0, 1.0)
            if name == "cell":  # the cell state is not squashed: scale to its own range
                top = float(np.nanmax(np.abs(data))) if np.isfinite(data).any() else 1.0
                vmin, vmax = -max(top, 1e-6), max(top, 1e-6)
            image = ax.imshow(data, aspect="auto", interpolation="nearest",
                              cmap="viridis" if bounded else "RdBu_r", vmin=vmin, vmax=vmax)
            ax.set_title(f"{title}{name}" if title else name, fontsize=9)
            ax.set_ylabel("unit", fontsize=8)
            ax.tick_params(labelsize=7)
            fig.colorbar(image, ax=ax, fraction=0.04)
        axes[-1][col].set_xlabel("time step", fontsize=8)
    if to_file is not None:
        folder = os.path.dirname(os.path.abspath(to_file))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="." + ext, dir=folder)
        os.close(fd)
        try:
            fig.savefig(tmp, format="jpg" if ext == "jpeg" else ext, dpi=100)
            os.replace(tmp, to_file)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
    return fig


def _directions(gates) -> list:
    """``[(title prefix, {name: array})]``: one entry, or two for a Bidirectional."""
    if not isinstance(gates, dict) or not gates:
        raise ValueError("plot_gates expects the dict that lstm_gates or gru_gates returned; "
                         f"got {type(gates).__name__}")
    if set(gates) <= {"forward", "backward"}:
        return [(f"{k}: ", gates[k]) for k in ("forward", "backward") if k in gates]
    bad = [k for k, v in gates.items() if np.ndim(v) != 3]
    if bad:
        raise ValueError("plot_gates expects arrays of shape (batch, timesteps, units); "
                         f"{bad} are not")
    return [("", gates)]
