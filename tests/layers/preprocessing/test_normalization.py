import keras
import numpy as np
import pytest
import torch

from sloi.layers import Normalization
from tests.conformance import run_layer_test

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("kwargs, shape, weights", [
    ({}, (3, 4), 3), ({"axis": (1, 2)}, (2, 3, 4), 3), ({"axis": None}, (3, 4), 3),
    ({"axis": -1, "invert": True}, (2, 3, 4), 3),
    ({"mean": [1.0, 2.0, 3.0, 4.0], "variance": [1.0, 4.0, 9.0, 0.25]}, (3, 4), 0),
    ({"mean": 2.0, "variance": 3.0, "axis": (1, 2)}, (2, 3, 4), 0),
    ({"mean": [[1.0] * 4] * 3, "variance": [[2.0] * 4] * 3, "axis": (1, 2), "invert": True},
     (2, 3, 4), 0),
])
def test_normalization_conformance_and_keras_parity(kwargs, shape, weights):
    run_layer_test(Normalization, kwargs, input_shape=shape, expected_output_shape=shape,
                   expected_num_non_trainable_weights=weights, supports_masking=True,
                   keras_layer_cls=keras.layers.Normalization)


def _adapted_pair(data, **kwargs):
    ours, theirs = Normalization(**kwargs), keras.layers.Normalization(**kwargs)
    ours.adapt(data)
    theirs.adapt(data)
    return ours, theirs


def _check_same(ours, theirs, x, atol=1e-6):
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=atol)
    np.testing.assert_allclose(ours(x).numpy(), theirs(x).cpu().numpy(), rtol=1e-5, atol=atol)


@pytest.mark.parametrize("axis", [-1, (1, 2), None, 1])
def test_adapt_on_numpy_and_tensor_equals_keras(axis):
    data = RNG.standard_normal((20, 3, 4)).astype("float32") * 3 + 1
    x = RNG.standard_normal((2, 3, 4)).astype("float32")
    _check_same(*_adapted_pair(data, axis=axis), x)
    _check_same(*_adapted_pair(torch.from_numpy(data), axis=axis), x)


def _merged_statistics(batches):
    """Keras's batch-by-batch merge written out (Keras's own adapt() on an iterable checks
    for tf.data first, so it cannot run without TensorFlow)."""
    mean = var = np.zeros(batches[0].shape[1:], "float32")
    total = 0
    for b in batches:
        total += len(b)
        w = np.float32(len(b) / total)
        new_mean = mean * (1 - w) + b.mean(0) * w
        var = (var + (mean - new_mean) ** 2) * (1 - w) + (b.var(0) + (b.mean(0) - new_mean) ** 2) * w
        mean = new_mean
    return mean, var


def test_adapt_on_batches_merges_as_keras():
    batches = [RNG.standard_normal((n, 5)).astype("float32") * 2 - 1 for n in (4, 7, 1, 6)]
    ours = Normalization()
    ours.adapt(batches)
    mean, var = _merged_statistics(batches)
    np.testing.assert_allclose(ours.get_weights()[0], mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.get_weights()[1], var, rtol=1e-5, atol=1e-6)
    # (x, y) tuples, as a DataLoader yields them, use x; a generator works too
    gen = ((b, np.zeros(len(b))) for b in batches)
    again = Normalization()
    again.adapt(gen)
    np.testing.assert_allclose(again.get_weights()[0], ours.get_weights()[0], rtol=1e-6)
    # the merged statistics are those of all the data at once
    whole = np.concatenate(batches)
    np.testing.assert_allclose(ours.get_weights()[0], whole.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.get_weights()[1], whole.var(0), rtol=1e-5, atol=1e-6)


def test_invert_undoes_normalization():
    data = RNG.standard_normal((30, 3)).astype("float32") * 4 + 2
    norm, inv = Normalization(), Normalization(invert=True)
    norm.adapt(data)
    inv.adapt(data)
    np.testing.assert_allclose(inv(norm(data)).numpy(), data, rtol=1e-5, atol=1e-5)


def test_config_round_trip_and_keys():
    layer = Normalization(mean=np.array([1.0, 2.0]), variance=np.array([3.0, 4.0]))
    config = layer.get_config()
    assert config["mean"] == [1.0, 2.0] and config["axis"] == (-1,)
    assert config.keys() == keras.layers.Normalization(mean=[1.0, 2.0], variance=[3.0, 4.0]
                                                        ).get_config().keys()
    assert Normalization.from_config({**config, "axis": [-1]}).axis == (-1,)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"\(Normalization\).*both `mean` and `variance`"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match=r"\(Normalization\).*same shape"):
        Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match=r"\(Normalization\).*axis \(3,\) is out of range"):
        Normalization(axis=3)(np.zeros((2, 3), "float32"))
    layer = Normalization()
    layer.adapt(np.zeros((4, 3), "float32"))
    with pytest.raises(ValueError, match=r"\(Normalization\) was built for.*\(4, 5\)"):
        layer.adapt(np.zeros((4, 5), "float32"))
    with pytest.raises(ValueError, match=r"\(Normalization\).*empty"):
        Normalization().adapt([])
    with pytest.raises(ValueError, match=r"\(Normalization\) was given its mean"):
        Normalization(mean=0.0, variance=1.0).adapt(np.zeros((2, 2)))
