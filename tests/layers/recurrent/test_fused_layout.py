"""``FusedWeights`` (``sloi.layers.recurrent.fused_layout``): recurrent weights handed to cuDNN as one buffer in its layout.

Off cuDNN an LSTM's or a SimpleRNN's weights are converted at each call, and a GRU's buffer is a
plain one, the torch-layout weights one after another: the CPU's case. cuDNN is not on the CI
machine, so these tests also stand in for its flatten call with
one that lays the torch-layout weights out in a buffer with NaN-filled gaps between them (cuDNN
may align its matrices; any read outside a view then shows up as NaN), and let the CPU take the
cuDNN path. What they check is sloi's side: an LSTM's or SimpleRNN's parameters are
re-pointed into the buffer without changing value, shape or identity, a GRU's buffer is
gathered in cuDNN's gate order, the kernels compute the same numbers and gradients as from
converted weights, training updates the buffer in place, and a move lays out again.
On a machine with CUDA the first test also runs on the real cuDNN flatten;
``benchmarks/cuda_train_check.py`` times it.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import sloi
from sloi import layers as L
from sloi.kernels import rnn as rnn_ops
from sloi.layers.recurrent import fused_layout
from sloi.layers.recurrent.fused_layout import FusedWeights
from sloi.layers.recurrent.rnn import RNN

GAP = 3


@pytest.fixture(autouse=True)
def native_kernels(monkeypatch):
    """These tests are about the weights the native kernels read: GRU and SimpleRNN take them
    in training too, not the hand-written backward (``tests/kernels/test_rnn_backward.py``)."""
    monkeypatch.setattr(RNN, "fused_backward", False)


def _fake_flatten(staged, per_group, input_size, mode_code, units, bidirectional):
    sizes = [t.numel() for t in staged]
    buffer = torch.full((sum(sizes) + GAP * (len(sizes) + 1),), float("nan"),
                        dtype=staged[0].dtype, device=staged[0].device)
    offset = GAP
    for t, n in zip(staged, sizes):
        buffer[offset:offset + n] = t.reshape(-1)
        t.set_(buffer.untyped_storage(), offset, t.shape, t.stride())
        offset += n + GAP
    return buffer


@pytest.fixture
def packed(monkeypatch):
    """Let CPU tensors take the packed path, with the stand-in flatten."""
    monkeypatch.setattr(fused_layout, "_on_cudnn", lambda t: True)
    monkeypatch.setattr(fused_layout, "_flatten", _fake_flatten)


def _converted(self, mode, groups, dtype=None):
    """``FusedWeights.get`` without any layout: every weight converted at the call."""
    return rnn_ops.torch_weights(mode, groups), False


def _run(layer, x):
    x = x.clone().requires_grad_()
    out = layer(x)
    out = out[0] if isinstance(out, (list, tuple)) else out
    layer.zero_grad(set_to_none=True)
    out.square().sum().backward()
    return out.detach(), x.grad, [p.grad.clone() for p in layer.trainable_weights]


CASES = {
    "LSTM": lambda: L.LSTM(6, return_sequences=True),
    "LSTM without bias": lambda: L.LSTM(6, use_bias=False),
    "SimpleRNN": lambda: L.SimpleRNN(6, return_sequences=True),
    "SimpleRNN relu": lambda: L.SimpleRNN(6, activation="relu", return_state=True),
    "Bidirectional(LSTM)": lambda: L.Bidirectional(L.LSTM(6, return_sequences=True)),
    "GRU": lambda: L.GRU(6, return_sequences=True),
    "GRU without bias": lambda: L.GRU(6, use_bias=False, return_state=True),
    "Bidirectional(GRU)": lambda: L.Bidirectional(L.GRU(6)),
}


@pytest.mark.parametrize("where", ["plain", "stand-in", pytest.param(
    "cuDNN", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                      reason="needs a CUDA device"))])
@pytest.mark.parametrize("name", CASES)
def test_packed_views_give_the_converted_numbers(name, where, monkeypatch):
    torch.manual_seed(0)
    layer = CASES[name]()
    x = torch.randn(4, 9, 5)
    layer(x)
    if where == "cuDNN":  # the real flatten
        layer.to("cuda")
        x = x.cuda()
    before = [p for p in layer.trainable_weights]
    values = [p.detach().clone() for p in before]
    pointers = [p.data_ptr() for p in before]
    with monkeypatch.context() as converting:
        converting.setattr(FusedWeights, "get", _converted)
        reference = _run(layer, x)
    if where == "stand-in":
        monkeypatch.setattr(fused_layout, "_on_cudnn", lambda t: True)
        monkeypatch.setattr(fused_layout, "_flatten", _fake_flatten)
    result = _run(layer, x)
    assert layer.last_path == "fused"
    holder = layer.fused_weights
    if where == "plain" and "GRU" not in name:  # oneDNN: converted, the parameters untouched
        assert holder.layout is None
    else:
        assert holder.layout == ("plain" if where == "plain" else "cudnn")
    # the same Parameter objects, shapes and values
    assert [p for p in layer.trainable_weights] == before
    for p, v in zip(layer.trainable_weights, values):
        assert p.shape == v.shape
        torch.testing.assert_close(p.detach(), v, rtol=0, atol=0)
    storages = {p.untyped_storage().data_ptr() for p in layer.trainable_weights}
    if "GRU" in name or where == "plain":  # the parameters stay where they were
        assert len(storages) == len(before)
        assert [p.data_ptr() for p in layer.trainable_weights] == pointers
    else:
        assert len(storages) == 1, "all parameters share the pack's buffer"
        for p in layer.trainable_weights:
            if p.dim() == 2:
                assert p.stride() == (1, p.shape[0]), "a transposed view of torch's layout"
    torch.testing.assert_close(result[0], reference[0], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(result[1], reference[1], rtol=1e-6, atol=1e-6)
    for got, want in zip(result[2], reference[2]):
        assert got.shape == want.shape
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def _model():
    torch.manual_seed(1)
    model = sloi.Sequential([
        L.Input(shape=(7, 3)),
        L.Bidirectional(L.LSTM(4, return_sequences=True)),
        L.GRU(4, return_sequences=True),
        L.SimpleRNN(5),
        L.Dense(1),
    ])
    model.compile(optimizer=sloi.optimizers.Adam(0.05), loss="mse")
    return model


def test_training_on_packed_weights_equals_training_on_converted_ones(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 7, 3)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")
    plain, packed_model = _model(), _model()
    packed_model.set_weights(plain.get_weights())
    plain.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    monkeypatch.setattr(fused_layout, "_on_cudnn", lambda t: True)
    monkeypatch.setattr(fused_layout, "_flatten", _fake_flatten)
    history = packed_model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    for got, want in zip(packed_model.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    bidirectional = packed_model.layers[0]
    zeros = bidirectional.fused_weights.zero_recurrent_biases
    assert len(zeros) == 2 and all(bool((z == 0).all()) for z in zeros), (
        "the recurrent bias cuDNN reads stays zero: it is no parameter")
    assert all(p.untyped_storage().data_ptr() == bidirectional.fused_weights.buffer.data_ptr()
               for p in bidirectional.trainable_weights)
    # the training state survives a save and a load into an unpacked model
    restored = _model()
    restored.set_weights(packed_model.get_weights())
    np.testing.assert_allclose(restored.predict(x, verbose=0), packed_model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_a_move_or_a_copy_packs_again(packed):
    torch.manual_seed(2)
    layer = L.LSTM(4)
    x = torch.randn(3, 5, 2)
    first = layer(x)
    pack = layer.fused_weights
    buffer = pack.buffer
    layer._apply(lambda t: t.clone())  # what .to("cuda") does: fresh storage for each one
    assert layer.cell.kernel.untyped_storage().data_ptr() != buffer.data_ptr()
    again = layer(x)
    assert pack.buffer is not None and pack.buffer is not buffer
    assert layer.cell.kernel.untyped_storage().data_ptr() == pack.buffer.data_ptr()
    torch.testing.assert_close(again, first, rtol=0, atol=0)

    twin = copy.deepcopy(layer)
    assert twin.fused_weights.buffer is None  # a copy starts unpacked
    torch.testing.assert_close(twin(x), again, rtol=0, atol=0)
    assert twin.fused_weights.buffer is not None
    with torch.no_grad():
        twin.cell.kernel.add_(1.0)  # the twin packed its own buffer: the original is apart
    torch.testing.assert_close(layer(x), again, rtol=0, atol=0)
    assert not torch.equal(twin(x), again)


def test_a_gru_gathers_its_buffer_in_cudnn_gate_order(packed):
    torch.manual_seed(3)
    gru = L.GRU(3, return_sequences=True)
    x = torch.randn(2, 5, 4)
    gru(x)
    holder, cell = gru.fused_weights, gru.cell
    weights, flat = holder.get("gru", [(cell.kernel, cell.recurrent_kernel, cell.bias)])
    assert flat and len({w.untyped_storage().data_ptr() for w in weights}) == 1
    # cuDNN's order: [w_ih, w_hh, b_ih, b_hh], gates r, z, n; Keras's: z, r, h
    u = 3
    kernel, recurrent, bias = cell.kernel, cell.recurrent_kernel, cell.bias
    with torch.no_grad():
        torch.testing.assert_close(weights[0][:u], kernel[:, u:2 * u].t(), rtol=0, atol=0)
        torch.testing.assert_close(weights[0][u:2 * u], kernel[:, :u].t(), rtol=0, atol=0)
        torch.testing.assert_close(weights[1][2 * u:], recurrent[:, 2 * u:].t(), rtol=0, atol=0)
        torch.testing.assert_close(weights[2][u:2 * u], bias[0, :u], rtol=0, atol=0)
        torch.testing.assert_close(weights[3][:u], bias[1, u:2 * u], rtol=0, atol=0)


def test_no_pack_when_switched_off(packed, monkeypatch):
    x = torch.randn(2, 5, 3)
    lstm, gru = L.LSTM(4), L.GRU(4)
    lstm.pack_weights = gru.pack_weights = False
    lstm(x)
    gru(x)
    assert lstm.fused_weights.layout is None and gru.fused_weights.layout is None
    assert lstm.cell.kernel.is_contiguous()


def test_weights_of_two_dtypes_are_converted(packed):
    lstm = L.LSTM(4)
    x = torch.randn(2, 5, 3)
    lstm(x)
    holder = lstm.fused_weights = FusedWeights()
    cell = lstm.cell
    weights, flat = holder.get("lstm", [(cell.kernel, cell.recurrent_kernel,
                                         cell.bias.detach().double())])
    assert not flat and holder.layout is None
    torch.testing.assert_close(weights[0], cell.kernel.t(), rtol=0, atol=0)


@pytest.mark.parametrize("name", [n for n in CASES if "GRU" in n])
def test_a_gru_gathers_its_weights_on_the_cpu_too(name, monkeypatch):
    """Off cuDNN a GRU's torch-layout weights come from one gather into a plain buffer (the
    weights one after another): the same numbers and gradients as converting them."""
    torch.manual_seed(4)
    layer = CASES[name]()
    x = torch.randn(3, 6, 5)
    layer(x)
    with monkeypatch.context() as converting:
        converting.setattr(FusedWeights, "get", _converted)
        reference = _run(layer, x)
    result = _run(layer, x)
    holder = layer.fused_weights
    groups = ([layer.cell] if hasattr(layer, "cell") else
              [layer.forward_layer.cell, layer.backward_layer.cell])
    groups = [(c.kernel, c.recurrent_kernel, c.bias) for c in groups]
    weights, flat = holder.get("gru", groups)
    assert not flat and holder.layout == "plain"
    # with gradients the weights are pieces of one split (backward: one concatenation), not
    # as_strided views (backward: a buffer-sized zero tensor and a copy for each)
    split = {w.grad_fn.next_functions[0][0].name() for w in weights}
    assert split == {"SplitWithSizesBackward0"}
    assert len({w.untyped_storage().data_ptr() for w in weights}) == 1
    offsets = [w.storage_offset() for w in weights]
    assert offsets == sorted(offsets) and offsets[0] == 0
    for got, want in zip(weights, rnn_ops.torch_weights("gru", groups)):
        assert got.shape == want.shape and got.is_contiguous()
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    torch.testing.assert_close(result[0], reference[0], rtol=0, atol=0)
    torch.testing.assert_close(result[1], reference[1], rtol=1e-6, atol=1e-6)
    for got, want in zip(result[2], reference[2]):
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)
    # new values in the same parameters (set_weights, an optimizer step) show at the next call
    with torch.no_grad():
        groups[0][0].add_(0.5)
    weights, _ = holder.get("gru", groups)
    torch.testing.assert_close(weights[0], rnn_ops.torch_weights("gru", groups)[0], rtol=0,
                               atol=0)
    # new parameter storage (a move, a dtype change) lays out again
    weights, _ = holder.get("gru", groups)
    layer._apply(lambda t: t.clone())
    moved, _ = holder.get("gru", groups)
    for got, want in zip(moved, rnn_ops.torch_weights("gru", groups)):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


@pytest.mark.parametrize("make", [lambda: L.LSTM(4, return_sequences=True),
                                  lambda: L.GRU(4, return_sequences=True)])
def test_a_refused_cudnn_layout_warns_and_does_without(packed, monkeypatch, make):
    def refuse(*args):
        raise RuntimeError("unsupported configuration")

    layer = make()
    x = torch.randn(2, 5, 3)
    layer(x)
    assert layer.fused_weights.layout == "cudnn"  # the stand-in cuDNN layout
    with monkeypatch.context() as converting:
        converting.setattr(FusedWeights, "get", _converted)
        want = layer(x)
    monkeypatch.setattr(fused_layout, "_flatten", refuse)
    holder = layer.fused_weights = FusedWeights()
    with pytest.warns(RuntimeWarning, match="would not lay.*unsupported configuration"):
        got = layer(x)
    if isinstance(layer, L.GRU):  # gathered in the plain layout
        assert holder.refused and holder.layout == "plain"
    else:  # converted at each call
        assert holder.refused and holder.layout is None
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    cell = layer.cell
    weights, flat = holder.get(cell.fused_spec()[0], [cell.fused_spec()[1]])
    assert not flat
    for w, t in zip(weights, rnn_ops.torch_weights(cell.fused_spec()[0], [cell.fused_spec()[1]])):
        torch.testing.assert_close(w, t, rtol=0, atol=0)


@pytest.mark.parametrize("fused", [True, False])
def test_inference_after_an_optimizer_step_sees_the_new_weights(packed, fused):
    """Regression: a fused Adam step writes the parameters without bumping their version
    counters, so nothing converted may be kept between calls, not even without gradients."""
    torch.manual_seed(4)
    layer = L.Bidirectional(L.GRU(4))
    x = torch.randn(3, 6, 2)
    layer(x)
    with torch.no_grad():
        before = layer(x)
    optimizer = torch.optim.Adam(layer.parameters(), lr=0.1, fused=fused or None)
    layer(x).square().sum().backward()
    optimizer.step()
    with torch.no_grad():
        after = layer(x)
    twin = L.Bidirectional(L.GRU(4))
    twin(x)
    twin.set_weights(layer.get_weights())
    twin.fused_weights = None  # converts at the call
    with torch.no_grad():
        torch.testing.assert_close(after, twin(x), rtol=0, atol=0)
    assert not torch.allclose(after, before)


@pytest.mark.parametrize("make", [lambda: L.LSTM(5, return_sequences=True),
                                  lambda: L.GRU(5, return_sequences=True),
                                  lambda: L.SimpleRNN(5, return_sequences=True),
                                  lambda: L.Bidirectional(L.GRU(5, return_sequences=True))])
@pytest.mark.parametrize("masked", [False, True])
def test_under_autocast_the_fused_kernel_computes_in_its_dtype(make, masked):
    """Keras computes a mixed-precision layer in its compute dtype; torch's own autocast would
    leave a GRU or a SimpleRNN in float32 on the CPU."""
    torch.manual_seed(5)
    layer = make()
    x = torch.randn(3, 7, 4)
    mask = torch.arange(7)[None, :] < torch.tensor([7, 5, 2])[:, None] if masked else None
    reference = layer(x, mask=mask)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = layer(x, mask=mask)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), reference, atol=0.05, rtol=0.05)
    out.float().square().sum().backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32
               for p in layer.trainable_weights)


@pytest.mark.parametrize("make", [lambda: L.LSTM(4), lambda: L.SimpleRNN(4),
                                  lambda: L.Bidirectional(L.LSTM(4, return_sequences=True))])
def test_the_layout_is_made_when_the_weights_get_their_storage(packed, make):
    """Built or moved, the parameters already have the strides a call gives them: a
    DistributedDataParallel wrapped around the model in between sizes its gradient buckets by
    them (a later change scrambled the first step's averaged gradients)."""
    model = sloi.Sequential([L.Input((5, 3)), make(), L.Dense(1)])
    layer = model.layers[0]

    def layout():
        return [(p.stride(), p.data_ptr()) for p in layer.trainable_weights]

    built = layout()
    first = layer.fused_weights.buffer  # held: a new buffer cannot take its address
    assert any(p.dim() == 2 and not p.is_contiguous() for p in layer.trainable_weights)
    model(torch.randn(2, 5, 3))
    assert layout() == built, "a call moved nothing"
    model.to(torch.float64)
    assert layout() != built and layer.fused_weights.buffer.dtype == torch.float64
    model.to(torch.float32)
    moved = layout()
    assert moved != built and layer.fused_weights.buffer.dtype == torch.float32
    assert all(p.untyped_storage().data_ptr() == layer.fused_weights.buffer.data_ptr()
               for p in layer.trainable_weights) and first is not layer.fused_weights.buffer
    model(torch.randn(2, 5, 3))
    assert layout() == moved


def test_ddp_averages_the_first_step_of_packed_weights_right(packed, tmp_path):
    """Regression: laid out at the first call, under a DistributedDataParallel that had sized
    its gradient buckets by the old strides, the packed weights got scrambled gradients in the
    first step (and with set_() none at all: DDP's hooks sat on the old gradient
    accumulators). One gloo process shows both."""
    import torch.distributed as dist

    torch.manual_seed(6)
    model = sloi.Sequential([L.Input((5, 3)), L.LSTM(4), L.Dense(1)])
    twin = sloi.Sequential([L.Input((5, 3)), L.LSTM(4), L.Dense(1)])
    twin.set_weights(model.get_weights())
    x, y = torch.randn(6, 5, 3), torch.randn(6, 1)
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0,
                            world_size=1)
    try:
        ddp = torch.nn.parallel.DistributedDataParallel(model)
        (ddp(x) - y).square().mean().backward()
    finally:
        dist.destroy_process_group()
    (twin(x) - y).square().mean().backward()
    for got, want in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(got.grad, want.grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", [n for n in CASES if "GRU" not in n])
def test_inference_off_cudnn_hands_over_views_of_the_parameters(name):
    """On the CPU, inference gives oneDNN the parameters' transposed views (no copies); with
    gradients it gets contiguous copies. Both give the same numbers."""
    torch.manual_seed(7)
    layer = CASES[name]()
    x = torch.randn(3, 6, 5)
    trained = layer(x)
    trained = trained[0] if isinstance(trained, (list, tuple)) else trained
    groups = ([layer.cell] if hasattr(layer, "cell") else
              [layer.forward_layer.cell, layer.backward_layer.cell])
    groups = [(c.kernel, c.recurrent_kernel, c.bias) for c in groups]
    mode = layer.fused_groups()[0]
    with torch.no_grad():
        weights, flat = layer.fused_weights.get(mode, groups)
        inferred = layer(x)
    inferred = inferred[0] if isinstance(inferred, (list, tuple)) else inferred
    assert not flat
    assert weights[0].data_ptr() == groups[0][0].data_ptr() and not weights[0].is_contiguous()
    torch.testing.assert_close(inferred, trained.detach(), rtol=1e-6, atol=1e-6)
    with torch.enable_grad():
        copies, _ = layer.fused_weights.get(mode, groups)
    assert copies[0].is_contiguous() and copies[0].data_ptr() != groups[0][0].data_ptr()


# ------------------------------------------------------------ a GRU's gather within predict
class _CountGathers(torch.overrides.TorchFunctionMode):
    """Counts the gathers of a GRU's torch-layout weights (``index_select``) while active."""

    def __init__(self):
        super().__init__()
        self.gathers = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func is torch.Tensor.index_select:
            self.gathers += 1
        return func(*args, **(kwargs or {}))


def _gru_model():
    model = sloi.Sequential([L.Input((5, 3)), L.GRU(4), L.Dense(2)])
    model.compile("adam", "mse")
    return model


def _batches(n):
    return np.random.default_rng(0).random((4 * n, 5, 3)).astype("float32")


def test_predict_gathers_a_gru_s_weights_once_a_loop_and_a_direct_call_every_time():
    model, x = _gru_model(), _batches(5)
    with _CountGathers() as counting:
        model.predict(x, batch_size=4, verbose=0)
    assert counting.gathers == 1  # 5 batches, one gather
    with _CountGathers() as counting, torch.no_grad():
        model(x[:4])
        model(x[:4])
    assert counting.gathers == 2  # outside predict, nothing is kept


def test_predict_after_training_uses_the_trained_weights():
    """fit's fused Adam writes the weights without bumping their versions: each predict is a
    loop of its own and gathers afresh."""
    model, x = _gru_model(), _batches(3)
    before = model.predict(x, batch_size=4, verbose=0)
    model.fit(x, np.ones((len(x), 2), "float32"), batch_size=4, epochs=2, verbose=0)
    after = model.predict(x, batch_size=4, verbose=0)
    twin = _gru_model()
    twin.set_weights(model.get_weights())
    assert np.abs(after - before).max() > 1e-3
    np.testing.assert_allclose(after, twin(torch.as_tensor(x)).detach().numpy(), atol=1e-6)


def test_weights_set_by_a_callback_during_predict_reach_the_next_batches():
    model, x = _gru_model(), _batches(3)
    other = _gru_model()

    class SwapWeights(sloi.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            if batch == 0:
                model.set_weights(other.get_weights())

    got = model.predict(x, batch_size=4, verbose=0, callbacks=[SwapWeights()])
    with torch.no_grad():
        np.testing.assert_allclose(got[4:], other(torch.as_tensor(x[4:])).numpy(), atol=1e-6)
