import keras
import numpy as np
import pytest
import torch

from sloi.layers import Discretization
from tests.conformance import run_layer_test

BOUNDS = [-1.0, 0.0, 0.5, 2.0]


@pytest.mark.parametrize("mode, shape, out", [
    ("int", (3, 4), (3, 4)), ("int", (2, 3, 4), (2, 3, 4)), ("one_hot", (3, 4), (3, 4, 5)),
    ("one_hot", (3, 1), (3, 5)), ("multi_hot", (3, 4), (3, 5)), ("count", (3, 4), (3, 5)),
    ("count", (2, 3, 4), (2, 4, 5)),
])
def test_discretization_conformance_and_keras_parity(mode, shape, out):
    run_layer_test(Discretization, {"bin_boundaries": BOUNDS, "output_mode": mode},
                   input_shape=shape, expected_output_shape=out,
                   keras_layer_cls=keras.layers.Discretization)


def test_output_dtypes_and_edges_as_keras():
    x = np.array([[-3.0, -1.0, 0.0, 0.49, 0.5, 2.0, 7.0]], dtype="float32")
    for mode in ("int", "count"):
        ours = Discretization(bin_boundaries=BOUNDS, output_mode=mode)(x)
        theirs = keras.layers.Discretization(bin_boundaries=BOUNDS, output_mode=mode)(x)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.cpu().numpy())
    # a value on a boundary goes to the bucket above it
    assert Discretization(bin_boundaries=BOUNDS)(x).tolist() == [[0, 1, 2, 2, 3, 4, 4]]
    ints = np.array([[-2, 0, 1, 3]])
    np.testing.assert_array_equal(Discretization(bin_boundaries=BOUNDS)(ints).numpy(),
                                  keras.layers.Discretization(bin_boundaries=BOUNDS)(ints)
                                  .cpu().numpy())


def _keras_adapt(layer, batches):
    """Keras's adapt() without its first line (a tf.data check that needs TensorFlow): the
    same update_state / finalize_state calls, Keras's own code."""
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


@pytest.mark.parametrize("num_bins, epsilon", [(4, 0.01), (3, 0.1), (7, 0.001)])
def test_adapt_equals_keras(num_bins, epsilon):
    rng = np.random.default_rng(num_bins)
    data = rng.standard_normal((200, 3)).astype("float32")
    ours = Discretization(num_bins=num_bins, epsilon=epsilon)
    theirs = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    ours.adapt(data)
    _keras_adapt(theirs, [data])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    assert len(ours.bin_boundaries) == num_bins - 1
    # batches (steps= stops early), and a tensor, give Keras's boundaries too
    batches = [data[:70], data[70:150], data[150:]]
    ours.adapt(batches, steps=2)
    _keras_adapt(theirs, batches[:2])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    ours.adapt(torch.from_numpy(data))
    _keras_adapt(theirs, [data])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    x = rng.standard_normal((4, 3)).astype("float32")
    np.testing.assert_array_equal(ours(x).numpy(), theirs(x).cpu().numpy())


def test_adapted_config_round_trip_keeps_boundaries():
    layer = Discretization(num_bins=3)
    layer.adapt(np.arange(30, dtype="float32"))
    config = layer.get_config()
    assert config.keys() == keras.layers.Discretization(num_bins=3).get_config().keys()
    clone = Discretization.from_config(config)
    assert clone.bin_boundaries == layer.bin_boundaries and clone.num_bins == 3


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"\(Discretization\).*either `num_bins`"):
        Discretization()
    with pytest.raises(ValueError, match=r"\(Discretization\).*not both"):
        Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match=r"\(Discretization\).*`output_mode`"):
        Discretization(bin_boundaries=[0.0], output_mode="tf_idf")
    with pytest.raises(ValueError, match=r"\(Discretization\).*`sparse=True`"):
        Discretization(bin_boundaries=[0.0], sparse=True)
    with pytest.raises(ValueError, match=r"\(Discretization\).*`num_bins`"):
        Discretization(num_bins=-1)
    with pytest.raises(ValueError, match=r"\(Discretization\).*sorted"):
        Discretization(bin_boundaries=[1.0, 0.0])
    with pytest.raises(ValueError, match=r"\(Discretization\).*adapt"):
        Discretization(num_bins=3)(np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match=r"\(Discretization\).*num_bins= to adapt"):
        Discretization(bin_boundaries=[0.0]).adapt(np.zeros(3))
