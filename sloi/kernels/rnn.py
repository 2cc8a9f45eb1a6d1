"""Recurrent runners: Keras-layout weights in, PyTorch's fused kernels (or a step loop) out.

Two ways to run a recurrent layer over a sequence, equal in numbers:
- ``fused``: one call of ``torch._VF.lstm / gru / rnn_tanh / rnn_relu``, the kernels behind
  ``nn.LSTM`` (oneDNN on CPU, cuDNN on GPU), no Python loop over time. Right-padded masks run
  as packed sequences.
- ``step_loop``: a Python loop calling a cell's step function, with Keras's masking rules. It
  serves everything the fused kernels cannot express (custom activations, recurrent dropout,
  GRU with ``reset_after=False``, left-padded masks, user cells).

The weight conversions live here and nowhere else. Keras keeps ``kernel (in, gates*units)``,
``recurrent_kernel (units, gates*units)``; torch wants ``(gates*units, in)`` and a separate
recurrent bias. LSTM gates are ``i, f, c, o`` in both; GRU gates are ``z, r, h`` in Keras and
``r, z, n`` in torch.

On CUDA, cuDNN wants every weight inside one flat buffer (given separate tensors it copies them
into a fresh one at every call, and the gradients back out). ``FusedWeights`` hands it one: an
LSTM's or a SimpleRNN's parameters live in it as transposed views (nothing to convert, as with
``nn.LSTM``). A GRU's torch-layout weights are gathered from its parameters in one kernel, on
every device.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import warnings

import torch
from torch import _VF
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

_KERNELS = {"lstm": _VF.lstm, "gru": _VF.gru, "rnn_tanh": _VF.rnn_tanh, "rnn_relu": _VF.rnn_relu}


# ---------------------------------------------------------------------- weight conversion
def lstm_weights(kernel, recurrent_kernel, bias) -> list[torch.Tensor]:
    """Torch's ``[w_ih, w_hh, b_ih, b_hh]`` for one direction of an LSTM (same gate order)."""
    # Contiguous copies (a few KB): cuDNN needs them, and oneDNN's GEMMs run a little faster.
    # Parameters packed by FusedWeights are transposed views already: contiguous() is free.
    weights = [kernel.t().contiguous(), recurrent_kernel.t().contiguous()]
    if bias is not None:
        weights += [bias, torch.zeros_like(bias)]
    return weights


simple_rnn_weights = lstm_weights  # one gate: the same transposes, the bias on the input side


def _z_r_swap(w: torch.Tensor, units: int) -> torch.Tensor:
    z, r, h = w.split(units, dim=-1)
    return torch.cat([r, z, h], dim=-1)


def gru_weights(kernel, recurrent_kernel, bias, units: int) -> list[torch.Tensor]:
    """Torch's ``[w_ih, w_hh, b_ih, b_hh]`` for a Keras GRU with ``reset_after=True``; its bias
    has shape ``(2, 3*units)``: input bias, then recurrent bias."""
    weights = [_z_r_swap(kernel, units).t().contiguous(),
               _z_r_swap(recurrent_kernel, units).t().contiguous()]
    if bias is not None:
        weights += [_z_r_swap(bias[0], units), _z_r_swap(bias[1], units)]
    return weights


def torch_weights(mode: str, groups) -> list[torch.Tensor]:
    """Torch-layout weights for ``groups``: one ``(kernel, recurrent_kernel, bias | None)``
    of Keras-layout tensors per direction."""
    weights = []
    for kernel, recurrent_kernel, bias in groups:
        if mode == "gru":
            weights += gru_weights(kernel, recurrent_kernel, bias, recurrent_kernel.shape[0])
        else:
            weights += lstm_weights(kernel, recurrent_kernel, bias)
    return weights


# ---------------------------------------------------------------------- one buffer
_CUDNN_MODES = {"rnn_relu": 0, "rnn_tanh": 1, "lstm": 2, "gru": 3}
PACK = True  # False: convert at every call (benchmarks/cuda_train_check.py compares)


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
    instead, as everything is with ``PACK = False``.

    Nothing converted is kept between calls, not even for inference: a parameter's version
    counter would tell when it changed, but torch's fused optimizers (Adam's, which sloi uses)
    write without bumping it.
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

    def __getstate__(self):  # a copy or a pickle starts empty; the next call lays out again
        return {}

    def __setstate__(self, state):
        self.__init__()

    def get(self, mode: str, groups, dtype: torch.dtype | None = None
            ) -> tuple[list[torch.Tensor], bool]:
        """``(weights, flat)``, the weights in ``dtype`` when given (autocast's)."""
        params = [t for group in groups for t in group if t is not None]
        if dtype == params[0].dtype:
            dtype = None
        if not PACK or _capturing():
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
        return [buffer.as_strided(*slot) for slot in self._slots], cudnn  # the cheapest

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
    return _cast_all(torch_weights(mode, groups), dtype), False


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


def _capturing() -> bool:
    return (torch.compiler.is_compiling() or torch.compiler.is_exporting()
            or torch.jit.is_tracing() or torch.jit.is_scripting())


# ---------------------------------------------------------------------- masks
def right_padded_lengths(mask: torch.Tensor) -> torch.Tensor | None:
    """Lengths of a right-padded ``(batch, steps)`` mask (``[1, 1, 1, 0, 0]``); None for any
    other mask, or when a sequence is fully masked. Reads the mask on the host (packing needs
    the lengths there anyway)."""
    if torch.compiler.is_exporting() or torch.jit.is_tracing():
        # A graph being captured cannot branch on the mask's values: torch.export refuses,
        # and torch.jit.trace would keep the packed path for any later (e.g. left-padded)
        # mask. The step loop handles every mask with tensor ops, so graphs take it.
        return None
    mask = mask.bool()
    lengths = mask.sum(dim=1)
    steps = torch.arange(mask.shape[1], device=mask.device)
    if not torch.equal(mask, steps[None, :] < lengths[:, None]) or bool((lengths == 0).any()):
        return None
    return lengths


def repeat_last_valid(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Keras's masked outputs: every step after a sequence's end repeats its last valid output."""
    steps = torch.arange(outputs.shape[1], device=outputs.device)
    index = torch.minimum(steps[None, :], (lengths.to(outputs.device) - 1)[:, None])
    index = index[:, :, None].expand(-1, -1, outputs.shape[2])
    return outputs.gather(1, index)


# ---------------------------------------------------------------------- runners
def fused(mode: str, inputs: torch.Tensor, states: list[torch.Tensor], groups,
          bidirectional: bool = False, lengths: torch.Tensor | None = None,
          holder: FusedWeights | None = None, cudnn: bool = True):
    """Run a whole sequence through one fused kernel.

    Args:
        mode: ``"lstm"``, ``"gru"``, ``"rnn_tanh"`` or ``"rnn_relu"``.
        inputs: ``(batch, steps, features)``.
        states: ``[h0]`` (or ``[h0, c0]`` for an LSTM), each ``(directions, batch, units)``.
        groups: Keras-layout ``(kernel, recurrent_kernel, bias | None)``, one per direction.
        lengths: for right-padded sequences, each sequence's length.
        holder: the layer's ``FusedWeights`` (cuDNN's flat buffer, weights kept for
            inference); without one, the weights are converted at this call.
        cudnn: False keeps cuDNN out on CUDA (``use_cudnn=False``): PyTorch's own CUDA
            kernel runs instead. Off CUDA there is no cuDNN, and it changes nothing.

    Returns: ``outputs (batch, steps, directions*units)`` (zeros past each length) and the
    final states, each ``(directions, batch, units)``.
    """
    if not cudnn and inputs.is_cuda and torch.backends.cudnn.enabled:
        with _cudnn_off():
            return fused(mode, inputs, states, groups, bidirectional, lengths, holder)
    device_type = inputs.device.type
    dtype = None  # under autocast, everything goes in its dtype, as Keras computes in the
    if torch.is_autocast_enabled(device_type):  # policy's compute dtype (torch alone would
        dtype = torch.get_autocast_dtype(device_type)  # keep a GRU in float32 on the CPU)
        inputs = inputs.to(dtype)
        states = [s.to(dtype) for s in states]
    if holder is not None:
        weights, flat = holder.get(mode, groups, dtype)
    else:
        weights, flat = _cast_all(torch_weights(mode, groups), dtype), False
    kernel = _KERNELS[mode]
    if inputs.is_cuda and not flat:
        kernel = _quiet(kernel)
    if dtype is not None:
        kernel = _without_autocast(kernel, device_type)
    has_bias = groups[0][2] is not None
    hx = tuple(states) if mode == "lstm" else states[0]
    train = torch.is_grad_enabled()  # cuDNN keeps what backward needs only in training mode
    if lengths is None:
        outputs, *final = kernel(inputs, hx, weights, has_bias, 1, 0.0, train, bidirectional,
                                 True)
        return outputs, final
    packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
    order = packed.sorted_indices
    hx = tuple(h.index_select(1, order) for h in hx) if mode == "lstm" else hx.index_select(
        1, order)
    data, *final = kernel(packed.data, packed.batch_sizes, hx, weights, has_bias, 1, 0.0, train,
                          bidirectional)
    outputs, _ = pad_packed_sequence(
        PackedSequence(data, packed.batch_sizes, order, packed.unsorted_indices),
        batch_first=True, total_length=inputs.shape[1],
    )
    return outputs, [h.index_select(1, packed.unsorted_indices) for h in final]


@contextlib.contextmanager
def _cudnn_off():
    """cuDNN disabled for the calls inside (``torch.backends.cudnn.flags`` would also reset
    the benchmark and deterministic settings to its own defaults)."""
    torch.backends.cudnn.enabled = False
    try:
        yield
    finally:
        torch.backends.cudnn.enabled = True


def _without_autocast(kernel, device_type):
    """The kernel with autocast off: its arguments are already in autocast's dtype."""

    def call(*args):
        with torch.autocast(device_type, enabled=False):
            return kernel(*args)

    return call


def _quiet(kernel):
    """cuDNN warns when the weights are not one flat buffer: a GRU's, or any layer's under
    torch.compile or autocast, are converted at each call (so that gradients reach the
    Keras-layout parameters), and cuDNN copies them into its own buffer."""

    def call(*args):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="RNN module weights are not part")
            return kernel(*args)

    return call


def step_loop(step, inputs: torch.Tensor, states: list, mask: torch.Tensor | None = None,
              go_backwards: bool = False, zero_output_for_mask: bool = False):
    """Keras's recurrence, one step at a time: ``step(x_t, states) -> (output_t, new_states)``.

    Masked steps keep the previous states; their output repeats the previous output (zeros
    before the first valid step), or is zero with ``zero_output_for_mask``. With
    ``go_backwards`` the sequence (and mask) is read from the end and the outputs stay in that
    reversed order, as Keras returns them.

    Returns ``(last_output, outputs (batch, steps, ...), final_states)``.
    """
    steps = inputs.shape[1]
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    xs = inputs.unbind(1)
    ms = mask.bool().unbind(1) if mask is not None else None
    outputs, previous = [], None
    for t in order:
        output, new_states = step(xs[t], states)
        new_states = list(new_states)
        if ms is not None:
            keep = ms[t]
            if previous is None:
                previous = torch.zeros_like(output)
            fallback = torch.zeros_like(output) if zero_output_for_mask else previous
            output = torch.where(_expand(keep, output), output, fallback)
            new_states = [torch.where(_expand(keep, n), n, s) for n, s in zip(new_states, states)]
        outputs.append(output)
        previous = output
        states = new_states
    return outputs[-1], torch.stack(outputs, dim=1), states


def _expand(mask_t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return mask_t.reshape(mask_t.shape + (1,) * (like.dim() - mask_t.dim()))
