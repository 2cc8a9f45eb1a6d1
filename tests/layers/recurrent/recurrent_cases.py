"""Shared checks for SimpleRNN, LSTM and GRU: Keras parity on every argument that changes the
math, masks, fused-vs-loop agreement (values and gradients), states and errors."""

import functools

import keras
import numpy as np
import pytest
import torch

import sloi
from tests.conformance import assert_gradients_match_keras, run_layer_test

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
    """The fused kernel (torch's native one through autograd, and for GRU and SimpleRNN also
    the hand-written backward) and the written-out step loop give the same values and
    gradients."""
    make = functools.partial(getattr(sloi.layers, name), **kwargs)
    paths = ("fused", "loop") if name == "LSTM" else ("fused_backward", "fused", "loop")
    paths_agree(make, X, mask=mask, dtype=torch.float32, atol=1e-5, paths=paths)


def _force(layer, path):
    """Make ``layer`` (an RNN or a Bidirectional) take ``path``: "fused_backward" (the
    default where it applies), "fused" (torch's native kernel) or "loop"."""
    if path != "fused_backward":
        layer.fused_backward = False
    if path == "loop":
        for rnn in (layer.forward_layer, layer.backward_layer) if hasattr(
                layer, "forward_layer") else (layer,):
            rnn.cell.fused_spec = lambda: None
    return layer


def paths_agree(make, x, mask=None, initial_state=None, dtype=torch.float64, atol=1e-10,
                paths=("fused_backward", "fused", "loop")):
    """``make()`` built three times with the same weights, one per path, gives the same
    outputs (all of them: sequences, states) and the same gradients of a ramp-weighted loss
    with respect to the inputs, the initial states and every weight. Returns the layers."""
    torch.manual_seed(0)
    x = torch.as_tensor(x).to(dtype)
    m = None if mask is None else torch.as_tensor(mask)
    results, layers, weights = [], [], None
    for path in paths:
        layer = _force(make(), path)
        layer(x.float(), mask=m)  # build
        layer.to(dtype)
        if weights is None:
            weights = layer.get_weights()
        layer.set_weights(weights)
        xs = x.clone().requires_grad_()
        states = None if initial_state is None else [
            torch.as_tensor(s).to(dtype).requires_grad_() for s in initial_state]
        out = layer(xs, mask=m, initial_state=states)
        want = {"fused_backward": "fused_backward", "fused": "fused",
                "loop": "separate" if hasattr(layer, "forward_layer") else "loop"}[path]
        assert layer.last_path == want, (path, layer.last_path)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = sum((o * torch.linspace(-1, 1, o.numel(), dtype=dtype).reshape(o.shape)).sum()
                   for o in outs)
        leaves = [xs, *(states or []), *layer.trainable_weights]
        results.append([*outs, *torch.autograd.grad(loss, leaves)])
        layers.append(layer)
    for path, result in zip(paths[1:], results[1:]):
        for i, (got, want) in enumerate(zip(results[0], result)):
            torch.testing.assert_close(got, want, atol=atol, rtol=atol,
                                       msg=lambda m, i=i, p=path: f"{p}, tensor {i}: {m}")
    return layers


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


# ---------------------------------------------------------------------- the hand-written backward
# call variants: (layer arguments, mask, initial state given)
VARIANTS = {
    "sequences": ({"return_sequences": True}, None, False),
    "last output": ({}, None, False),
    "right-padded": ({"return_sequences": True}, RIGHT, False),
    "right-padded, last output": ({}, RIGHT, False),
    "go_backwards": ({"go_backwards": True, "return_sequences": True}, None, False),
    "initial and returned states": ({"return_state": True, "return_sequences": True}, None,
                                    True),
    "right-padded, states": ({"return_state": True}, RIGHT, True),
    "no bias": ({"use_bias": False, "return_sequences": True}, RIGHT, False),
}


def fused_backward_agrees(name, kwargs, variant, native=True):
    """The hand-written backward against torch's native kernel through autograd (where
    ``native``) and the step loop, float64, on one of ``VARIANTS``."""
    extra, mask, with_states = VARIANTS[variant]
    units = kwargs["units"]
    make = functools.partial(getattr(sloi.layers, name), bias_initializer="random_normal",
                             **{**kwargs, **extra})
    initial_state = [rng.standard_normal((3, units))] if with_states else None
    paths = ("fused_backward", "fused", "loop") if native else ("fused_backward", "loop")
    paths_agree(make, X, mask=mask, initial_state=initial_state, paths=paths)


def fused_backward_matches_keras(name, kwargs, mask=None):
    """Gradients of the layer on the hand-written backward equal Keras's (its torch backend)
    on the same weights, to 1e-5."""
    made = []

    def make(**kw):
        made.append(getattr(sloi.layers, name)(**kw))
        return made[-1]

    call = {} if mask is None else {"mask": torch.from_numpy(mask)}
    assert_gradients_match_keras(make, getattr(keras.layers, name), kwargs, X, **call)
    assert made[0].last_path == "fused_backward"


def check_cell_initial_state(name: str, units: int = 3) -> None:
    """``<name>Cell(units).get_initial_state(batch_size=2)``: a list of zero states shaped
    and typed as Keras's cell gives them (``StackedRNNCells`` nests a cell's states by it)."""
    ours = getattr(sloi.layers, f"{name}Cell")(units).get_initial_state(batch_size=2)
    theirs = getattr(keras.layers, f"{name}Cell")(units).get_initial_state(batch_size=2)
    assert isinstance(ours, list) and isinstance(theirs, list)
    assert [tuple(s.shape) for s in ours] == [tuple(s.shape) for s in theirs]
    assert [str(s.dtype) for s in ours] == [str(s.dtype) for s in theirs]
    assert all(not s.any() for s in ours)
