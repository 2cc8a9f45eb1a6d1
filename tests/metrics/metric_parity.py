"""Run a sloi metric and a Keras metric on the same batches and compare what they report."""

import keras
import numpy as np
import torch

ATOL = 1e-6


def _torch(x):
    return None if x is None else torch.as_tensor(np.asarray(x))


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def assert_same_metric(ours, theirs, batches, rtol=1e-6, atol=ATOL):
    """Feed ``batches`` (tuples ``(y_true, y_pred)`` or ``(y_true, y_pred, sample_weight)``) to
    both metrics, compare results, reset, feed the first batch again and compare once more."""
    for step in range(2):
        for batch in batches if step == 0 else batches[:1]:
            y_true, y_pred, sample_weight = (tuple(batch) + (None,))[:3]
            ours.update_state(_torch(y_true), _torch(y_pred), sample_weight=_torch(sample_weight))
            theirs.update_state(y_true, y_pred, sample_weight=sample_weight)
        got, expected = ours.result(), _numpy(theirs.result())
        assert isinstance(got, torch.Tensor)
        assert tuple(got.shape) == tuple(np.shape(expected))
        np.testing.assert_allclose(got.numpy(), expected, rtol=rtol, atol=atol)
        ours.reset_state()
        theirs.reset_state()
        np.testing.assert_allclose(ours.result().numpy(), _numpy(theirs.result()), atol=atol)


def assert_same_function(ours, theirs, y_true, y_pred, atol=ATOL, **kwargs):
    """A per-sample function against Keras's: same values, same shape."""
    got = ours(_torch(y_true), _torch(y_pred), **kwargs)
    expected = _numpy(theirs(keras.ops.convert_to_tensor(y_true),
                             keras.ops.convert_to_tensor(y_pred), **kwargs))
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=atol)


def rng(seed=0):
    return np.random.default_rng(seed)


def assert_same_config(make):
    """``make(module)`` builds a metric from ``sloi`` or ``keras``: the same config and
    serialization as Keras's, and round trips through ``from_config`` and ``deserialize`` (both
    ways: Keras reads ours, we read Keras's)."""
    import types

    from sloi import metrics as M

    ours, theirs = make(types.SimpleNamespace(metrics=M)), make(keras)
    config = ours.get_config()
    assert config == theirs.get_config()
    assert type(ours).from_config(config).get_config() == config
    assert type(theirs).from_config(config).get_config() == config
    assert M.serialize(ours) == keras.metrics.serialize(theirs)
    again = M.deserialize(keras.metrics.serialize(theirs))
    assert type(again) is type(ours) and again.get_config() == config
