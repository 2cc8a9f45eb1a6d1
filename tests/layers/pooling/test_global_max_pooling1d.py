import warnings

import keras
import numpy as np
import pytest

import sloi
from sloi.layers import GlobalMaxPool1D, GlobalMaxPooling1D, Masking
from tests.conformance import run_layer_test


@pytest.mark.parametrize("data_format,keepdims,expected", [
    ("channels_last", False, (2, 3)),
    ("channels_last", True, (2, 1, 3)),
    ("channels_first", False, (2, 5)),
    ("channels_first", True, (2, 5, 1)),
])
def test_global_max_pooling1d_matches_keras(data_format, keepdims, expected):
    run_layer_test(
        GlobalMaxPooling1D, {"data_format": data_format, "keepdims": keepdims},
        input_shape=(2, 5, 3), expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.GlobalMaxPooling1D,
    )


def test_global_max_pooling1d_written_out_and_alias():
    assert GlobalMaxPool1D is GlobalMaxPooling1D
    x = np.random.default_rng(0).standard_normal((2, 6, 3)).astype("float32")
    np.testing.assert_allclose(GlobalMaxPooling1D()(x).detach().numpy(), x.max(axis=1))
    assert GlobalMaxPooling1D()(sloi.Input(shape=(None, 20))).shape == (None, 20)


def test_global_max_pooling1d_ignores_the_mask_as_keras_does():
    # Keras 3 warns that GlobalMaxPooling1D does not support masking and takes the maximum over
    # every step, masked ones included: the zeros Masking leaves win over negative values.
    x = -1.0 - np.random.default_rng(1).random((2, 5, 3)).astype("float32")
    x[0, 3:] = 0.0  # padding steps
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras's "does not support masking" warning
        inputs = keras.Input(shape=(5, 3))
        masked = keras.layers.Masking()(inputs)
        k_model = keras.Model(inputs, keras.layers.GlobalMaxPooling1D()(masked))
        expected = k_model(x).detach().numpy()
    s_in = sloi.Input(shape=(5, 3))
    s_out = GlobalMaxPooling1D()(Masking()(s_in))
    assert s_out._keras_mask is None
    ours = sloi.Model(s_in, s_out)(x).detach().numpy()
    np.testing.assert_allclose(ours, expected)
    np.testing.assert_array_equal(ours[0], 0.0)


def test_global_max_pooling1d_errors():
    with pytest.raises(ValueError, match=r'"global_max_pooling1d" \(GlobalMaxPooling1D\) expects '
                                         r"inputs of rank 3 \(batch, steps, channels\)"):
        GlobalMaxPooling1D()(sloi.Input(shape=(8, 8, 2)))
    with pytest.raises(ValueError, match=r"GlobalMaxPooling1D\): `data_format` must be"):
        GlobalMaxPooling1D(data_format="ncw")
