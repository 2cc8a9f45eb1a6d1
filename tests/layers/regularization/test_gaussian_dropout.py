import math

import keras
import pytest
import torch

from sloi.layers import GaussianDropout
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.0}, {"rate": 0.2, "seed": 3}])
def test_gaussian_dropout_conformance_and_keras_parity_in_inference(kwargs):
    run_layer_test(GaussianDropout, kwargs, input_shape=(2, 5, 4),
                   expected_output_shape=(2, 5, 4), supports_masking=True,
                   keras_layer_cls=keras.layers.GaussianDropout)


def test_gaussian_dropout_statistics_in_training():
    rate = 0.3
    x = torch.full((200, 500), 2.0)
    factor = GaussianDropout(rate)(x, training=True) / x
    assert abs(factor.mean().item() - 1.0) < 0.01
    assert abs(factor.std().item() - math.sqrt(rate / (1 - rate))) < 0.01
    keras_factor = keras.layers.GaussianDropout(rate)(x, training=True).cpu() / x
    assert abs(factor.std().item() - keras_factor.std().item()) < 0.015


def test_gaussian_dropout_seed_makes_noise_reproducible():
    x = torch.ones(20, 30)
    a, b = GaussianDropout(0.4, seed=5), GaussianDropout(0.4, seed=5)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))
    assert a(x) is x


def test_gaussian_dropout_errors():
    with pytest.raises(ValueError, match=r'Layer "gaussian_dropout" \(GaussianDropout\): rate must '
                                         r"be a number between 0 and 1; got rate=-0.1"):
        GaussianDropout(-0.1)


def test_gaussiandropout_config_keys_and_values_are_keras():
    kwargs = {'rate': 0.1}
    ours, theirs = GaussianDropout(**kwargs).get_config(), keras.layers.GaussianDropout(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
