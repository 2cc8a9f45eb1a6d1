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

Pure functions only. The layout state a layer keeps for these kernels (cuDNN's flat buffer, a
GRU's gather index) lives with the layer, in ``sloi.layers.recurrent.fused_layout``; the layer
hands ``fused`` an object with ``get(mode, groups, dtype) -> (weights, flat)``.
"""

from __future__ import annotations

import contextlib
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


def torch_weights(mode: str, groups, dtype: torch.dtype | None = None) -> list[torch.Tensor]:
    """Torch-layout weights for ``groups``: one ``(kernel, recurrent_kernel, bias | None)``
    of Keras-layout tensors per direction; cast to ``dtype`` when given."""
    weights = []
    for kernel, recurrent_kernel, bias in groups:
        if mode == "gru":
            weights += gru_weights(kernel, recurrent_kernel, bias, recurrent_kernel.shape[0])
        else:
            weights += lstm_weights(kernel, recurrent_kernel, bias)
    return weights if dtype is None else [w.to(dtype) for w in weights]


def capturing() -> bool:
    """Whether a graph is being captured (``torch.compile``, ``torch.export``, ``torch.jit``):
    then the plainest path runs, with nothing kept between calls."""
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
          holder=None, cudnn: bool = True):
    """Run a whole sequence through one fused kernel.

    Args:
        mode: ``"lstm"``, ``"gru"``, ``"rnn_tanh"`` or ``"rnn_relu"``.
        inputs: ``(batch, steps, features)``.
        states: ``[h0]`` (or ``[h0, c0]`` for an LSTM), each ``(directions, batch, units)``.
        groups: Keras-layout ``(kernel, recurrent_kernel, bias | None)``, one per direction.
        lengths: for right-padded sequences, each sequence's length.
        holder: the layer's layout state (``sloi.layers.recurrent.fused_layout.FusedWeights``:
            cuDNN's flat buffer, a GRU's gather), any object with ``get(mode, groups, dtype)
            -> (weights, flat)``; without one, the weights are converted at this call.
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
        weights, flat = torch_weights(mode, groups, dtype), False
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
