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

On CUDA, cuDNN wants every weight inside one flat buffer; given separate tensors it copies them
into a fresh one at every call (and the gradients back out). ``CudnnPack`` moves an LSTM's or a
SimpleRNN's Keras-layout parameters *into* such a buffer, each as a transposed view, so that
converting them costs nothing and cuDNN reads them in place, as it does for ``nn.LSTM``. A
GRU's gate order differs between the two layouts, so no view can express it: it converts.
"""

from __future__ import annotations

import warnings

import torch
from torch import _VF
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

_KERNELS = {"lstm": _VF.lstm, "gru": _VF.gru, "rnn_tanh": _VF.rnn_tanh, "rnn_relu": _VF.rnn_relu}


# ---------------------------------------------------------------------- weight conversion
def lstm_weights(kernel, recurrent_kernel, bias) -> list[torch.Tensor]:
    """Torch's ``[w_ih, w_hh, b_ih, b_hh]`` for one direction of an LSTM (same gate order)."""
    # Contiguous copies (a few KB): cuDNN needs them, and oneDNN's GEMMs run a little faster.
    # Parameters packed by CudnnPack are transposed views already: contiguous() is free.
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


# ---------------------------------------------------------------------- cuDNN's flat buffer
_CUDNN_MODES = {"rnn_relu": 0, "rnn_tanh": 1, "lstm": 2}
PACK_ON_CUDA = True  # False: convert at every call (benchmarks/cuda_train_check.py compares)


class CudnnPack:
    """Keeps one recurrent layer's Keras-layout parameters inside one cuDNN weight buffer.

    ``weights(mode, groups)`` gives torch-layout weights that are views of that buffer,
    re-packing first when the parameters left it (moved to another device or dtype, or never
    packed). Each parameter stays the same ``nn.Parameter`` object with its Keras shape: only
    its storage moves (``kernel`` becomes a ``(in, 4*units)`` view with strides ``(1, in)``),
    so optimizers, ``state_dict``, ``set_weights`` and saving see no difference. The recurrent
    bias cuDNN also reads (Keras has none) is a zero view of the buffer, never trained.

    Returns None where packing does not apply: not CUDA, a GRU, mixed dtypes, or while
    ``torch.compile`` / ``torch.export`` / ``torch.jit`` capture a graph.
    """

    def __init__(self):
        self._buffer = None
        self._pointers = None
        self._zeros = None
        self._refused = False

    def __getstate__(self):  # a copy or a pickle starts unpacked; the next call packs again
        return {}

    def __setstate__(self, state):
        self.__init__()

    def weights(self, mode: str, groups) -> list[torch.Tensor] | None:
        params = [t for group in groups for t in group if t is not None]
        first = params[0]
        if (not PACK_ON_CUDA or self._refused or mode not in _CUDNN_MODES
                or not _on_cudnn(first) or _capturing()
                or any(t.dtype != first.dtype or t.device != first.device or not t.is_leaf
                       for t in params)):
            return None
        if self._pointers != tuple(t.data_ptr() for t in params):
            try:
                self._pack(mode, groups, params)  # flattens first: no parameter moves on error
            except RuntimeError as error:
                self._refused = True
                warnings.warn(f"sloi: cuDNN would not pack the recurrent weights into one "
                              f"buffer ({error}); they are converted at each call instead",
                              RuntimeWarning, stacklevel=3)
                return None
        weights = []
        for (kernel, recurrent_kernel, bias), zero in zip(groups, self._zeros):
            weights += [kernel.t(), recurrent_kernel.t()]
            if bias is not None:
                weights += [bias, zero]
        return weights

    def _pack(self, mode, groups, params):
        kernel, recurrent_kernel, bias = groups[0]
        has_bias = bias is not None
        with torch.no_grad():
            staged = torch_weights(mode, [tuple(t.detach() if t is not None else None
                                                for t in group) for group in groups])
            staged = [t.clone() for t in staged]  # fresh tensors: flatten re-points them
            per_group = 4 if has_bias else 2
            buffer = _flatten(staged, per_group, kernel.shape[0], _CUDNN_MODES[mode],
                              recurrent_kernel.shape[0], len(groups) == 2)
            storage = buffer.untyped_storage()
            zeros = []
            for g, group in enumerate(groups):
                views = staged[g * per_group:(g + 1) * per_group]
                for param, view in zip(group, views):
                    if param is None:
                        continue
                    stride = (1, param.shape[0]) if param.dim() == 2 else (1,)
                    param.set_(storage, view.storage_offset(), param.shape, stride)
                zeros.append(views[3] if has_bias else None)
        self._buffer, self._zeros = buffer, zeros
        self._pointers = tuple(t.data_ptr() for t in params)


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
          pack: CudnnPack | None = None):
    """Run a whole sequence through one fused kernel.

    Args:
        mode: ``"lstm"``, ``"gru"``, ``"rnn_tanh"`` or ``"rnn_relu"``.
        inputs: ``(batch, steps, features)``.
        states: ``[h0]`` (or ``[h0, c0]`` for an LSTM), each ``(directions, batch, units)``.
        groups: Keras-layout ``(kernel, recurrent_kernel, bias | None)``, one per direction.
        lengths: for right-padded sequences, each sequence's length.
        pack: the layer's ``CudnnPack``, to run on CUDA from one flat weight buffer.

    Returns: ``outputs (batch, steps, directions*units)`` (zeros past each length) and the
    final states, each ``(directions, batch, units)``.
    """
    weights = pack.weights(mode, groups) if pack is not None else None
    if weights is None:
        weights = torch_weights(mode, groups)
    has_bias = groups[0][2] is not None
    kernel = _KERNELS[mode]
    if inputs.is_cuda:
        kernel = _quiet(kernel)
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
