"""``sloi.kernels.rnn_backward``: GRU and SimpleRNN with a hand-written backward.

float64 ``gradcheck`` (finite differences) on every mode, with and without biases, masks and
a second direction; the values against torch's native kernel (``sloi.kernels.rnn.fused``) and,
for the GRU without a native kernel, against the formula written out step by step; and the
calls ``applies`` hands back to the other paths.
"""

from __future__ import annotations

import pytest
import torch

from sloi.kernels import rnn as rnn_ops
from sloi.kernels import rnn_backward


@pytest.fixture(autouse=True, params=["tanh", "tanh as sigmoid"])
def tanh_form(request, monkeypatch):
    """Every test runs with both forms of the loops' tanh: ``tanh_`` (these small sizes), and
    ``2 sigmoid(2a) - 1``, which the loops take from ``TANH_AS_SIGMOID_FROM`` values a step."""
    if request.param == "tanh as sigmoid":
        monkeypatch.setattr(rnn_backward, "TANH_AS_SIGMOID_FROM", 0)
    return request.param

BATCH, STEPS, FEATURES, UNITS = 3, 5, 4, 3
LENGTHS = torch.tensor([5, 2, 4])


def _groups(mode, directions, bias=True, dtype=torch.float64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    gates = 1 if mode.startswith("rnn") else 3
    bias_shape = (2, gates * UNITS) if mode == "gru" else (gates * UNITS,)

    def weight(*shape):
        return (torch.randn(*shape, generator=generator, dtype=dtype) * 0.7).requires_grad_()

    return [(weight(FEATURES, gates * UNITS), weight(UNITS, gates * UNITS),
             weight(*bias_shape) if bias else None) for _ in range(directions)]


def _inputs(directions, dtype=torch.float64):
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(BATCH, STEPS, FEATURES, generator=generator, dtype=dtype)
    h0 = torch.randn(directions, BATCH, UNITS, generator=generator, dtype=dtype)
    return x.requires_grad_(), h0.requires_grad_()


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "right-padded"])
@pytest.mark.parametrize("mode", rnn_backward.MODES)
def test_gradients_pass_gradcheck(mode, masked, bidirectional, bias):
    directions = 2 if bidirectional else 1
    groups = _groups(mode, directions, bias)
    x, h0 = _inputs(directions)
    flat = [t for group in groups for t in group if t is not None]
    lengths = LENGTHS if masked else None

    def run(x, h0, *weights):
        it = iter(weights)
        rebuilt = [tuple(None if t is None else next(it) for t in group) for group in groups]
        outputs, (h,) = rnn_backward.run(mode, x, [h0], rebuilt, bidirectional=bidirectional,
                                         lengths=lengths)
        return outputs, h

    assert torch.autograd.gradcheck(run, (x, h0, *flat))


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "right-padded"])
@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "gru"])
def test_values_and_gradients_equal_the_native_kernel_through_autograd(mode, masked,
                                                                         bidirectional):
    directions = 2 if bidirectional else 1
    groups = _groups(mode, directions, dtype=torch.float32, seed=2)
    x, h0 = _inputs(directions, torch.float32)
    lengths = LENGTHS if masked else None
    leaves = [x, h0] + [t for group in groups for t in group]
    results = []
    for runner in (rnn_backward.run, rnn_ops.fused):
        outputs, (h,) = runner(mode, x, [h0], groups, bidirectional=bidirectional,
                               lengths=lengths)
        ramp = torch.linspace(-1, 1, outputs.numel()).reshape(outputs.shape)
        loss = (outputs * ramp).sum() + (h * h).sum()
        results.append([outputs, h, *torch.autograd.grad(loss, leaves)])
    for ours, native in zip(*results):
        torch.testing.assert_close(ours, native, rtol=1e-5, atol=1e-6)
    if masked:  # past each sequence's end: zero outputs, and no gradient reaches the inputs
        assert bool((results[0][0][1, 2:] == 0).all())
        assert bool((results[0][2][1, 2:] == 0).all())


def _reset_before_by_hand(x, h0, kernel, recurrent_kernel, bias):
    """Keras 2's GRU (reset_after=False), written out."""
    units = recurrent_kernel.shape[0]
    h, outputs = h0, []
    for t in range(x.shape[1]):
        xz, xr, xh = (x[:, t] @ kernel + bias).split(units, dim=-1)
        z = torch.sigmoid(xz + h @ recurrent_kernel[:, :units])
        r = torch.sigmoid(xr + h @ recurrent_kernel[:, units:2 * units])
        n = torch.tanh(xh + (r * h) @ recurrent_kernel[:, 2 * units:])
        h = z * h + (1 - z) * n
        outputs.append(h)
    return torch.stack(outputs, dim=1), h


def test_a_gru_without_reset_after_computes_keras_2s_formula():
    (group,) = _groups("gru_reset_before", 1, dtype=torch.float32, seed=3)
    x, h0 = _inputs(1, torch.float32)
    outputs, (h,) = rnn_backward.run("gru_reset_before", x, [h0], [group])
    want_outputs, want_h = _reset_before_by_hand(x, h0[0], *group)
    torch.testing.assert_close(outputs, want_outputs, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(h[0], want_h, rtol=1e-6, atol=1e-6)
    # right-padded: each sequence stops at its length; zeros after it
    outputs, (h,) = rnn_backward.run("gru_reset_before", x, [h0], [group], lengths=LENGTHS)
    for b, length in enumerate(LENGTHS.tolist()):
        want_outputs, want_h = _reset_before_by_hand(x[b:b + 1, :length], h0[0, b:b + 1],
                                                     *group)
        torch.testing.assert_close(outputs[b:b + 1, :length], want_outputs, rtol=1e-6,
                                   atol=1e-6)
        torch.testing.assert_close(h[0, b:b + 1], want_h, rtol=1e-6, atol=1e-6)
        assert bool((outputs[b, length:] == 0).all())


def test_padding_never_reaches_a_gradient():
    """Whatever sits in the padded steps (NaN here) changes no value and no gradient."""
    for mode in rnn_backward.MODES:
        groups = _groups(mode, 1, dtype=torch.float32, seed=4)
        x, h0 = _inputs(1, torch.float32)
        poisoned = x.detach().clone()
        poisoned[1, 2:] = float("nan")
        poisoned.requires_grad_()
        grads = []
        for inputs in (x, poisoned):
            outputs, (h,) = rnn_backward.run(mode, inputs, [h0], groups, lengths=LENGTHS)
            loss = outputs.sum() + h.sum()
            grads.append(torch.autograd.grad(loss, [inputs, h0, *groups[0]]))
        for clean, dirty in zip(*grads):
            assert bool(torch.isfinite(dirty).all()), mode
            torch.testing.assert_close(dirty, clean, rtol=0, atol=0)


def test_the_incoming_gradients_are_not_written_into():
    """The recursion adds into a copy: an upstream gradient tensor that is time-major
    contiguous already (one sequence) comes back unchanged."""
    (group,) = _groups("gru", 1, dtype=torch.float32)
    x = torch.randn(1, STEPS, FEATURES, requires_grad=True)
    h0 = torch.zeros(1, 1, UNITS)
    outputs, _ = rnn_backward.run("gru", x, [h0], [group])
    upstream = torch.randn_like(outputs)
    kept = upstream.clone()
    outputs.backward(upstream)
    torch.testing.assert_close(upstream, kept, rtol=0, atol=0)


def test_applies_only_where_it_should():
    (group,) = _groups("gru", 1, dtype=torch.float32)
    x, h0 = _inputs(1, torch.float32)
    assert rnn_backward.applies("gru", x, [h0], [group])
    assert not rnn_backward.applies("lstm", x, [h0], [group])
    with torch.no_grad():  # inference: the native kernel is as fast and records nothing
        assert not rnn_backward.applies("gru", x, [h0], [group])
        # without a native kernel, its loop is the fastest forward there is
        assert rnn_backward.applies("gru_reset_before", x, [h0], [group])
    assert not rnn_backward.applies("gru", x.double(), [h0], [group])  # dtypes differ
    assert not rnn_backward.applies("gru", x.half(), [h0.half()],
                                    [tuple(t.half() for t in group)])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert not rnn_backward.applies("gru", x, [h0], [group])
    frozen = [tuple(t.detach() for t in group)]
    assert not rnn_backward.applies("gru", x.detach(), [h0.detach()], frozen)


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu"])
def test_a_long_simple_rnn_takes_its_own_loop_in_inference_with_the_native_values(mode):
    (group,) = _groups(mode, 1, dtype=torch.float32, seed=5)
    generator = torch.Generator().manual_seed(6)
    steps = rnn_backward.INFERENCE_MIN_STEPS
    long = torch.randn(BATCH, steps, FEATURES, generator=generator)
    h0 = torch.randn(1, BATCH, UNITS, generator=generator)
    with torch.no_grad():
        assert rnn_backward.applies(mode, long, [h0], [group])
        assert not rnn_backward.applies(mode, long[:, :steps - 1], [h0], [group])
        assert not rnn_backward.applies("gru", long, [h0], _groups("gru", 1, dtype=torch.float32))
        for lengths in (None, torch.tensor([steps, 2, steps - 3])):
            ours = rnn_backward.run(mode, long, [h0], [group], lengths=lengths)
            native = rnn_ops.fused(mode, long, [h0], [group], lengths=lengths)
            torch.testing.assert_close(ours[0], native[0], rtol=1e-5, atol=1e-6)
            torch.testing.assert_close(ours[1][0], native[1][0], rtol=1e-5, atol=1e-6)


def test_a_long_gru_takes_its_own_loop_in_inference_with_the_native_values():
    """From GRU_INFERENCE_MIN_STEPS steps and GRU_INFERENCE_MIN_VALUES a step (and within
    the unit cap) a reset_after GRU's inference takes the loop, which beats torch's native
    forward there; shorter or narrower calls keep the native kernel."""
    generator = torch.Generator().manual_seed(7)
    batch, units, features = 32, 32, 4
    steps = rnn_backward.GRU_INFERENCE_MIN_STEPS
    assert batch * units >= rnn_backward.GRU_INFERENCE_MIN_VALUES > 8 * units
    group = (torch.randn(features, 3 * units, generator=generator) * 0.3,
             torch.randn(units, 3 * units, generator=generator) * 0.3,
             torch.randn(2, 3 * units, generator=generator) * 0.1)
    x = torch.randn(batch, steps, features, generator=generator)
    h0 = torch.randn(1, batch, units, generator=generator)
    with torch.no_grad():
        assert rnn_backward.applies("gru", x, [h0], [group])
        assert not rnn_backward.applies("gru", x[:, :steps - 1], [h0], [group])
        assert not rnn_backward.applies("gru", x[:8], [h0[:, :8]], [group])  # 256 values a step
        for lengths in (None, torch.tensor([steps, 3] + [steps - 5] * (batch - 2))):
            ours = rnn_backward.run("gru", x, [h0], [group], lengths=lengths)
            native = rnn_ops.fused("gru", x, [h0], [group], lengths=lengths)
            torch.testing.assert_close(ours[0], native[0], rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(ours[1][0], native[1][0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "gru"])
def test_short_sequences_are_left_to_autograd(mode):
    """Below ``MIN_STEPS`` the hand-written backward's fixed cost outweighs what it saves over
    autograd's per-step graph: ``applies`` hands those calls to the native kernel, and takes
    them from ``MIN_STEPS`` steps on."""
    (group,) = _groups(mode, 1, dtype=torch.float32)
    need = rnn_backward.MIN_STEPS[mode]
    assert need > 1
    h0 = torch.zeros(1, BATCH, UNITS)
    short = torch.randn(BATCH, need - 1, FEATURES, requires_grad=True)
    long = torch.randn(BATCH, need, FEATURES, requires_grad=True)
    assert not rnn_backward.applies(mode, short, [h0], [group])
    assert rnn_backward.applies(mode, long, [h0], [group])


def test_a_gru_without_a_native_kernel_takes_it_at_any_length():
    (group,) = _groups("gru_reset_before", 1, dtype=torch.float32)
    one_step = torch.randn(BATCH, 1, FEATURES, requires_grad=True)
    assert rnn_backward.applies("gru_reset_before", one_step, [torch.zeros(1, BATCH, UNITS)],
                                [group])


def test_a_gru_with_many_units_for_few_samples_is_left_to_autograd():
    """A GRU's hand-written loops lose to the native kernel with many units for few samples:
    up to ``GRU_UNITS`` units, or ``GRU_UNITS_PER_SAMPLE`` per sample, it takes them."""
    units = rnn_backward.GRU_UNITS
    assert rnn_backward.pays("gru", 8, 20, units)
    assert not rnn_backward.pays("gru", 8, 20, units + 1)
    many = rnn_backward.GRU_UNITS_PER_SAMPLE * 32
    assert many > units and rnn_backward.pays("gru", 32, 20, many)
    assert not rnn_backward.pays("gru", 32, 20, many + 1)
    assert rnn_backward.pays("gru_reset_before", 1, 1, 4 * many)  # no native kernel: always
    assert rnn_backward.pays("rnn_tanh", 1, 20, 4 * many)  # SimpleRNN's win at any width

    generator = torch.Generator().manual_seed(0)
    wide = units + 1
    group = (torch.randn(2, 3 * wide, generator=generator, requires_grad=True),
             torch.randn(wide, 3 * wide, generator=generator, requires_grad=True),
             torch.randn(2, 3 * wide, generator=generator, requires_grad=True))
    x = torch.randn(8, 20, 2, generator=generator, requires_grad=True)
    assert not rnn_backward.applies("gru", x, [torch.zeros(1, 8, wide)], [group])
    assert rnn_backward.applies("gru_reset_before", x, [torch.zeros(1, 8, wide)],
                                [(group[0], group[1], group[2][0])])
