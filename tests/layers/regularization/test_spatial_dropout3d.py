import keras
import pytest
import torch

import sloi
from sloi.layers import SpatialDropout3D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.3, "seed": 3},
                                    {"rate": 0.3, "data_format": "channels_first"}])
def test_spatial_dropout3d_conformance_and_keras_parity_in_inference(kwargs):
    layer, _ = run_layer_test(SpatialDropout3D, kwargs, input_shape=(2, 3, 4, 2, 3),
                              expected_output_shape=(2, 3, 4, 2, 3), supports_masking=True,
                              keras_layer_cls=keras.layers.SpatialDropout3D)
    assert layer.get_config()["data_format"] == kwargs.get("data_format", "channels_last")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_spatial_dropout3d_drops_whole_channels_in_training(data_format):
    rate = 0.4
    last = data_format == "channels_last"
    x = torch.randn(100, 3, 3, 3, 40) if last else torch.randn(100, 40, 3, 3, 3)
    out = SpatialDropout3D(rate, data_format=data_format)(x, training=True)
    dropped = out == 0
    spatial = (1, 2, 3) if last else (2, 3, 4)
    per_channel = dropped.all(dim=spatial)
    assert torch.equal(per_channel, dropped.any(dim=spatial))
    assert abs(per_channel.float().mean().item() - rate) < 0.03
    torch.testing.assert_close(out[~dropped], x[~dropped] / (1 - rate))


def test_spatial_dropout3d_errors():
    with pytest.raises(ValueError, match=r'"spatial_dropout3d" \(SpatialDropout3D\) expects '
                                         r"inputs of rank 5 \(batch, depth, height, width, "
                                         r"channels\)"):
        SpatialDropout3D(0.5)(sloi.Input(shape=(10, 3, 3)))
