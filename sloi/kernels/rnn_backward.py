"""GRU and SimpleRNN with a hand-written backward: no graph recorded per step.

torch has no fused CPU kernel for the backward of a GRU or a plain RNN: through autograd each
step records about fifteen operations, each with its backward node. None of that is needed.
Every state ``h_1 .. h_T`` is in the output sequence, so the backward can recompute the gates of
all steps at once with two large matrix products, from the saved states and the inputs. What
stays sequential is the gradient of the state itself: per step one matrix product and two or
three pointwise operations (``reset_after=False`` needs two products). The weight gradients are
then one matrix product each over all steps.

The forward runs torch's native kernel without recording (``sloi.kernels.rnn.fused`` under
``no_grad``) where one exists, and otherwise (a GRU with ``reset_after=False``) a plain loop
without recording. Values equal the other paths'; gradients equal them to rounding.

Modes: ``"rnn_tanh"``, ``"rnn_relu"`` (SimpleRNN), ``"gru"`` (``reset_after=True``) and
``"gru_reset_before"`` (``reset_after=False``), with default activations. Weights come in
Keras's layout: ``kernel (features, gates*units)``, ``recurrent_kernel (units, gates*units)``,
gates ``z, r, h``; a ``reset_after`` GRU's bias is ``(2, 3*units)``: input row, recurrent row.

Right-padded masks (each sequence's ``lengths``) are supported: outputs past a sequence's end
are zeros and its final state is the state at its last valid step, as from the packed native
kernel. Internally everything runs time-major ``(steps, batch, ...)`` so that a step's slice is
contiguous.
"""

from __future__ import annotations

import torch

from sloi.kernels import rnn as rnn_ops

MODES = ("rnn_tanh", "rnn_relu", "gru", "gru_reset_before")


def applies(mode: str, inputs: torch.Tensor, states, groups) -> bool:
    """Whether ``run`` should take this call: CPU tensors of one float32 / float64 dtype, no
    autocast, no graph capture, and gradients wanted (a ``reset_after=False`` GRU, which has no
    native kernel, takes it in inference too: its forward is the fastest loop there is). CUDA
    keeps cuDNN's path."""
    if mode not in MODES or inputs.device.type != "cpu" or inputs.dtype not in (
            torch.float32, torch.float64):
        return False
    tensors = [t for group in groups for t in group if t is not None] + list(states)
    if any(t.dtype != inputs.dtype or t.device != inputs.device for t in tensors):
        return False
    if torch.is_autocast_enabled("cpu") or rnn_ops.capturing():
        return False
    if mode == "gru_reset_before":
        return True
    return torch.is_grad_enabled() and (
        inputs.requires_grad or any(t.requires_grad for t in tensors))


def run(mode: str, inputs: torch.Tensor, states: list[torch.Tensor], groups,
        bidirectional: bool = False, lengths: torch.Tensor | None = None):
    """``sloi.kernels.rnn.fused``'s contract, with the hand-written backward.

    Args:
        mode: one of ``MODES``.
        inputs: ``(batch, steps, features)``.
        states: ``[h0]``, ``(directions, batch, units)``.
        groups: Keras-layout ``(kernel, recurrent_kernel, bias | None)``, one per direction.
        lengths: for right-padded sequences, each sequence's length.

    Returns: ``outputs (batch, steps, directions*units)`` (zeros past each length; the
    backward direction's in forward order) and ``[h (directions, batch, units)]``.
    """
    function = _SimpleRNN if mode.startswith("rnn_") else _GRU
    h0 = states[0]
    outputs, h = function.apply(inputs, h0[0], *groups[0], mode, lengths)
    if not bidirectional:
        return outputs, [h.unsqueeze(0)]
    # the backward direction reads each sequence from its last valid step to its first
    reversed_outputs, h_back = function.apply(_reverse(inputs, lengths), h0[1], *groups[1], mode,
                                              lengths)
    outputs = torch.cat([outputs, _reverse(reversed_outputs, lengths)], dim=-1)
    return outputs, [torch.stack([h, h_back])]


def _reverse(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Each sequence reversed within its length (``(batch, steps, ...)``); the padding stays."""
    if lengths is None:
        return x.flip(1)
    steps = torch.arange(x.shape[1], device=x.device)
    lengths = lengths.to(x.device)[:, None]
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)
    return x.gather(1, index[:, :, None].expand(-1, -1, x.shape[2]))


# ---------------------------------------------------------------------- shared pieces
def _valid(lengths, steps: int, batch: int, device) -> torch.Tensor | None:
    """``(steps, batch, 1)`` booleans: which steps are inside their sequence."""
    if lengths is None:
        return None
    steps_range = torch.arange(steps, device=device)[:, None]
    return (steps_range < lengths.to(device)[None, :])[:, :, None]


def _time_major_inputs(x, valid):
    """``(steps, batch, features)`` contiguous; padded steps zero, so that whatever the caller
    put there (even NaN) cannot reach a gradient through a matrix product."""
    x = x.detach().transpose(0, 1)
    return x.contiguous() if valid is None else x.masked_fill(~valid, 0)


def _native_forward(mode, x, h0, kernel, recurrent_kernel, bias, lengths):
    """torch's kernel without recording: ``(outputs (batch, steps, units), h (batch, units))``."""
    outputs, final = rnn_ops.fused(mode, x, [h0.unsqueeze(0)],
                                   [(kernel, recurrent_kernel, bias)], lengths=lengths)
    return outputs, final[0][0]


def _incoming(grad_outputs, grad_h, like, valid, lengths):
    """The gradient arriving at each step's state, time-major ``(steps, batch, units)``, a
    fresh tensor the recursion adds into: the outputs' gradients (none past a sequence's end,
    where the output is a constant zero) and the final state's at its last valid step."""
    if grad_outputs is None:
        grad = torch.zeros_like(like)
    else:
        # a copy, always: the recursion writes into it
        grad = grad_outputs.transpose(0, 1).clone(memory_format=torch.contiguous_format)
        if valid is not None:
            grad.masked_fill_(~valid, 0)
    if grad_h is not None:
        if lengths is None:
            grad[-1] += grad_h
        else:
            last = (lengths.to(grad.device) - 1)[None, :, None].expand(1, -1, grad.shape[2])
            grad.scatter_add_(0, last, grad_h.unsqueeze(0))
    return grad


def _previous_states(h0, states):
    """``h_0 .. h_{T-1}``: the state each step starts from, time-major."""
    return torch.cat([h0.detach().unsqueeze(0), states[:-1]])


def _input_grads(x, kernel, bias_shape, grad_pre, need):
    """The gradients of the inputs, the kernel and the input bias from the gradient of every
    step's input pre-activation ``grad_pre (steps, batch, gates*units)``: one product each."""
    steps, batch, features = x.shape
    flat = grad_pre.reshape(steps * batch, -1)
    grad_x = grad_kernel = grad_bias = None
    if need[0]:
        grad_x = (flat @ kernel.detach().t()).view(steps, batch, features).transpose(0, 1)
    if need[2]:
        grad_kernel = x.reshape(steps * batch, features).t() @ flat
    if bias_shape is not None:
        grad_bias = flat.sum(0)
    return grad_x, grad_kernel, grad_bias


# ---------------------------------------------------------------------- SimpleRNN
class _SimpleRNN(torch.autograd.Function):
    """``h_t = act(x_t W + h_{t-1} U + b)``, ``act`` tanh or relu.

    Backward: the derivative of ``act`` at every step comes from the saved outputs
    (``1 - h^2`` or ``h > 0``); per step ``g_t = dh_t * act'_t`` and
    ``dh_{t-1} += g_t U^T``."""

    @staticmethod
    def forward(ctx, x, h0, kernel, recurrent_kernel, bias, mode, lengths):
        ctx.set_materialize_grads(False)
        outputs, h = _native_forward(mode, x, h0, kernel, recurrent_kernel, bias, lengths)
        ctx.mode, ctx.lengths, ctx.has_bias = mode, lengths, bias is not None
        ctx.save_for_backward(x, h0, kernel, recurrent_kernel, outputs)
        return outputs, h

    @staticmethod
    def backward(ctx, grad_outputs, grad_h):
        x, h0, kernel, recurrent_kernel, outputs = ctx.saved_tensors
        batch, steps, _ = x.shape
        valid = _valid(ctx.lengths, steps, batch, x.device)
        states = outputs.transpose(0, 1).contiguous()
        grad = _incoming(grad_outputs, grad_h, states, valid, ctx.lengths)
        # act' at every step, turned in place into g_t = dh_t * act'_t by the recursion
        if ctx.mode == "rnn_tanh":
            g = torch.addcmul(torch.ones_like(states), states, states, value=-1)
        else:
            g = (states > 0).to(states.dtype)
        recurrent_t = recurrent_kernel.detach().t()
        for t in range(steps - 1, 0, -1):
            g[t].mul_(grad[t])
            grad[t - 1].addmm_(g[t], recurrent_t)
        g[0].mul_(grad[0])
        grad_h0 = g[0] @ recurrent_t if ctx.needs_input_grad[1] else None
        grad_recurrent = None
        if ctx.needs_input_grad[3]:
            previous = _previous_states(h0, states)
            grad_recurrent = previous.reshape(-1, previous.shape[2]).t() @ g.reshape(
                -1, g.shape[2])
        xs = _time_major_inputs(x, valid)
        grad_x, grad_kernel, grad_bias = _input_grads(
            xs, kernel, (1,) if ctx.has_bias and ctx.needs_input_grad[4] else None, g,
            ctx.needs_input_grad)
        return grad_x, grad_h0, grad_kernel, grad_recurrent, grad_bias, None, None


# ---------------------------------------------------------------------- GRU
class _GRU(torch.autograd.Function):
    """Keras's GRU, gates ``z, r, h``; ``h_t = z * h_{t-1} + (1 - z) * n``.

    ``reset_after=True``: ``n = tanh(x Wh + bh + r * (h Uh + bh'))``. With ``a`` the
    recurrent pre-activations ``h U + b'``, the gradient of ``a`` at a step is ``dh`` times
    a coefficient known from the forward values alone (``[(h - n) z (1 - z),
    (1 - z)(1 - n^2) a_h r (1 - r), (1 - z)(1 - n^2) r]``): per step one pointwise
    product, then ``dh_{t-1} += dh_t z + da_t U^T``.

    ``reset_after=False``: ``n = tanh(x Wh + bh + (r * h) Uh)``; the gradient of ``r`` goes
    through ``Uh``, so a step takes two products: ``dq = dn Uh^T`` then
    ``dh_{t-1} += dh_t z + dq r + [dz, dr] U_zr^T``."""

    @staticmethod
    def forward(ctx, x, h0, kernel, recurrent_kernel, bias, mode, lengths):
        ctx.set_materialize_grads(False)
        if mode == "gru":
            outputs, h = _native_forward(mode, x, h0, kernel, recurrent_kernel, bias, lengths)
            states = None
        else:
            states, outputs, h = _reset_before_forward(x, h0, kernel, recurrent_kernel, bias,
                                                       lengths)
        ctx.mode, ctx.lengths = mode, lengths
        ctx.bias_shape = None if bias is None else tuple(bias.shape)
        # the time-major states when the forward made them, else the outputs
        ctx.save_for_backward(x, h0, kernel, recurrent_kernel, bias,
                              outputs if states is None else states)
        return outputs, h

    @staticmethod
    def backward(ctx, grad_outputs, grad_h):
        x, h0, kernel, recurrent_kernel, bias, saved = ctx.saved_tensors
        batch, steps, _ = x.shape
        units = recurrent_kernel.shape[0]
        valid = _valid(ctx.lengths, steps, batch, x.device)
        states = saved.transpose(0, 1).contiguous() if ctx.mode == "gru" else saved
        if valid is not None and ctx.mode != "gru":
            states = states.masked_fill(~valid, 0)  # the padded steps' states: finite
        grad = _incoming(grad_outputs, grad_h, states, valid, ctx.lengths)
        xs = _time_major_inputs(x, valid)
        previous = _previous_states(h0, states)
        kernel_d, recurrent_d = kernel.detach(), recurrent_kernel.detach()
        bias_d = None if bias is None else bias.detach()
        if ctx.mode == "gru":
            grad_pre, grad_rec, grad_h0 = _gru_reset_after_backward(
                xs, previous, grad, kernel_d, recurrent_d, bias_d, units)
        else:
            grad_pre, grad_rec, grad_h0 = _gru_reset_before_backward(
                xs, previous, grad, kernel_d, recurrent_d, bias_d, units)
        grad_x, grad_kernel, grad_bias = _input_grads(xs, kernel, ctx.bias_shape, grad_pre,
                                                      ctx.needs_input_grad)
        if grad_bias is not None and ctx.mode == "gru":
            grad_bias = torch.stack([grad_bias, grad_rec[1]])
        grad_recurrent = grad_rec[0] if ctx.needs_input_grad[3] else None
        if not ctx.needs_input_grad[4]:
            grad_bias = None
        return (grad_x, grad_h0 if ctx.needs_input_grad[1] else None, grad_kernel,
                grad_recurrent, grad_bias, None, None)


def _gates_input(xs, kernel, bias):
    """``x W + b`` for every step at once: ``(steps, batch, 3*units)``."""
    steps, batch, features = xs.shape
    flat = xs.reshape(steps * batch, features)
    pre = flat @ kernel if bias is None else torch.addmm(bias, flat, kernel)
    return pre.view(steps, batch, -1)


def _reset_before_forward(x, h0, kernel, recurrent_kernel, bias, lengths):
    """A ``reset_after=False`` GRU, step by step without recording. Returns the time-major
    states, the outputs (zeros past each length) and the final state."""
    batch, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    valid = _valid(lengths, steps, batch, x.device)
    pre = _gates_input(_time_major_inputs(x, valid), kernel, bias)
    u_zr, u_h = recurrent_kernel[:, :2 * units], recurrent_kernel[:, 2 * units:]
    states = x.new_empty(steps, batch, units)
    h = h0
    for t in range(steps):
        zr = torch.addmm(pre[t, :, :2 * units], h, u_zr).sigmoid_()
        z, r = zr[:, :units], zr[:, units:]
        n = torch.addmm(pre[t, :, 2 * units:], r * h, u_h).tanh_()
        h = torch.lerp(n, h, z, out=states[t])  # n + z * (h - n)
    if valid is None:
        return states, states.transpose(0, 1), states[-1].clone()
    outputs = states.masked_fill(~valid, 0).transpose(0, 1)
    last = (lengths.to(x.device) - 1)[:, None, None].expand(-1, 1, units)
    return states, outputs, outputs.gather(1, last).squeeze(1)


def _gru_reset_after_backward(xs, previous, grad, kernel, recurrent_kernel, bias, units):
    """Returns the gradient of every step's input pre-activation ``(steps, batch, 3*units)``,
    ``(dU, d recurrent bias)`` and ``dh0``; ``grad`` is overwritten with each step's ``dh``."""
    steps, batch, _ = xs.shape
    b_in, b_rec = (None, None) if bias is None else (bias[0], bias[1])
    pre_x = _gates_input(xs, kernel, b_in)
    pre_h = _gates_input(previous, recurrent_kernel, b_rec)
    z = torch.sigmoid(pre_x[..., :units] + pre_h[..., :units])
    r = torch.sigmoid(pre_x[..., units:2 * units] + pre_h[..., units:2 * units])
    a_h = pre_h[..., 2 * units:]
    n = torch.tanh(torch.addcmul(pre_x[..., 2 * units:], r, a_h))
    dn = (1 - z) * (1 - n * n)  # d h / d (n's pre-activation), per unit of dh
    coef = torch.empty(steps, batch, 3, units, dtype=xs.dtype, device=xs.device)
    torch.mul((previous - n) * z, 1 - z, out=coef[:, :, 0])
    torch.mul(dn * a_h, r * (1 - r), out=coef[:, :, 1])
    torch.mul(dn, r, out=coef[:, :, 2])
    recurrent_t = recurrent_kernel.t()
    # the recursion: coef becomes the gradient of the recurrent pre-activations, grad dh
    for t in range(steps - 1, 0, -1):
        coef[t].mul_(grad[t].unsqueeze(1))
        grad[t - 1].addcmul_(grad[t], z[t]).addmm_(coef[t].view(batch, -1), recurrent_t)
    coef[0].mul_(grad[0].unsqueeze(1))
    grad_h0 = torch.addmm(grad[0] * z[0], coef[0].view(batch, -1), recurrent_t)
    grad_rec_pre = coef.view(steps, batch, 3 * units)
    grad_recurrent = previous.reshape(-1, units).t() @ grad_rec_pre.reshape(-1, 3 * units)
    grad_rec_bias = grad_rec_pre.sum((0, 1))
    # the input side: z and r as on the recurrent side; n's pre-activation without r
    grad_pre = grad_rec_pre.clone()
    torch.mul(grad, dn, out=grad_pre[..., 2 * units:])
    return grad_pre, (grad_recurrent, grad_rec_bias), grad_h0


def _gru_reset_before_backward(xs, previous, grad, kernel, recurrent_kernel, bias, units):
    """As ``_gru_reset_after_backward``, for ``n = tanh(x Wh + bh + (r * h) Uh)``; the
    recurrent bias gradient is None (there is one bias row)."""
    steps, batch, _ = xs.shape
    pre_x = _gates_input(xs, kernel, bias)
    u_zr, u_h = recurrent_kernel[:, :2 * units], recurrent_kernel[:, 2 * units:]
    zr = torch.sigmoid(pre_x[..., :2 * units] + _gates_input(previous, u_zr, None))
    z, r = zr[..., :units], zr[..., units:]
    reset = r * previous
    n = torch.tanh(pre_x[..., 2 * units:] + _gates_input(reset, u_h, None))
    # per unit of dh: [d z-pre, (filled per step: d r-pre), d n-pre]
    coef = torch.empty(steps, batch, 3, units, dtype=xs.dtype, device=xs.device)
    torch.mul((previous - n) * z, 1 - z, out=coef[:, :, 0])
    torch.mul(1 - z, 1 - n * n, out=coef[:, :, 2])
    through_r = previous * r * (1 - r)  # d r-pre per unit of d(r * h)
    u_zr_t, u_h_t = u_zr.t(), u_h.t()
    grad_h0 = None
    for t in range(steps - 1, -1, -1):
        c = coef[t]
        c[:, 0::2].mul_(grad[t].unsqueeze(1))
        dq = c[:, 2] @ u_h_t  # d(r * h)
        torch.mul(dq, through_r[t], out=c[:, 1])
        target = grad[t - 1] if t else torch.zeros_like(grad[0])
        target.addcmul_(grad[t], z[t]).addcmul_(dq, r[t]).addmm_(
            c.view(batch, -1)[:, :2 * units], u_zr_t)
        if not t:
            grad_h0 = target
    grad_pre = coef.view(steps, batch, 3 * units)
    flat = grad_pre.reshape(-1, 3 * units)
    grad_recurrent = torch.cat([previous.reshape(-1, units).t() @ flat[:, :2 * units],
                                reset.reshape(-1, units).t() @ flat[:, 2 * units:]], dim=1)
    return grad_pre, (grad_recurrent, None), grad_h0
