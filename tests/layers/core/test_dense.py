import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dense
from tests.conformance import run_layer_test


def test_dense_trains_regularizes_and_runs_in_half_precision_as_keras():
    run_layer_test(
        Dense, {"units": 3, "kernel_regularizer": "l2", "bias_regularizer": "l1",
                "activity_regularizer": "l2"},
        input_shape=(2, 5, 4), expected_output_shape=(2, 5, 3), expected_num_trainable_weights=2,
        keras_layer_cls=keras.layers.Dense, check_gradients=True, check_training=True,
        expected_num_losses=3, input_mask=np.array([[1, 1, 0, 0, 1], [1, 1, 1, 1, 1]], bool),
        dtypes=("float16", "bfloat16"),
    )
    run_layer_test(
        Dense, {"units": 3}, input_shape=(2, 4), expected_output_shape=(2, 3),
        expected_num_trainable_weights=2, keras_layer_cls=keras.layers.Dense,
        dtypes=("float16", "bfloat16", "mixed_float16", "mixed_bfloat16"),
    )


def test_dense_rank3_output_dtype_under_mixed_float16_is_keras():
    run_layer_test(
        Dense, {"units": 3}, input_shape=(2, 5, 4), expected_output_shape=(2, 5, 3),
        expected_num_trainable_weights=2, keras_layer_cls=keras.layers.Dense,
        dtypes=("mixed_float16",),
    )


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax"])
def test_dense_conformance_and_keras_parity(activation):
    run_layer_test(
        Dense, {"units": 5, "activation": activation}, input_shape=(4, 3),
        expected_output_shape=(4, 5), expected_num_trainable_weights=2,
        supports_masking=True, keras_layer_cls=keras.layers.Dense,
    )


def test_dense_rank3_and_no_bias():
    run_layer_test(
        Dense, {"units": 2, "use_bias": False}, input_shape=(2, 7, 3),
        expected_output_shape=(2, 7, 2), expected_num_trainable_weights=1,
        keras_layer_cls=keras.layers.Dense,
    )


def test_dense_weight_layout_is_keras():
    layer = Dense(4)
    layer(np.zeros((1, 3), "float32"))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 4) and bias.shape == (4,)
    assert not bias.any()
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(layer(x).detach().numpy(), x @ kernel + bias, atol=1e-6)


def test_dense_glorot_uniform_bounds():
    layer = Dense(300)
    layer(np.zeros((1, 200), "float32"))
    limit = np.sqrt(6 / (200 + 300))
    kernel = layer.get_weights()[0]
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.9 * limit


def test_dense_rank1_input_is_refused_with_shapes():
    with pytest.raises(ValueError, match=r'Layer "dense" \(Dense\) expects inputs of rank 2 or more'):
        Dense(3)(sloi.Input(batch_shape=(5,)))


def test_dense_wrong_feature_size_after_build():
    layer = Dense(3)
    layer(torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"size 4 on axis -1.*got shape \(2, 5\)"):
        layer(torch.zeros(2, 5))


def test_dense_rejects_bad_units():
    with pytest.raises(ValueError, match=r"Dense\): `units` must be a positive integer; got 0 \(int\)"):
        Dense(0)
