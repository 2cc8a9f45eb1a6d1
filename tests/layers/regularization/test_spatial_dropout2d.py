import keras
import pytest
import torch

import sloi
from sloi.layers import SpatialDropout2D, SpatialDropout3D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.3, "seed": 3},
                                    {"rate": 0.3, "data_format": "channels_first"}])
def test_spatial_dropout2d_conformance_and_keras_parity_in_inference(kwargs):
    layer, _ = run_layer_test(SpatialDropout2D, kwargs, input_shape=(2, 5, 4, 3),
                              expected_output_shape=(2, 5, 4, 3), supports_masking=True,
                              keras_layer_cls=keras.layers.SpatialDropout2D)
    config = layer.get_config()
    assert "noise_shape" not in config
    assert config["data_format"] == kwargs.get("data_format", "channels_last")


@pytest.mark.parametrize("data_format, channel_axis", [("channels_last", 3),
                                                       ("channels_first", 1)])
def test_spatial_dropout2d_drops_whole_channels_in_training(data_format, channel_axis):
    rate = 0.3
    x = torch.randn(200, 6, 6, 50) if channel_axis == 3 else torch.randn(200, 50, 6, 6)
    out = SpatialDropout2D(rate, data_format=data_format)(x, training=True)
    dropped = out == 0
    spatial = (1, 2) if channel_axis == 3 else (2, 3)
    per_channel = dropped.all(dim=spatial)
    assert torch.equal(per_channel, dropped.any(dim=spatial))  # all or nothing per channel
    assert abs(per_channel.float().mean().item() - rate) < 0.025
    torch.testing.assert_close(out[~dropped], x[~dropped] / (1 - rate))


def test_spatial_dropout2d_seed_and_errors():
    x = torch.ones(10, 4, 4, 20)
    first = SpatialDropout2D(0.5, seed=2)(x, training=True)
    assert torch.equal(first, SpatialDropout2D(0.5, seed=2)(x, training=True))
    with pytest.raises(ValueError, match=r'"spatial_dropout2d_2" \(SpatialDropout2D\) expects '
                                         r"inputs of rank 4 \(batch, height, width, channels\)"):
        SpatialDropout2D(0.5)(sloi.Input(shape=(10, 3)))
    with pytest.raises(ValueError, match=r'\(SpatialDropout2D\): `data_format` must be'):
        SpatialDropout2D(0.5, data_format="channels_middle")
    with pytest.raises(ValueError, match=r'\(SpatialDropout3D\): `data_format` must be'):
        SpatialDropout3D(0.5, data_format="nhwc")


def test_spatial_dropout2d_noise_shape_is_fixed_by_the_layer():
    with pytest.raises(TypeError, match=r"noise_shape"):
        SpatialDropout2D(0.5, noise_shape=(None, 1, 1, 4))
    with pytest.raises(TypeError, match=r"noise_shape"):
        SpatialDropout3D(0.5, noise_shape=(None, 1, 1, 1, 4))


@pytest.mark.parametrize("sloi_cls, keras_cls", [(SpatialDropout2D, keras.layers.SpatialDropout2D),
                                                 (SpatialDropout3D, keras.layers.SpatialDropout3D)])
def test_spatial_dropout_config_keys_are_keras(sloi_cls, keras_cls):
    assert set(sloi_cls(0.2, seed=1).get_config()) == set(keras_cls(0.2, seed=1).get_config())
