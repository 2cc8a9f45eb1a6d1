"""Model-level parity with Keras: build the same model with ``sloi`` and with ``keras``.

sloi mirrors Keras's module paths, so one builder function ``build(K)`` written against
``K.layers`` / ``K.Model`` / ``K.Sequential`` builds both. Then weights go from sloi to Keras
and the two must agree on names, shapes, parameter counts and outputs.
"""

import numpy as np
import torch

import sloi


def to_numpy(x):
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def build_both(builder):
    """``(sloi_model, keras_model)`` from ``builder(K)``, with Keras given sloi's weights."""
    import keras

    sloi.clear_session()
    ours = builder(sloi)
    keras.backend.clear_session()
    theirs = builder(keras)
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def assert_same_model(builder, inputs, atol=1e-5, check_names=True):
    """Build with both, compare structure and outputs on ``inputs``; return both models."""
    ours, theirs = build_both(builder)
    if check_names:
        assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers
    ]
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    with torch.no_grad():
        a = to_numpy(ours(inputs))
    b = to_numpy(theirs(inputs))
    _assert_close(a, b, atol)
    return ours, theirs


def _assert_close(a, b, atol):
    if isinstance(a, dict):
        assert set(a) == set(b)
        for k in a:
            _assert_close(a[k], b[k], atol)
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_close(x, y, atol)
    else:
        assert a.shape == b.shape, f"{a.shape} vs Keras {b.shape}"
        np.testing.assert_allclose(a, b, atol=atol, rtol=1e-5)
