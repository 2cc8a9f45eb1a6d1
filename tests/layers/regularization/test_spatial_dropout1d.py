import keras
import pytest
import torch

import sloi
from sloi.layers import Masking, SpatialDropout1D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.0}, {"rate": 0.3, "seed": 3}])
def test_spatial_dropout1d_conformance_and_keras_parity_in_inference(kwargs):
    # In inference both are the identity: the parity check compares those outputs.
    layer, _ = run_layer_test(
        SpatialDropout1D, kwargs, input_shape=(2, 5, 4), expected_output_shape=(2, 5, 4),
        supports_masking=True, keras_layer_cls=keras.layers.SpatialDropout1D,
    )
    assert "noise_shape" not in layer.get_config()


def test_spatial_dropout1d_drops_whole_channels_in_training():
    rate = 0.3
    x = torch.randn(400, 12, 50)
    out = SpatialDropout1D(rate)(x, training=True)
    dropped = out == 0
    # one draw per (sample, channel): the same at every step
    assert torch.equal(dropped, dropped[:, :1, :].expand_as(dropped))
    fraction = dropped[:, 0, :].float().mean().item()
    assert abs(fraction - rate) < 0.025  # 20,000 draws: 5 standard deviations is ~0.016
    torch.testing.assert_close(out[~dropped], x[~dropped] / (1 - rate))


def test_spatial_dropout1d_follows_training_mode_and_keeps_the_mask():
    x = torch.randn(8, 6, 10)
    layer = SpatialDropout1D(0.5)
    assert layer(x) is x  # inference by default, as in Keras
    layer.train()
    assert (layer(x) == 0).any()
    s_in = sloi.Input(shape=(6, 10))
    out = SpatialDropout1D(0.5)(Masking()(s_in))
    assert out._keras_mask is not None  # the mask passes through, as in Keras


def test_spatial_dropout1d_seed_makes_masks_reproducible():
    x = torch.ones(20, 5, 30)
    a, b = SpatialDropout1D(0.5, seed=11), SpatialDropout1D(0.5, seed=11)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))  # a new mask each call


def test_spatial_dropout1d_errors():
    with pytest.raises(ValueError, match=r'"spatial_dropout1d" \(SpatialDropout1D\) expects '
                                         r"inputs of rank 3 \(batch, steps, channels\); got shape "
                                         r"\(None, 10\)"):
        SpatialDropout1D(0.5)(sloi.Input(shape=(10,)))
    with pytest.raises(ValueError, match=r'Layer "spatial_dropout1d_1" \(SpatialDropout1D\): rate '
                                         r"must be a number between 0 and 1; got rate=1.5"):
        SpatialDropout1D(1.5)
    with pytest.raises(TypeError, match=r"noise_shape"):
        SpatialDropout1D(0.5, noise_shape=(None, 1, 4))  # fixed by the layer, as in Keras
