import keras
import pytest
import torch

import sloi
from sloi.layers import GaussianNoise
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [{"stddev": 0.5}, {"stddev": 0.0}, {"stddev": 0.2, "seed": 3}])
def test_gaussian_noise_conformance_and_keras_parity_in_inference(kwargs):
    # In inference both are the identity: the parity check compares those outputs.
    run_layer_test(GaussianNoise, kwargs, input_shape=(2, 5, 4), expected_output_shape=(2, 5, 4),
                   supports_masking=True, keras_layer_cls=keras.layers.GaussianNoise)


def test_gaussian_noise_statistics_in_training():
    x = torch.full((200, 500), 3.0)
    noise = GaussianNoise(0.4)(x, training=True) - x
    # 100,000 draws: the mean's standard error is 0.4 / 316 ~ 0.0013
    assert abs(noise.mean().item()) < 0.007
    assert abs(noise.std().item() - 0.4) < 0.005
    keras_noise = keras.layers.GaussianNoise(0.4)(x, training=True).cpu() - x
    assert abs(noise.std().item() - keras_noise.std().item()) < 0.006


def test_gaussian_noise_follows_training_mode_and_seed():
    x = torch.zeros(30, 40)
    layer = GaussianNoise(0.3, seed=7)
    assert layer(x) is x
    layer.train()
    first = layer(x)
    assert not torch.equal(first, x)
    assert torch.equal(first, GaussianNoise(0.3, seed=7)(x, training=True))  # same seed
    assert not torch.equal(first, layer(x))  # new noise each call
    assert not torch.equal(first, GaussianNoise(0.3, seed=8)(x, training=True))
    out = GaussianNoise(0.3)(sloi.layers.Masking()(sloi.Input(shape=(6, 10))))
    assert out._keras_mask is not None


def test_gaussian_noise_errors():
    with pytest.raises(ValueError, match=r'Layer "gaussian_noise" \(GaussianNoise\): stddev must '
                                         r"be a number between 0 and 1; got stddev=1.5"):
        GaussianNoise(1.5)


def test_gaussiannoise_config_keys_and_values_are_keras():
    kwargs = {'stddev': 0.1, 'seed': 2}
    ours, theirs = GaussianNoise(**kwargs).get_config(), keras.layers.GaussianNoise(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
