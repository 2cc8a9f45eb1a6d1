"""GRU and SimpleRNN with a hand-written backward: no graph recorded per step.

torch has no fused CPU kernel for the backward of a GRU or a plain RNN: through autograd each
step records about fifteen operations, each with its backward node. None of that is needed.
The forward runs without recording, as a loop of its own whose every step works in place in
buffers kept for the backward (the states ``h_0 .. h_T``, a GRU's gates): a SimpleRNN step is
one product added in place and its activation, a GRU step (``reset_after=True``) five
operations (one more each where tanh is taken as a sigmoid, ``TANH_AS_SIGMOID_FROM``), fewer
than torch's native forward spends. What stays sequential in the backward
is the gradient of the state itself: per step one matrix product and one or two pointwise
operations (``reset_after=False`` needs two products). Everything else (the gates'
derivatives, the weight and input gradients) is computed for all steps at once, each weight
gradient as one matrix product.

Values and gradients equal the other paths' to rounding.

Modes: ``"rnn_tanh"``, ``"rnn_relu"`` (SimpleRNN), ``"gru"`` (``reset_after=True``) and
``"gru_reset_before"`` (``reset_after=False``), with default activations. Weights come in
Keras's layout: ``kernel (features, gates*units)``, ``recurrent_kernel (units, gates*units)``,
gates ``z, r, h``; a ``reset_after`` GRU's bias is ``(2, 3*units)``: input row, recurrent row.

Right-padded masks (each sequence's ``lengths``) are supported: outputs past a sequence's end
are zeros and its final state is the state at its last valid step, as from the packed native
kernel. Internally everything runs time-major ``(steps, batch, ...)``, a GRU's loops
feature-major ``(steps, units, batch)``, so that a step's slices are contiguous.
"""

from __future__ import annotations

import torch

from sloi.kernels import rnn as rnn_ops

MODES = ("rnn_tanh", "rnn_relu", "gru", "gru_reset_before")

# The fewest steps from which the hand-written backward trains faster than autograd through
# torch's native kernel. Its fixed cost (an autograd.Function, a forward without recording, a
# dozen whole-sequence operations) outweighs autograd's per-step graph on short sequences;
# measured by benchmarks/rnn_backward_crossover.py (CPU time, 1 thread, batch 8 and 64, 8 and
# 64 units: the ratio barely moves with units or batch; a SimpleRNN's in-place loops: 1.02-1.11x
# autograd's time at 2-3 steps, 0.94-0.97x at 4, 0.71-0.88x at 8). Shorter sequences train
# through autograd. A reset_after=False GRU has no native kernel: this path at any length.
MIN_STEPS = {"rnn_tanh": 4, "rnn_relu": 4, "gru": 3, "gru_reset_before": 0}
# A GRU's hand-written loops lose to the native kernel with many units for few samples (batch
# 8, 20 steps: 0.87x autograd's time at 64 units, 1.19x at 96, 1.45x at 128; batch 32: 0.87x
# at 128; batch 64: even at 128 and 256): up to this many units, or this many per sample.
GRU_UNITS, GRU_UNITS_PER_SAMPLE = 64, 4


def pays(mode: str, batch: int, steps: int, units: int) -> bool:
    """Whether the hand-written backward trains this size faster than autograd through
    torch's native kernel (the crossovers above)."""
    if steps < MIN_STEPS[mode]:
        return False
    return mode != "gru" or units <= max(GRU_UNITS, GRU_UNITS_PER_SAMPLE * batch)


INFERENCE_MIN_STEPS = 8
"""A SimpleRNN without gradients takes ``run`` from this many steps: its loop (two
operations a step) then beats torch's native forward (at 1 thread, batch 32, 32 units: 0.14
against 0.19 ms at 10 steps, 1.0 against 1.4 ms at 102)."""

GRU_INFERENCE_MIN_STEPS, GRU_INFERENCE_MIN_VALUES = 64, 1024
"""A ``reset_after`` GRU without gradients takes ``run`` from this many steps, with at least
this many values a step (batch x units) and within ``pays``' unit cap: its loop then beats
torch's native forward (1 thread: 14.6 against 15.4 ms at batch 64, 200 steps, 64 units;
2 threads: 13.2 against 16.4; 64 steps: 1-9% faster; 20 steps: 4% slower; batch 8 with 64
units: 0.81 against 0.46 ms)."""


TANH_AS_SIGMOID_FROM = 1024
"""From this many values a step (batch x units), the loops compute tanh as 2 sigmoid(2a) - 1:
torch's CPU tanh then costs more than a sigmoid and one affine step together (1,024 values:
3.7 against 2.8 us; 2,048: 6.2 against 3.3; but 64: 1.2 against 2.4)."""


def inference_takes(mode: str, batch: int, steps: int, units: int) -> bool:
    """Whether a call without gradients takes ``run``: a ``reset_after=False`` GRU (which has
    no native kernel: its loop is the fastest forward there is) always, a SimpleRNN from
    ``INFERENCE_MIN_STEPS`` steps, a ``reset_after`` GRU at the sizes
    ``GRU_INFERENCE_MIN_STEPS`` names."""
    if mode == "gru_reset_before":
        return True
    if mode == "gru":
        return (steps >= GRU_INFERENCE_MIN_STEPS and batch * units >= GRU_INFERENCE_MIN_VALUES
                and pays(mode, batch, steps, units))
    return mode.startswith("rnn_") and steps >= INFERENCE_MIN_STEPS


def applies(mode: str, inputs: torch.Tensor, states, groups) -> bool:
    """Whether ``run`` should take this call: CPU tensors of one float32 / float64 dtype, no
    autocast, no graph capture, and either gradients wanted at a size where it ``pays`` or
    an inference call it takes (``inference_takes``). CUDA keeps cuDNN's path."""
    if mode not in MODES:
        return False
    training = torch.is_grad_enabled()
    batch, steps, units = inputs.shape[0], inputs.shape[1], states[0].shape[-1]
    if not training:  # the cheapest test first: most inference calls stop here
        if not inference_takes(mode, batch, steps, units):
            return False
    elif not pays(mode, batch, steps, units):
        return False
    if inputs.device.type != "cpu" or inputs.dtype not in (torch.float32, torch.float64):
        return False
    tensors = [t for group in groups for t in group if t is not None] + list(states)
    if any(t.dtype != inputs.dtype or t.device != inputs.device for t in tensors):
        return False
    if torch.is_autocast_enabled("cpu") or rnn_ops.capturing():
        return False
    if not training or mode == "gru_reset_before":
        return True
    return (inputs.requires_grad or any(t.requires_grad for t in tensors)
            or inference_takes(mode, batch, steps, units))


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

    Forward: ``x W + b`` for all steps in one product, written straight into the buffer of
    states ``(steps + 1, batch, units)`` that starts with ``h_0``; then per step one product
    added in place and the activation in place (torch's native kernel spends about twice the
    operations a step). Backward: the derivative of ``act`` at every step comes from the
    states (``1 - h^2`` or ``h > 0``); per step ``g_t = dh_t * act'_t`` and
    ``dh_{t-1} += g_t U^T``."""

    @staticmethod
    def forward(ctx, x, h0, kernel, recurrent_kernel, bias, mode, lengths):
        ctx.set_materialize_grads(False)
        batch, steps, _ = x.shape
        valid = _valid(lengths, steps, batch, x.device)
        xs = _time_major_inputs(x, valid)
        chain = _simple_rnn_forward(xs, h0, kernel, recurrent_kernel, bias, mode)
        outputs, h = _batch_major(chain, valid, lengths)
        ctx.mode, ctx.lengths, ctx.has_bias = mode, lengths, bias is not None
        ctx.save_for_backward(xs, kernel, recurrent_kernel, chain)
        return outputs, h

    @staticmethod
    def backward(ctx, grad_outputs, grad_h):
        xs, kernel, recurrent_kernel, chain = ctx.saved_tensors
        steps, batch, _ = xs.shape
        valid = _valid(ctx.lengths, steps, batch, xs.device)
        states, previous = chain[1:], chain[:-1]
        grad = _incoming(grad_outputs, grad_h, states, valid, ctx.lengths)
        # act' at every step, turned in place into g_t = dh_t * act'_t by the recursion
        if ctx.mode == "rnn_tanh":
            g = torch.mul(states, states).neg_().add_(1)
        else:
            g = (states > 0).to(states.dtype)
        recurrent_t = recurrent_kernel.detach().t()
        g_s, grad_s = g.unbind(0), grad.unbind(0)
        for t in range(steps - 1, 0, -1):
            grad_s[t - 1].addmm_(g_s[t].mul_(grad_s[t]), recurrent_t)
        g[0].mul_(grad[0])
        grad_h0 = g[0] @ recurrent_t if ctx.needs_input_grad[1] else None
        grad_recurrent = None
        if ctx.needs_input_grad[3]:
            grad_recurrent = previous.reshape(-1, previous.shape[2]).t() @ g.reshape(
                -1, g.shape[2])
        grad_x, grad_kernel, grad_bias = _input_grads(
            xs, kernel, (1,) if ctx.has_bias and ctx.needs_input_grad[4] else None, g,
            ctx.needs_input_grad)
        return grad_x, grad_h0, grad_kernel, grad_recurrent, grad_bias, None, None


def _simple_rnn_forward(xs, h0, kernel, recurrent_kernel, bias, mode):
    """The recurrence over time-major inputs ``(steps, batch, features)``, without recording:
    the buffer ``(steps + 1, batch, units)`` of ``h_0 .. h_T`` (past a right-padded
    sequence's end the states are the caller's to clear)."""
    steps, batch, features = xs.shape
    units = recurrent_kernel.shape[0]
    chain = xs.new_empty(steps + 1, batch, units)
    chain[0] = h0.detach()
    flat_x, flat_states = xs.view(steps * batch, features), chain[1:].view(steps * batch, units)
    recurrent = recurrent_kernel.detach()
    chain_s = chain.unbind(0)
    if mode == "rnn_relu" or batch * units < TANH_AS_SIGMOID_FROM:
        _input_term(flat_x, kernel, bias, flat_states, scale=1)
        activation = torch.Tensor.relu_ if mode == "rnn_relu" else torch.Tensor.tanh_
        for t in range(1, steps + 1):
            activation(chain_s[t].addmm_(chain_s[t - 1], recurrent))
        return chain
    # tanh(a) as 2 sigmoid(2a) - 1, as in the GRU's candidate: the buffer holds 2 (x W + b)
    # and each step adds 2 h U
    _input_term(flat_x, kernel, bias, flat_states, scale=2)
    minus_one = xs.new_tensor(-1.0)
    for t in range(1, steps + 1):
        state = chain_s[t].addmm_(chain_s[t - 1], recurrent, alpha=2).sigmoid_()
        torch.add(minus_one, state, alpha=2, out=state)
    return chain


def _input_term(flat_x, kernel, bias, out, scale):
    """``scale * (x W + b)`` for all steps at once, into ``out`` (one product)."""
    if bias is None:
        torch.mm(flat_x, kernel.detach(), out=out)
        if scale != 1:
            out.mul_(scale)
    else:
        torch.addmm(bias.detach(), flat_x, kernel.detach(), beta=scale, alpha=scale, out=out)


def _batch_major(chain, valid, lengths):
    """The caller's ``outputs (batch, steps, units)`` (zeros past each length: written into
    ``chain``, whose states past a sequence's end then read as zeros to the backward) and
    final ``h (batch, units)`` from a time-major buffer of states ``h_0 .. h_T``."""
    states = chain[1:]
    if valid is None:
        return states.transpose(0, 1), chain[-1].clone()
    states.masked_fill_(~valid, 0)
    outputs = states.transpose(0, 1)
    last = (lengths.to(chain.device) - 1)[:, None, None].expand(-1, 1, chain.shape[2])
    return outputs, outputs.gather(1, last).squeeze(1)


# ---------------------------------------------------------------------- GRU
class _GRU(torch.autograd.Function):
    """Keras's GRU, gates ``z, r, h``; ``h_t = z * h_{t-1} + (1 - z) * n``.

    The forward is a loop without recording that keeps every step's gates (torch's native
    GRU would not give them back, and recomputing them costs three large products more).
    Inside, a step's values are feature-major, ``(units, batch)``: the gates of a step are
    then contiguous blocks of one ``(3*units, batch)`` product, and each pointwise operation
    runs on contiguous memory (on row slices of ``(batch, 3*units)`` they ran up to 3x
    slower).

    ``reset_after=True``: ``n = tanh(x Wh + bh + r * a_h)`` with ``a = h U + b'`` the
    recurrent pre-activations. The gradient of ``a`` at a step is ``dh`` times a coefficient
    known from the forward values alone (``[(h - n) z (1 - z), (1 - z)(1 - n^2) a_h r (1 - r),
    (1 - z)(1 - n^2) r]``): per step one pointwise product, then
    ``dh_{t-1} += dh_t z + da_t U^T``.

    ``reset_after=False``: ``n = tanh(x Wh + bh + (r * h) Uh)``; the gradient of ``r`` goes
    through ``Uh``, so a step takes two products: ``dq = dn Uh^T`` then
    ``dh_{t-1} += dh_t z + dq r + [dz, dr] U_zr^T``."""

    @staticmethod
    def forward(ctx, x, h0, kernel, recurrent_kernel, bias, mode, lengths):
        ctx.set_materialize_grads(False)
        batch, steps, _ = x.shape
        valid = _valid(lengths, steps, batch, x.device)
        xs = _time_major_inputs(x, valid)
        reset_after = mode == "gru"
        chain, gates, extra = _gru_forward(xs, h0, kernel, recurrent_kernel, bias, reset_after)
        states = chain[1:]
        if valid is None:
            outputs, h = states.permute(2, 0, 1), chain[-1].t().contiguous()
        else:  # zeros past each sequence's end, in the saved states too
            states.masked_fill_(~valid.transpose(1, 2), 0)
            outputs = states.permute(2, 0, 1)  # (batch, steps, units)
            last = (lengths.to(x.device) - 1)[:, None, None].expand(-1, 1, states.shape[1])
            h = outputs.gather(1, last).squeeze(1)
        ctx.mode, ctx.lengths = mode, lengths
        ctx.bias_shape = None if bias is None else tuple(bias.shape)
        ctx.save_for_backward(xs, kernel, recurrent_kernel, chain, gates, extra)
        return outputs, h

    @staticmethod
    def backward(ctx, grad_outputs, grad_h):
        xs, kernel, recurrent_kernel, chain, gates, extra = ctx.saved_tensors
        steps, batch, _ = xs.shape
        units = recurrent_kernel.shape[0]
        grad = _incoming_feature_major(grad_outputs, grad_h, chain[1:], ctx.lengths)
        previous = chain[:-1]  # the state each step starts from, (steps, units, batch)
        recurrent_d = recurrent_kernel.detach()
        if ctx.mode == "gru":
            grad_rec, grad_h0, input_n = _gru_reset_after_backward(
                previous, gates, extra, grad, recurrent_d, units)
        else:
            grad_rec, grad_h0 = _gru_reset_before_backward(previous, gates, grad,
                                                           recurrent_d, units)
            input_n = None
        # the weight gradients as single products over all steps, unit-major: ``(3*units,
        # steps*batch)``, a copy that moves whole rows of a batch (transposing each step's
        # block to batch-major instead took 5.9 ms at the lecture's sizes, against 0.6)
        pre = grad_rec.transpose(0, 1).contiguous().view(3 * units, steps * batch)
        grad_recurrent = grad_rec_bias = None
        if ctx.needs_input_grad[3]:
            left = previous.transpose(0, 1).reshape(units, steps * batch)
            if ctx.mode == "gru":
                grad_recurrent = left @ pre.t()
            else:  # the candidate's product reads r * h
                reset = extra.transpose(0, 1).reshape(units, steps * batch)
                grad_recurrent = torch.cat([left @ pre[:2 * units].t(),
                                            reset @ pre[2 * units:].t()], dim=1)
        if ctx.mode == "gru" and ctx.bias_shape is not None:
            grad_rec_bias = pre.sum(1)
        if input_n is not None:  # the input side's candidate gradient lacks the factor r
            pre.view(3 * units, steps, batch)[2 * units:] = input_n.transpose(0, 1)
        grad_x, grad_kernel, grad_bias = _input_grads_unit_major(
            xs, kernel, ctx.bias_shape, pre, ctx.needs_input_grad)
        if grad_bias is not None and ctx.mode == "gru":
            grad_bias = torch.stack([grad_bias, grad_rec_bias])
        return (grad_x, grad_h0.t() if ctx.needs_input_grad[1] else None, grad_kernel,
                grad_recurrent, grad_bias if ctx.needs_input_grad[4] else None, None, None)


def _input_grads_unit_major(x, kernel, bias_shape, grad_pre, need):
    """``_input_grads`` from the gradient laid out unit-major, ``(gates*units, steps*batch)``."""
    steps, batch, features = x.shape
    grad_x = grad_kernel = grad_bias = None
    if need[0]:
        kernel = kernel.detach()
        if features < 16:  # MKL took 8x as long for so narrow a product from the transposed
            flat = (kernel @ grad_pre).t()  # gradient (8 features: 1.41 against 0.17 ms)
        else:
            flat = grad_pre.t() @ kernel.t()
        grad_x = flat.view(steps, batch, features).transpose(0, 1)
    if need[2]:
        grad_kernel = x.reshape(steps * batch, features).t() @ grad_pre.t()
    if bias_shape is not None:
        grad_bias = grad_pre.sum(1)
    return grad_x, grad_kernel, grad_bias


def _incoming_feature_major(grad_outputs, grad_h, states, lengths):
    """``_incoming`` in the feature-major layout ``(steps, units, batch)``."""
    steps, units, batch = states.shape
    if grad_outputs is None:
        grad = torch.zeros_like(states)
    else:
        grad = grad_outputs.permute(1, 2, 0).clone(memory_format=torch.contiguous_format)
        if lengths is not None:
            valid = _valid(lengths, steps, batch, grad.device).transpose(1, 2)
            grad.masked_fill_(~valid, 0)
    if grad_h is not None:
        if lengths is None:
            grad[-1] += grad_h.t()
        else:
            last = (lengths.to(grad.device) - 1)[None, None, :].expand(1, units, batch)
            grad.scatter_add_(0, last, grad_h.t().unsqueeze(0))
    return grad


def _gru_forward(xs, h0, kernel, recurrent_kernel, bias, reset_after):
    """The recurrence over time-major inputs ``(steps, batch, features)``, without
    recording, feature-major inside. Returns the buffer of states ``h_0 .. h_T``
    ``(steps + 1, units, batch)``, the gates ``(steps, 3*units, batch)`` (z, r, n) and, for
    ``reset_after``, a buffer whose last third holds the recurrent pre-activations of the
    candidate ``a_h = h Uh + b'h`` (``(steps, 3*units, batch)``), else ``r * h``.

    Every step's operations run in place or into their slot of these buffers: with the
    biases added for all steps beforehand, a ``reset_after`` step is five operations (one
    product added in place, sigmoid, a multiply-add, tanh, lerp; the tanh two where it is
    taken as a sigmoid), and nothing is copied."""
    steps, batch, features = xs.shape
    units = recurrent_kernel.shape[0]
    kernel, recurrent_kernel = kernel.detach(), recurrent_kernel.detach()
    b_in = b_rec = None
    if bias is not None:
        bias = bias.detach()
        b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, None)
    if b_rec is not None:  # z's and r's recurrent biases add like their input biases
        b_in = torch.cat([b_in[:2 * units] + b_rec[:2 * units], b_in[2 * units:]])
    # x W + b for all steps at once, each step's (3*units, batch) block contiguous: a batched
    # product over transposed views, no copy
    per_step = kernel.t().expand(steps, 3 * units, features)
    if b_in is None:
        pre = torch.bmm(per_step, xs.transpose(1, 2))
    else:
        pre = torch.baddbmm(b_in.view(1, -1, 1), per_step, xs.transpose(1, 2))
    chain = xs.new_empty(steps + 1, units, batch)
    chain[0] = h0.detach().t()
    gates = xs.new_empty(steps, 3 * units, batch)
    recurrent_t = recurrent_kernel.t()  # (3*units, units): a step's product is U^T h
    # every step's views made at once (one call each): slicing inside the loop cost more
    # than some of the operations
    z_s, r_s, n_s = (gates[:, :units].unbind(0), gates[:, units:2 * units].unbind(0),
                     gates[:, 2 * units:].unbind(0))
    zr_s, chain_s = gates[:, :2 * units].unbind(0), chain.unbind(0)
    if reset_after:
        # ``pre`` becomes the buffer each step's product adds into: z's and r's rows start at
        # their input pre-activations, the candidate's at its recurrent bias; the candidate's
        # input pre-activations move out (doubled where the candidate's tanh is a sigmoid)
        as_sigmoid = batch * units >= TANH_AS_SIGMOID_FROM
        pre_h = pre[:, 2 * units:] * 2 if as_sigmoid else pre[:, 2 * units:].clone()
        if b_rec is None:
            pre[:, 2 * units:] = 0
        else:
            pre[:, 2 * units:] = b_rec[2 * units:, None]
        extra = pre
        acc_s, acc_zr = pre.unbind(0), pre[:, :2 * units].unbind(0)
        acc_h = pre[:, 2 * units:].unbind(0)
        pre_h_s = pre_h.unbind(0)
        # tanh(u) as 2 sigmoid(2u) - 1 from TANH_AS_SIGMOID_FROM values a step
        minus_one = xs.new_tensor(-1.0) if as_sigmoid else None
        for t in range(steps):
            acc_s[t].addmm_(recurrent_t, chain_s[t])
            torch.sigmoid(acc_zr[t], out=zr_s[t])
            if as_sigmoid:
                n = torch.addcmul(pre_h_s[t], r_s[t], acc_h[t], value=2, out=n_s[t]).sigmoid_()
                torch.add(minus_one, n, alpha=2, out=n)
            else:
                n = torch.addcmul(pre_h_s[t], r_s[t], acc_h[t], out=n_s[t]).tanh_()
            torch.lerp(n, chain_s[t], z_s[t], out=chain_s[t + 1])  # n + z * (h - n)
        return chain, gates, extra
    extra = xs.new_empty(steps, units, batch)
    u_zr_t, u_h_t = recurrent_t[:2 * units], recurrent_t[2 * units:]
    pre_zr, pre_h = pre[:, :2 * units].unbind(0), pre[:, 2 * units:].unbind(0)
    extra_s = extra.unbind(0)
    for t in range(steps):
        h = chain_s[t]
        torch.sigmoid(pre_zr[t].addmm_(u_zr_t, h), out=zr_s[t])
        torch.mul(r_s[t], h, out=extra_s[t])
        torch.tanh(pre_h[t].addmm_(u_h_t, extra_s[t]), out=n_s[t])
        torch.lerp(n_s[t], h, z_s[t], out=chain_s[t + 1])
    return chain, gates, extra


def _gru_coefficients(previous, gates, units):
    """``(coef (steps, 3, units, batch), z, r, dn)``: per unit of ``dh``, the gradient of z's
    pre-activation (slot 0) and of n's (``dn``; slots 1 and 2 are the caller's)."""
    z, r, n = gates[:, :units], gates[:, units:2 * units], gates[:, 2 * units:]
    steps, _, batch = previous.shape
    coef = previous.new_empty(steps, 3, units, batch)
    # each a pass over all steps' values: as few as the formulas allow
    torch.sub(previous, n, out=coef[:, 0]).mul_(torch.addcmul(z, z, z, value=-1))  # z (1 - z)
    dn = torch.addcmul(previous.new_ones(()), n, n, value=-1)  # 1 - n^2
    dn.addcmul_(dn, z, value=-1)  # (1 - z)(1 - n^2)
    return coef, z, r, dn


def _gru_reset_after_backward(previous, gates, recurrent_pre, grad, recurrent_kernel, units):
    """The recursion. Returns the gradient of every step's recurrent pre-activations
    ``(steps, 3*units, batch)``, ``dh0`` ``(units, batch)`` and the gradient of the
    candidate's input pre-activation ``(steps, units, batch)``; ``grad`` is overwritten with
    each step's ``dh``."""
    steps, _, batch = previous.shape
    coef, z, r, dn = _gru_coefficients(previous, gates, units)
    a_h = recurrent_pre[:, 2 * units:]
    torch.mul(dn, a_h, out=coef[:, 1]).mul_(torch.addcmul(r, r, r, value=-1))  # r (1 - r)
    torch.mul(dn, r, out=coef[:, 2])
    # coef becomes the gradient of the recurrent pre-activations, grad dh
    coef_s, flat_s = coef.unbind(0), coef.view(steps, -1, batch).unbind(0)
    grad_s, grad_b, z_s = grad.unbind(0), grad.unsqueeze(1).unbind(0), z.unbind(0)
    for t in range(steps - 1, 0, -1):
        coef_s[t].mul_(grad_b[t])
        grad_s[t - 1].addcmul_(grad_s[t], z_s[t]).addmm_(recurrent_kernel, flat_s[t])
    coef[0].mul_(grad[0].unsqueeze(0))
    grad_h0 = torch.addmm(grad[0] * z[0], recurrent_kernel, coef[0].view(-1, batch))
    return coef.view(steps, 3 * units, batch), grad_h0, dn.mul_(grad)


def _gru_reset_before_backward(previous, gates, grad, recurrent_kernel, units):
    """As ``_gru_reset_after_backward``, for ``n = tanh(x Wh + bh + (r * h) Uh)``: returns
    the gradient of every step's pre-activations ``(steps, 3*units, batch)`` (the input and
    the recurrent side share it) and ``dh0``."""
    steps, _, batch = previous.shape
    coef, z, r, dn = _gru_coefficients(previous, gates, units)
    coef[:, 2] = dn
    through_r = previous * r * (1 - r)  # d r-pre per unit of d(r * h)
    u_zr, u_h = recurrent_kernel[:, :2 * units], recurrent_kernel[:, 2 * units:]
    grad_h0 = None
    zn_s, dn_s, dr_s = coef[:, 0::2].unbind(0), coef[:, 2].unbind(0), coef[:, 1].unbind(0)
    zr_s = coef[:, :2].reshape(steps, -1, batch).unbind(0)  # a view: coef is contiguous
    grad_s, grad_b = grad.unbind(0), grad.unsqueeze(1).unbind(0)
    z_s, r_s, through_s = z.unbind(0), r.unbind(0), through_r.unbind(0)
    for t in range(steps - 1, -1, -1):
        zn_s[t].mul_(grad_b[t])
        dq = u_h @ dn_s[t]  # d(r * h)
        torch.mul(dq, through_s[t], out=dr_s[t])
        target = grad_s[t - 1] if t else torch.zeros_like(grad_s[0])
        target.addcmul_(grad_s[t], z_s[t]).addcmul_(dq, r_s[t]).addmm_(u_zr, zr_s[t])
        if not t:
            grad_h0 = target
    return coef.view(steps, 3 * units, batch), grad_h0
