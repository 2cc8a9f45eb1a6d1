"""Shared checks for SimpleRNN, LSTM and GRU: Keras parity on every argument that changes the
math, masks, fused-vs-loop agreement (values and gradients), states and errors."""

import functools

import keras
import numpy as np
import pytest
import torch

import sloi
from tests.conformance import run_layer_test

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 7, 5)).astype("float32")
RIGHT = np.ones((3, 7), bool)
RIGHT[0, 5:] = False
RIGHT[1, 2:] = False
LEFT = RIGHT[:, ::-1].copy()


def run_and_path(layer, *args, **kwargs):
    """``layer(*args, **kwargs)`` and the way it ran, told by public behaviour: an RNN's step loop
    calls its cell's ``call`` ("loop"; the fused kernel never does: "fused"); a Bidirectional's
    separate path calls its ``forward_layer`` ("separate"; the fused one does not: "fused")."""
    separate = hasattr(layer, "forward_layer")
    target = layer.forward_layer if separate else layer.cell
    original, calls = target.call, []

    @functools.wraps(original)  # the same signature: the layer reads it (``training``)
    def spy(*a, **k):
        calls.append(1)
        return original(*a, **k)

    target.call = spy
    try:
        out = layer(*args, **kwargs)
    finally:
        del target.call
    return out, ("separate" if separate else "loop") if calls else "fused"


def keras_twin(layer, keras_cls, kwargs, x=X):
    """The same layer in Keras, with sloi's weights."""
    theirs = keras_cls(**kwargs)
    theirs(x)
    theirs.set_weights(layer.get_weights())
    return theirs


def as_list(out):
    return [o.detach().numpy() if isinstance(o, torch.Tensor) else np.asarray(o)
            for o in (out if isinstance(out, (list, tuple)) else [out])]


def assert_matches_keras(name, kwargs, mask=None, x=X, path=None):
    ours = getattr(sloi.layers, name)(**kwargs)
    out, taken = run_and_path(ours, x, mask=None if mask is None else torch.from_numpy(mask))
    if path is not None:
        assert taken == path
    theirs = keras_twin(ours, getattr(keras.layers, name), kwargs, x)
    expected = theirs(x, mask=mask)
    for a, b in zip(as_list(out), as_list(expected)):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    return ours


def conformance(name, units, state_count):
    cls = getattr(sloi.layers, name)
    for kwargs, shape in [({"units": units}, (3, units)),
                          ({"units": units, "return_sequences": True}, (3, 7, units))]:
        run_layer_test(cls, kwargs, input_shape=(3, 7, 5), expected_output_shape=shape,
                       expected_num_trainable_weights=3, supports_masking=True,
                       keras_layer_cls=getattr(keras.layers, name), input_mask=RIGHT,
                       check_gradients=True, check_training=True)
    run_layer_test(cls, {"units": units, "return_state": True}, input_shape=(3, 7, 5),
                   expected_output_shape=[(3, units)] * (1 + state_count),
                   expected_num_trainable_weights=3, keras_layer_cls=getattr(keras.layers, name))


def fused_equals_loop(name, kwargs, mask=None):
    """The fused kernel and the written-out step loop give the same values and gradients."""
    torch.manual_seed(0)
    fused = getattr(sloi.layers, name)(**kwargs)
    x = torch.from_numpy(X).requires_grad_()
    m = None if mask is None else torch.from_numpy(mask)
    out, taken = run_and_path(fused, x, mask=m)
    assert taken == "fused"
    loop = getattr(sloi.layers, name)(**kwargs)
    loop(X)
    loop.set_weights(fused.get_weights())
    loop.cell.fused_spec = lambda: None  # force the step loop
    x2 = torch.from_numpy(X).requires_grad_()
    out2, taken = run_and_path(loop, x2, mask=m)
    assert taken == "loop"
    torch.testing.assert_close(out, out2, atol=1e-5, rtol=1e-5)
    (out * torch.linspace(-1, 1, out.numel()).reshape(out.shape)).sum().backward()
    (out2 * torch.linspace(-1, 1, out2.numel()).reshape(out2.shape)).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, atol=1e-5, rtol=1e-5)
    for p, q in zip(fused.trainable_weights, loop.trainable_weights):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-5, rtol=1e-5)


def errors(name):
    cls = getattr(sloi.layers, name)
    with pytest.raises(ValueError, match=rf'\({name}\) expects inputs of rank 3 \(batch, '
                                         r"timesteps, features\); got shape \(None, 10\)"):
        cls(4)(sloi.Input(shape=(10,)))
    layer = cls(4)
    with pytest.raises(ValueError, match=r"expects initial_state to be .* tensor\(s\) of shapes "
                                         r"\[\(3, 4\).*got 1 of shapes \[\(3, 5\)\]"):
        layer(X, initial_state=[torch.zeros(3, 5)])
    with pytest.raises(ValueError, match=r"expects a mask of shape \(batch, timesteps\) = "
                                         r"\(3, 7\); got \(3, 6\)"):
        layer(X, mask=torch.ones(3, 6, dtype=torch.bool))
    with pytest.raises(ValueError, match="is stateful, so it needs a fixed batch size"):
        cls(4, stateful=True)(sloi.Input(shape=(7, 5)))
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\); got 1.5"):
        cls(4, dropout=1.5)


def stateful_carries_states(name):
    x = sloi.Input(batch_shape=(3, 7, 5))
    layer = getattr(sloi.layers, name)(4, stateful=True)
    model = sloi.Model(x, layer(x))
    whole = getattr(sloi.layers, name)(4)
    whole(X)
    whole.set_weights(layer.get_weights())
    first = model(np.ascontiguousarray(X))
    second = model(np.ascontiguousarray(X))
    doubled = whole(np.concatenate([X, X], axis=1))
    torch.testing.assert_close(second, doubled, atol=1e-5, rtol=1e-5)
    layer.reset_states()
    torch.testing.assert_close(model(X), first)
