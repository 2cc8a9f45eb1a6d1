"""Shared check: sloi and Keras optimizers take the same steps from the same weights."""

import keras
import numpy as np
import pytest
import torch

SHAPES = [(4, 3), (3,), (2, 2, 2)]


def gradient_sequence(steps=5, shapes=SHAPES, scale=1.0, seed=0):
    """`(initial weights, [per-step gradient lists])` as float32 numpy arrays."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(s).astype("float32") for s in shapes]
    grads = [
        [(scale * rng.standard_normal(s)).astype("float32") for s in shapes]
        for _ in range(steps)
    ]
    return weights, grads


def keras_weights(keras_optimizer, weights, grads):
    """Weights after `keras_optimizer.apply` on each gradient list."""
    variables = [keras.Variable(w) for w in weights]
    for step in grads:
        keras_optimizer.apply([keras.ops.convert_to_tensor(g) for g in step], variables)
    return [keras.ops.convert_to_numpy(v.value) for v in variables]


def sloi_weights(optimizer, weights, grads):
    """Weights after setting `.grad` and calling `optimizer.step()` on each gradient list."""
    params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    optimizer.build(params)
    for step in grads:
        optimizer.zero_grad()
        for p, g in zip(params, step):
            p.grad = torch.tensor(g)
        optimizer.step()
    return [p.detach().numpy() for p in params]


def assert_same_steps(ours, theirs, steps=5, scale=1.0, atol=1e-6, update_rtol=None, seed=0):
    """Runs both optimizers on one gradient sequence and compares the weights to `atol`.

    With `update_rtol`, the weight changes are compared with that relative tolerance instead:
    Keras computes Adam-type bias corrections in float32, where `beta_2 = 0.999` rounds so that
    `1 - beta_2**t` is off by 1.3e-5 at t = 1 (torch computes them in float64). With a large
    learning rate that shows in the weights as a ~6e-6 relative difference of the steps.
    """
    weights, grads = gradient_sequence(steps, scale=scale, seed=seed)
    expected = keras_weights(theirs, weights, grads)
    got = sloi_weights(ours, weights, grads)
    for w, a, b in zip(weights, got, expected):
        if update_rtol is None:
            np.testing.assert_allclose(a, b, rtol=0, atol=atol)
        else:
            np.testing.assert_allclose(a - w, b - w, rtol=update_rtol, atol=atol)
    assert ours.iterations == steps
    return got


def assert_config_round_trip(ours, theirs):
    """Keras's config keys in Keras's order; `from_config` and `deserialize(serialize())`
    give the same config back; sloi reads Keras's own serialized optimizer."""
    from sloi import optimizers

    config = ours.get_config()
    assert list(config) == list(theirs.get_config())
    assert type(ours).from_config(config).get_config() == config
    again = optimizers.deserialize(optimizers.serialize(ours))
    assert type(again) is type(ours) and again.get_config() == config
    from_keras = optimizers.deserialize(keras.optimizers.serialize(theirs)).get_config()
    for key, value in theirs.get_config().items():
        if isinstance(value, float):
            assert from_keras[key] == pytest.approx(value, rel=1e-6), key
        elif key != "name":
            assert from_keras[key] == value, key


def assert_state_round_trip(factory, steps=6, shapes=SHAPES, seed=0):
    """Steps halfway, stores the state as sloi's saving does (safetensors + JSON, checked
    against the weights), loads it into a fresh optimizer before `build`, and finishes: the
    weights equal those of an uninterrupted run exactly."""
    from sloi.saving import optimizer_state

    weights, grads = gradient_sequence(steps, shapes=shapes, seed=seed)
    expected = sloi_weights(factory(), weights, grads)
    half = steps // 2
    first = factory()
    halfway = sloi_weights(first, weights, grads[:half])
    tensors, text = optimizer_state.to_bytes(first.state_dict())
    state = optimizer_state.from_bytes(tensors, text, "test")
    optimizer_state.check_against(
        factory, state, [torch.zeros(w.shape) for w in weights], "test"
    )
    second = factory()
    second.load_state_dict(state)
    got = sloi_weights(second, halfway, grads[half:])
    assert second.iterations == steps
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
