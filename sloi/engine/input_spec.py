"""What a layer accepts, checked before any work is done so that errors name the user's shapes."""

from __future__ import annotations

from sloi.engine.dtypes import dtype_name, standardize_dtype
from sloi.engine.symbolic import format_shape


class InputSpec:
    """Rank and sizes a layer expects of one input.

    Args:
        dtype: the dtype the input must have (checked when given).
        shape: the full expected shape, ``None`` for any size: gives the rank and the sizes.
        ndim: exact rank, counting the batch.
        min_ndim / max_ndim: rank bounds.
        axes: ``{axis: size}`` sizes that must match (set in ``build`` once known).
        allow_last_axis_squeeze: a last axis of size 1 may be there or not, on either side.
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


def check_input(layer, spec: InputSpec | None, shape, described: str, position: int | None = None,
                dtype=None):
    """Raise ``ValueError`` when an input of ``shape`` (and ``dtype``, when known) does not
    satisfy ``spec``; ``shape`` None is a missing input, allowed when the spec is optional.

    ``described`` is how the caller names the input, e.g. ``shape (None, 1000) from layer "dense"``.
    """
    if spec is None:
        return
    which = "inputs" if position is None else f"input {position}"
    if shape is None:
        if spec.optional:
            return
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}) needs {which}; got None')
    if spec.dtype is not None and dtype is not None and dtype != standardize_dtype(spec.dtype):
        raise ValueError(
            f'Layer "{layer.name}" ({type(layer).__name__}) expects {which} of dtype '
            f"{dtype_name(standardize_dtype(spec.dtype))}; got {dtype_name(dtype)}, {described}")
    if spec.allow_last_axis_squeeze:
        shape = _squeezed(shape)
        spec = _squeezed_spec(spec)
    rank = len(shape)
    rank_ok = (
        (spec.ndim is None or rank == spec.ndim)
        and (spec.min_ndim is None or rank >= spec.min_ndim)
        and (spec.max_ndim is None or rank <= spec.max_ndim)
    )
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
                f"{format_shape(_built_for(layer))}); got {described}"
            )


def _squeezed(shape) -> tuple:
    shape = tuple(shape)
    return shape[:-1] if shape and shape[-1] == 1 else shape


def _squeezed_spec(spec: InputSpec) -> InputSpec:
    """``spec`` compared without a last axis of size 1 (``allow_last_axis_squeeze``)."""
    if spec.shape is None or not spec.shape or spec.shape[-1] != 1:
        return spec
    shape = spec.shape[:-1]
    return InputSpec(shape=shape, min_ndim=spec.min_ndim, max_ndim=spec.max_ndim,
                     layout=spec.layout)


def _built_for(layer) -> tuple:
    config = layer.get_build_config()
    return config["input_shape"] if config is not None else ()
