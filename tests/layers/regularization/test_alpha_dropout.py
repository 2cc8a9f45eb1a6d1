import keras
import pytest
import torch

from sloi.layers import AlphaDropout
from tests.conformance import run_layer_test

_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.0},
                                    {"rate": 0.2, "seed": 3, "noise_shape": (None, 1, 4)}])
def test_alpha_dropout_conformance_and_keras_parity_in_inference(kwargs):
    run_layer_test(AlphaDropout, kwargs, input_shape=(2, 5, 4), expected_output_shape=(2, 5, 4),
                   supports_masking=True, keras_layer_cls=keras.layers.AlphaDropout)


def test_alpha_dropout_keeps_selu_statistics_in_training():
    rate = 0.2
    x = torch.randn(400, 500)  # zero mean, unit variance, as after SELU
    out = AlphaDropout(rate)(x, training=True)
    assert abs(out.mean().item()) < 0.01
    assert abs(out.var().item() - 1.0) < 0.02
    # every output is a * x + b (kept) or a * alpha' + b (dropped), with Keras's a and b
    a = ((1 - rate) * (1 + rate * _ALPHA_P**2)) ** -0.5
    b = -a * _ALPHA_P * rate
    dropped_value = a * _ALPHA_P + b
    dropped = torch.isclose(out, torch.tensor(dropped_value), atol=1e-6)
    assert abs(dropped.float().mean().item() - rate) < 0.01
    torch.testing.assert_close(out[~dropped], a * x[~dropped] + b)
    keras_out = keras.layers.AlphaDropout(rate)(x, training=True).cpu()
    assert abs(out.var().item() - keras_out.var().item()) < 0.03


def test_alpha_dropout_noise_shape_and_seed():
    x = torch.randn(50, 6, 8)
    out = AlphaDropout(0.5, noise_shape=(None, 1, 8), seed=4)(x, training=True)
    again = AlphaDropout(0.5, noise_shape=(None, 1, 8), seed=4)(x, training=True)
    assert torch.equal(out, again)
    a = ((0.5) * (1 + 0.5 * _ALPHA_P**2)) ** -0.5
    dropped = torch.isclose(out, torch.tensor(a * _ALPHA_P - a * _ALPHA_P * 0.5), atol=1e-6)
    assert torch.equal(dropped, dropped[:, :1, :].expand_as(dropped))  # same at every step


def test_alpha_dropout_errors():
    with pytest.raises(ValueError, match=r'Layer "alpha_dropout" \(AlphaDropout\): rate must be '
                                         r"a number between 0 and 1; got rate=2"):
        AlphaDropout(2)
    with pytest.raises(ValueError, match=r"rate=1 drops every unit"):
        AlphaDropout(1.0)(torch.ones(2, 3), training=True)


def test_alphadropout_config_keys_and_values_are_keras():
    kwargs = {'rate': 0.1}
    ours, theirs = AlphaDropout(**kwargs).get_config(), keras.layers.AlphaDropout(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
