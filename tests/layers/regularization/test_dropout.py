import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dense, Dropout
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [
    {"rate": 0.5}, {"rate": 0.0}, {"rate": 0.3, "noise_shape": (None, 1, 4), "seed": 3},
])
def test_dropout_conformance_and_keras_parity_in_inference(kwargs):
    # In inference both are the identity: the parity check compares those outputs.
    run_layer_test(
        Dropout, kwargs, input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
        supports_masking=True, keras_layer_cls=keras.layers.Dropout,
    )


@pytest.mark.parametrize("kwargs", [{}, {"seed": 7}, {"noise_shape": (None, 400)}])
def test_dropout_training_statistics(kwargs):
    rate = 0.3
    x = torch.ones(500, 400)
    out = Dropout(rate, **kwargs)(x, training=True)
    dropped = (out == 0).float().mean().item()
    assert abs(dropped - rate) < 0.01  # 200,000 draws: 5 standard deviations is ~0.005
    kept = out[out != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, 1 / (1 - rate)))


def test_dropout_is_identity_in_inference_and_follows_train_mode():
    x = torch.randn(64, 32)
    layer = Dropout(0.5)
    assert layer(x) is x
    assert layer(x, training=False) is x
    layer.train()
    assert (layer(x) == 0).any()
    model = sloi.Sequential([sloi.Input(shape=(32,)), Dropout(0.5)])
    np.testing.assert_array_equal(model(x).numpy(), x.numpy())
    model.train()
    assert (model(x) == 0).any()


def test_dropout_noise_shape_shares_the_mask_along_broadcast_axes():
    x = torch.randn(8, 10, 6)
    out = Dropout(0.5, noise_shape=(None, 1, 6), seed=1)(x, training=True)
    zero = out == 0
    assert torch.equal(zero, zero[:, :1, :].expand_as(zero))  # same mask at every time step
    assert zero.any() and (~zero).any()
    torch.testing.assert_close(out[~zero], x[~zero] * 2)


def test_dropout_noise_shape_must_fit_the_input():
    with pytest.raises(ValueError, match=(
            r'Layer "dropout" \(Dropout\): noise_shape \(None, 3, 6\) does not broadcast to the '
            r"input of shape \(None, 10, 6\)")):
        Dropout(0.5, noise_shape=(None, 3, 6))(sloi.Input(shape=(10, 6)))
    with pytest.raises(ValueError, match=r"noise_shape \(None, 6\) has 2 axes; the input has "
                                         r"shape \(None, 10, 6\)"):
        Dropout(0.5, noise_shape=(None, 6))(sloi.Input(shape=(10, 6)))
    with pytest.raises(ValueError, match=r"noise_shape entries must be positive ints or None"):
        Dropout(0.5, noise_shape=(None, 0))
    with pytest.raises(ValueError, match=r"noise_shape must be a tuple"):
        Dropout(0.5, noise_shape="(None, 1)")


def test_dropout_seed_makes_masks_reproducible_and_varying():
    x = torch.ones(50, 40)
    a, b = Dropout(0.5, seed=42), Dropout(0.5, seed=42)
    first_a, first_b = a(x, training=True), b(x, training=True)
    assert torch.equal(first_a, first_b)
    second_a = a(x, training=True)
    assert torch.equal(second_a, b(x, training=True))
    assert not torch.equal(first_a, second_a)  # a new mask each call
    assert not torch.equal(first_a, Dropout(0.5, seed=43)(x, training=True))


def test_dropout_rate_one_drops_everything_as_in_keras():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    ours = Dropout(1.0)(x, training=True).numpy()
    theirs = keras.layers.Dropout(1.0)(x, training=True).detach().cpu().numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert not ours.any()


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5", None])
def test_dropout_rate_must_be_in_zero_one(rate):
    with pytest.raises(ValueError, match=r'Layer "dropout" \(Dropout\): rate must be a number '
                                         r"between 0 and 1"):
        Dropout(rate)


def test_dropout_gradient_is_the_mask_scaled():
    x = torch.randn(20, 30, requires_grad=True)
    out = Dropout(0.25, seed=0)(x, training=True)
    out.sum().backward()
    expected = (out != 0).float() / 0.75
    torch.testing.assert_close(x.grad, expected)


def test_dropout_in_a_functional_model_trains_with_fit_semantics():
    inp = sloi.Input(shape=(16,))
    out = Dense(16, kernel_initializer="identity")(Dropout(0.5)(inp))
    model = sloi.Model(inp, out)
    x = torch.ones(4, 16)
    torch.testing.assert_close(model(x), x)
    assert (model(x, training=True) == 0).any()
