"""A recurrent layer's weights laid out for the fused kernel: ``FusedWeights``, the layout state
a layer owns, and ``FusedLayout``, the mixin that makes the layout as soon as the weights get
their storage.

On CUDA, cuDNN wants every weight inside one flat buffer (given separate tensors it copies them
into a fresh one at every call, and the gradients back out). ``FusedWeights`` hands it one: an
LSTM's or a SimpleRNN's parameters live in it as transposed views (nothing to convert, as with
``nn.LSTM``). A GRU's torch-layout weights are gathered from its parameters in one kernel, on
every device. The kernels (``sloi.kernels.rnn.fused``) receive this object from the layer and
keep no state of their own.

Laying the parameters out at the first call would be too late for anything that read their
layout in between: ``DistributedDataParallel`` sizes its gradient buckets by the strides it sees
when it wraps the model, and a change after that scrambles the first step's averaged gradients.
So ``FusedLayout`` makes the layout when the layer is built and again whenever its weights move
(``.to``, ``.cuda``, a dtype change: every one of them goes through ``nn.Module._apply``). A
call still lays out again if the parameters moved some other way.

``layer.pack_weights`` (True by default) is the public switch: False converts the weights at
every call instead (``benchmarks/cuda_train_check.py`` compares the two).
"""

from __future__ import annotations

import itertools
import math
import warnings

import torch

from sloi.engine import frozen_weights
from sloi.kernels.rnn import capturing, torch_weights

_CUDNN_MODES = {"rnn_relu": 0, "rnn_tanh": 1, "lstm": 2, "gru": 3}


class FusedWeights:
    """A recurrent layer's weights as the fused kernels want them, made as cheaply as possible.

    ``get(mode, groups)`` gives the torch-layout weights for ``groups`` (one Keras-layout
    ``(kernel, recurrent_kernel, bias | None)`` per direction) and whether they form cuDNN's
    flat buffer (on cuDNN they always do):

    - **LSTM and SimpleRNN on cuDNN: the parameters live in its buffer.** Their gate order is
      the same in both layouts, so each Keras-layout parameter can be a view of cuDNN's
      buffer: ``kernel`` becomes an ``(in, 4*units)`` view with strides ``(1, in)`` of the
      ``(4*units, in)`` matrix. It stays the same ``nn.Parameter`` with its Keras shape, so
      optimizers, ``state_dict``, ``set_weights`` and saving see no difference, and a call
      converts nothing. The recurrent bias cuDNN also reads (Keras has none) is a zero view of
      the buffer, never trained. Elsewhere (oneDNN on the CPU) they are converted at each call:
      two small copies, and the parameters stay contiguous, as ``nn.LSTM``'s are there.
    - **GRU, on every device: one gather per call.** Keras orders the gates ``z, r, h`` and
      torch ``r, z, n``, which no view expresses, so the torch-layout buffer is gathered from
      the concatenated parameters by one precomputed index (one kernel, and one scatter-add in
      backward) instead of a dozen splits, concatenations and copies. Off cuDNN the buffer
      holds the torch-layout weights one after another.

    cuDNN's layout (its offsets and any alignment gaps) comes from cuDNN itself, the call
    ``nn.LSTM.flatten_parameters`` makes, and is made again when the parameters moved
    (``.to``, a dtype change). Weights of mixed dtypes or devices, non-leaf weights, and graph
    capture by ``torch.compile`` / ``torch.export`` / ``torch.jit`` are converted at each call
    instead, as everything is when the layer's ``pack_weights`` is False.

    Nothing converted is kept between calls, but for a GRU within a loop that only reads
    the weights (``sloi.engine.frozen_weights``: ``predict``): elsewhere a parameter's version
    counter would not tell when it changed, as torch's fused optimizers (Adam's, which sloi
    uses) write without bumping it.
    """

    def __init__(self):
        self._key = None  # the parameters' data pointers (and cuDNN or not) at the layout
        self._buffer = None  # LSTM / SimpleRNN: the buffer the parameters live in
        self._zeros = None  # LSTM / SimpleRNN: each direction's zero recurrent bias
        self._index = None  # GRU: buffer position -> position in the concatenated parameters
        self._slots = None  # GRU: (shape, strides, offset) of each torch-layout weight in it
        self._pieces = None  # GRU: the buffer cut in pieces (sizes), and the weights' pieces
        self._pads = []  # GRU: a zero to gather cuDNN's gaps from, if its layout has any
        self._refused = False
        self._zero = None  # LSTM / SimpleRNN off cuDNN, in inference: the zero recurrent bias
        self._kept = None  # GRU, within a frozen-weights loop: (key, weights) of the last call

    def __getstate__(self):  # a copy or a pickle starts empty; the next call lays out again
        return {}

    def __setstate__(self, state):
        self.__init__()

    @property
    def layout(self) -> str | None:
        """Which layout the weights are in: ``"cudnn"`` (cuDNN's buffer), ``"plain"`` (a GRU's
        buffer off cuDNN, the weights one after another), or None (converted at each call)."""
        if self._key is None:
            return None
        return "cudnn" if self._key[1] else "plain"

    @property
    def buffer(self) -> torch.Tensor | None:
        """The cuDNN buffer an LSTM's or a SimpleRNN's parameters live in; None otherwise."""
        return self._buffer

    @property
    def zero_recurrent_biases(self) -> list | None:
        """Each direction's zero recurrent bias inside ``buffer`` (cuDNN reads one; Keras has
        none, so it is no parameter and stays zero)."""
        return self._zeros

    @property
    def refused(self) -> bool:
        """Whether cuDNN refused its layout (the weights are then converted, or a GRU's
        gathered in the plain layout)."""
        return self._refused

    def get(self, mode: str, groups, dtype: torch.dtype | None = None
            ) -> tuple[list[torch.Tensor], bool]:
        """``(weights, flat)``, the weights in ``dtype`` when given (autocast's)."""
        params = [t for group in groups for t in group if t is not None]
        if dtype == params[0].dtype:
            dtype = None
        if capturing():
            return _converted(mode, groups, dtype)
        cudnn = not self._refused and _on_cudnn(params[0])
        if mode == "gru":
            return self._gathered(mode, groups, params, dtype, cudnn)
        if cudnn and self._laid_out(mode, groups, params, cudnn):
            return self._views(groups, dtype)
        # oneDNN (the CPU): the parameters stay contiguous, as nn.LSTM's are there. Inference
        # hands it transposed views, which it reorders as fast as copies (2704 against 2696
        # µs, batch 64 x 200 steps x 64 units), without two copies a call; training keeps the
        # copies (its backward was up to 1.5% slower with views)
        if not torch.is_grad_enabled():
            zero = self._zero_like(groups[0][2])
            return _cast_all(_transposed(groups, [zero] * len(groups)), dtype), False
        return _converted(mode, groups, dtype)

    def _zero_like(self, bias):
        """A zero recurrent bias like ``bias``, kept between calls (only the kernel reads it,
        never writes it); None without a bias."""
        if bias is None:
            return None
        zero = self._zero
        if (zero is None or zero.shape != bias.shape or zero.dtype != bias.dtype
                or zero.device != bias.device):
            zero = self._zero = torch.zeros_like(bias)
        return zero

    def _laid_out(self, mode, groups, params, cudnn) -> bool:
        """Whether the layout for ``params`` is ready, making it when they are new or moved;
        False when they cannot share one or cuDNN refused its own."""
        if self._key == (tuple(t.data_ptr() for t in params), cudnn):
            return True
        if not _alike(params):
            return False
        try:  # cuDNN lays out first: nothing moves if it refuses
            if mode == "gru":
                self._gather_layout(mode, groups, params, cudnn)
            else:
                self._pack(mode, groups)
        except RuntimeError as error:
            if not cudnn:
                raise
            self._refused = True
            warnings.warn(f"sloi: cuDNN would not lay the recurrent weights out in one "
                          f"buffer ({error}); cuDNN copies them into one at each call instead",
                          RuntimeWarning, stacklevel=4)
            return False
        self._key = (tuple(t.data_ptr() for t in params), cudnn)  # packing moved them
        return True

    def _views(self, groups, dtype):
        """An LSTM's or a SimpleRNN's weights: its packed parameters seen in torch's layout."""
        weights = _transposed(groups, self._zeros)
        if dtype is None:
            return weights, True
        return _cast_all(weights, dtype), False  # copies: cuDNN then flattens them itself

    def _gathered(self, mode, groups, params, dtype, cudnn):
        """A GRU's weights: one gather from its parameters into the buffer, then views."""
        if not self._laid_out(mode, groups, params, cudnn):
            cudnn = False  # cuDNN refused its layout (or the weights cannot share one)
            if not self._laid_out(mode, groups, params, cudnn):
                return _converted(mode, groups, dtype)
        loop = frozen_weights.current()
        key = None
        if loop is not None and not torch.is_grad_enabled():
            # the same loop, layout, dtype and parameter versions: the same weights
            key = (loop, self._key, dtype, tuple(t._version for t in params))
            if self._kept is not None and self._kept[0] == key:
                return self._kept[1]
        self._kept = None  # a loop's weights are not held past it
        flat = torch.cat([t.reshape(-1) for t in params] + self._pads)
        buffer = flat.index_select(0, self._index)
        if dtype is not None:
            buffer = buffer.to(dtype)  # the whole buffer at once: it stays flat
        if buffer.requires_grad:
            # one split: its backward is one concatenation, where each as_strided view's
            # backward fills a buffer-sized zero tensor and copies (18 operations more)
            sizes, taken = self._pieces
            pieces = buffer.split_with_sizes(sizes)
            return [pieces[i].view(slot[0]) for i, slot in zip(taken, self._slots)], cudnn
        weights = [buffer.as_strided(*slot) for slot in self._slots], cudnn  # the cheapest
        if key is not None:
            self._kept = (key, weights)
        return weights

    @staticmethod
    def _layout(mode, groups, cudnn):
        """``(staged, buffer)``: copies of the torch-layout weights, and one buffer of which
        they have become views: cuDNN's (at the offsets it expects), or else one after the
        other."""
        staged = [t.clone() for t in torch_weights(mode, _detached(groups))]
        if not cudnn:
            buffer = torch.cat([t.reshape(-1) for t in staged])
            offsets = itertools.accumulate([t.numel() for t in staged], initial=0)
            return [buffer.narrow(0, offset, t.numel()).view(t.shape)
                    for offset, t in zip(offsets, staged)], buffer
        kernel, recurrent_kernel, bias = groups[0]
        buffer = _flatten(staged, 4 if bias is not None else 2, kernel.shape[0],
                          _CUDNN_MODES[mode], recurrent_kernel.shape[0], len(groups) == 2)
        return staged, buffer

    def _pack(self, mode, groups):
        """Re-point an LSTM's or a SimpleRNN's parameters into cuDNN's buffer."""
        with torch.no_grad():
            staged, buffer = self._layout(mode, groups, cudnn=True)
            per_group = len(staged) // len(groups)
            zeros = []
            for g, group in enumerate(groups):
                views = staged[g * per_group:(g + 1) * per_group]
                for param, view in zip(group, views):
                    if param is not None:
                        stride = (1, param.shape[0]) if param.dim() == 2 else (1,)
                        # .data, not set_(): set_ would give the parameter a new gradient
                        # accumulator, and hooks on the old one (DDP's) would never fire
                        param.data = view.as_strided(param.shape, stride)
                zeros.append(views[3] if per_group == 4 else None)
        self._buffer, self._zeros = buffer, zeros

    def _gather_layout(self, mode, groups, params, cudnn):
        """A GRU's gather index, and where each weight sits in the gathered buffer."""
        with torch.no_grad():
            staged, buffer = self._layout(mode, groups, cudnn)
            # the conversion applied to positions instead of values gives, for each
            # torch-layout element, where it sits in the concatenated Keras parameters
            total = sum(t.numel() for t in params)
            positions = torch.arange(total, device=buffer.device).split(
                [t.numel() for t in params])
            shaped = iter(p.view(t.shape) for p, t in zip(positions, params))
            position_groups = [tuple(None if t is None else next(shaped) for t in group)
                               for group in groups]
            index = torch.full((buffer.numel(),), total, dtype=torch.long, device=buffer.device)
            slots = []
            for view, where in zip(staged, torch_weights(mode, position_groups)):
                offset = view.storage_offset() - buffer.storage_offset()
                index[offset:offset + view.numel()] = where.reshape(-1)
                slots.append((tuple(view.shape), view.stride(), offset))
        self._index, self._slots = index, slots
        # the same weights as consecutive pieces of the buffer (cuDNN's gaps their own pieces)
        sizes, taken, end = [], [None] * len(slots), 0
        for i, (shape, _, offset) in sorted(enumerate(slots), key=lambda item: item[1][2]):
            if offset > end:
                sizes.append(offset - end)
            taken[i] = len(sizes)
            sizes.append(math.prod(shape))
            end = offset + sizes[-1]
        if end < buffer.numel():
            sizes.append(buffer.numel() - end)
        self._pieces = sizes, taken
        self._pads = [] if bool((index < total).all()) else [params[0].new_zeros(1)]


def _cast_all(weights, dtype):
    return weights if dtype is None else [w.to(dtype) for w in weights]


def _transposed(groups, zeros) -> list[torch.Tensor]:
    """An LSTM's or a SimpleRNN's torch-layout weights as views of its Keras-layout ones, with
    each direction's zero recurrent bias."""
    weights = []
    for (kernel, recurrent_kernel, bias), zero in zip(groups, zeros):
        weights += [kernel.t(), recurrent_kernel.t()]
        if bias is not None:
            weights += [bias, zero]
    return weights


def _converted(mode, groups, dtype):
    return torch_weights(mode, groups, dtype), False


def _alike(params) -> bool:
    """Whether the parameters can share one layout: one dtype, one device, and leaves (whose
    storage stays put between calls)."""
    first = params[0]
    return all(t.dtype == first.dtype and t.device == first.device and t.is_leaf
               for t in params)


def _detached(groups):
    return [tuple(None if t is None else t.detach() for t in group) for group in groups]


def _on_cudnn(t: torch.Tensor) -> bool:
    return t.is_cuda and torch.backends.cudnn.enabled


def _flatten(staged, per_group, input_size, mode_code, units, bidirectional) -> torch.Tensor:
    """cuDNN's weight buffer for ``staged`` (torch-layout weights), whose tensors become views
    of it at the offsets cuDNN expects (the same call ``nn.LSTM.flatten_parameters`` makes)."""
    return torch._cudnn_rnn_flatten_weight(staged, per_group, input_size, mode_code, units, 0,
                                           1, True, bidirectional)


class FusedLayout:
    """Mixin for layers holding ``self.fused_weights`` (a ``FusedWeights``) whose
    ``fused_groups()`` gives ``(mode, groups)`` for their fused call, or None.

    ``pack_weights``: False hands the kernel weights converted at each call, never a layout
    (what benchmarks compare against); set it before the layer is built, or move the layer
    (``.to``) after setting it, for the parameters to be plain again."""

    pack_weights = True

    def fused_groups(self):
        raise NotImplementedError

    def _cudnn_allowed(self) -> bool:
        """False where ``use_cudnn=False``: the weights then keep PyTorch's plain layout."""
        return True

    def layout_holder(self):
        """What the fused kernel gets as ``holder``: the layer's ``FusedWeights``, or None
        (convert at the call) when ``pack_weights`` is False."""
        return self.fused_weights if self.pack_weights else None

    def _lay_out_weights(self) -> None:
        if not self._cudnn_allowed() or not self.pack_weights:
            return
        fused = self.fused_groups()
        if fused is not None:
            with torch.no_grad():
                self.fused_weights.get(*fused)

    def _apply(self, fn, *args, **kwargs):
        result = super()._apply(fn, *args, **kwargs)
        if self.built:
            self._lay_out_weights()
        return result
