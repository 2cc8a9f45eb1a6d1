"""What a layer accepts, checked before any work is done so that errors name the user's shapes."""

from __future__ import annotations

from sloi.engine.symbolic import format_shape


class InputSpec:
    """Rank and sizes a layer expects of one input.

    Args:
        dtype: the dtype Keras records for the input (kept for configs; sloi casts as Keras).
        shape: the full expected shape, ``None`` for any size: gives the rank and the sizes.
        ndim: exact rank, counting the batch.
        min_ndim / max_ndim: rank bounds.
        axes: ``{axis: size}`` sizes that must match (set in ``build`` once known).
        allow_last_axis_squeeze: accepted for Keras code; sloi checks ranks exactly.
        name: the input's name. optional: whether the input may be None.
        layout: how the axes read, for messages: ``"(batch, height, width, channels)"``.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False,
                 layout=None):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        if self.shape is not None:
            ndim = len(self.shape)
            axes = {**{i: d for i, d in enumerate(self.shape) if d is not None},
                    **dict(axes or {})}
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional
        self.layout = layout

    def __repr__(self):
        return f"InputSpec(ndim={self.ndim}, min_ndim={self.min_ndim}, axes={self.axes})"


def _rank_text(spec: InputSpec) -> str:
    if spec.ndim is not None:
        text = f"rank {spec.ndim}"
    elif spec.min_ndim is not None and spec.max_ndim is not None:
        text = f"rank {spec.min_ndim} to {spec.max_ndim}"
    elif spec.min_ndim is not None:
        text = f"rank {spec.min_ndim} or more"
    else:
        text = f"rank {spec.max_ndim} or less"
    return f"{text} {spec.layout}" if spec.layout else text


def check_input(layer, spec: InputSpec | None, shape, described: str, position: int | None = None):
    """Raise ``ValueError`` when ``shape`` does not satisfy ``spec``.

    ``described`` is how the caller names the input, e.g. ``shape (None, 1000) from layer "dense"``.
    """
    if spec is None:
        return
    rank = len(shape)
    rank_ok = (
        (spec.ndim is None or rank == spec.ndim)
        and (spec.min_ndim is None or rank >= spec.min_ndim)
        and (spec.max_ndim is None or rank <= spec.max_ndim)
    )
    which = "inputs" if position is None else f"input {position}"
    if not rank_ok:
        raise ValueError(
            f'Layer "{layer.name}" ({type(layer).__name__}) expects {which} of '
            f"{_rank_text(spec)}; got {described}"
        )
    for axis, size in spec.axes.items():
        actual = shape[axis] if -rank <= axis < rank else None
        if size is not None and actual is not None and actual != size:
            raise ValueError(
                f'Layer "{layer.name}" ({type(layer).__name__}) expects {which} with size {size} '
                f"on axis {axis} (it was built for shape "
                f"{format_shape(layer._build_shape_for_message())}); got {described}"
            )
