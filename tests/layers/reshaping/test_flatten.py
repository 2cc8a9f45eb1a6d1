import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Flatten
from tests.conformance import run_layer_test


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("shape, flat", [((2, 3, 4, 5), 60), ((2, 3, 4), 12), ((2, 7), 7)])
def test_flatten_conformance_and_keras_parity(data_format, shape, flat):
    run_layer_test(
        Flatten, {"data_format": data_format}, input_shape=shape,
        expected_output_shape=(2, flat), supports_masking=False,
        keras_layer_cls=keras.layers.Flatten,
    )


def test_flatten_channels_first_reads_values_in_channels_last_order():
    x = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)  # (b, c, h, w)
    out = Flatten(data_format="channels_first")(x)
    np.testing.assert_array_equal(out.numpy(), x.permute(0, 2, 3, 1).reshape(2, -1).numpy())


def test_flatten_rank1_input_gets_a_feature_axis_as_in_keras():
    out = Flatten()(torch.arange(3.0))
    assert tuple(out.shape) == (3, 1)
    assert Flatten()(sloi.Input(batch_shape=(None,))).shape == (None, 1)


def test_flatten_unknown_sizes_give_none():
    assert Flatten()(sloi.Input(shape=(None, 4))).shape == (None, None)
    model = sloi.Model(inp := sloi.Input(shape=(None, 4)), Flatten()(inp))
    assert tuple(model(np.zeros((2, 5, 4), "float32")).shape) == (2, 20)


def test_flatten_default_data_format_is_channels_last_and_is_validated():
    assert Flatten().get_config()["data_format"] == "channels_last"
    with pytest.raises(ValueError, match=r'Layer "flatten.*" \(Flatten\): data_format'):
        Flatten(data_format="nhwc")


def test_flatten_keeps_an_empty_batch():
    assert tuple(Flatten()(torch.zeros(0, 3, 4)).shape) == (0, 12)
