import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Conv1D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate", [
    (3, 1, 1), (4, 2, 1), (3, 3, 1), (3, 1, 2), (2, 1, 3),
])
def test_conv1d_padding_strides_dilation_match_keras(padding, kernel_size, strides,
                                                     dilation_rate):
    kwargs = {"filters": 4, "kernel_size": kernel_size, "strides": strides,
              "padding": padding, "dilation_rate": dilation_rate}
    expected = keras.layers.Conv1D(**kwargs).compute_output_shape((2, 11, 3))
    run_layer_test(
        Conv1D, kwargs, input_shape=(2, 11, 3), expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.Conv1D,
    )


@pytest.mark.parametrize("groups,padding,data_format", [
    (2, "same", "channels_last"), (1, "causal", "channels_first"), (4, "valid", "channels_first"),
])
def test_conv1d_groups_and_data_format_match_keras(groups, padding, data_format):
    kwargs = {"filters": 8, "kernel_size": 3, "padding": padding, "groups": groups,
              "data_format": data_format, "activation": "relu"}
    x_shape = (2, 9, 4) if data_format == "channels_last" else (2, 4, 9)
    expected = keras.layers.Conv1D(**kwargs).compute_output_shape(x_shape)
    layer, _ = run_layer_test(
        Conv1D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, keras_layer_cls=keras.layers.Conv1D,
    )
    assert layer.kernel.shape == (3, 4 // groups, 8)


def test_conv1d_causal_output_only_sees_the_past():
    layer = Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = torch.randn(1, 10, 3)
    y = layer(x)
    x2 = x.clone()
    x2[:, 6:] += 1.0  # changing the future must not change outputs before step 6
    torch.testing.assert_close(layer(x2)[:, :6], y[:, :6])
    assert not torch.allclose(layer(x2)[:, 6:], y[:, 6:])


def test_conv1d_output_is_contiguous_and_gradients_match_keras():
    kwargs = {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same"}
    x = np.random.default_rng(0).standard_normal((2, 9, 5)).astype("float32")
    ours, theirs = Conv1D(**kwargs), keras.layers.Conv1D(**kwargs)
    assert ours(x).is_contiguous()
    theirs(x)
    theirs.set_weights(ours.get_weights())
    grads = []
    for layer in (ours, theirs):
        xt = torch.tensor(x, requires_grad=True)
        (layer(xt) ** 2).sum().backward()
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-5)


def test_conv1d_errors():
    with pytest.raises(ValueError, match=r'Layer "conv1d" \(Conv1D\) expects inputs of rank 3 '
                                         r"\(batch, steps, channels\)"):
        Conv1D(2, 3)(sloi.Input(shape=(8, 8, 1)))
    with pytest.raises(ValueError, match=r"\(Conv1D\): kernel_size \(5,\) is larger than the "
                                         r"spatial size \(4,\).*\(None, 4, 2\)"):
        Conv1D(2, 5)(sloi.Input(shape=(4, 2)))
    assert Conv1D(2, 5, padding="causal")(sloi.Input(shape=(4, 2))).shape == (None, 4, 2)
