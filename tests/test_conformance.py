"""The conformance helper's own checks can fail: each optional check of ``run_layer_test`` is run
on a correct layer (passes) and on a layer broken in the one way that check watches (fails)."""

import keras
import numpy as np
import pytest

import sloi
from tests.conformance import assert_gradients_match_keras, run_layer_test

MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], bool)


class _DoubleGradDense(sloi.layers.Dense):
    """Dense's values, twice Dense's gradients."""

    def call(self, inputs):
        out = super().call(inputs)
        return out.detach() + 2 * (out - out.detach())


class _FrozenKernelDense(sloi.layers.Dense):
    """Dense's values, but its kernel gets no gradient."""

    def call(self, inputs):
        return inputs @ self.kernel.detach() + self.bias


class _BiasFreeDense(sloi.layers.Dense):
    """Dense without its bias: the bias never trains."""

    def call(self, inputs):
        return inputs @ self.kernel


class _NoLossDense(sloi.layers.Dense):
    @property
    def losses(self):
        return []


class _Float32Dense(sloi.layers.Dense):
    def call(self, inputs):
        return super().call(inputs).float()


class _MaskBlindPooling(sloi.layers.GlobalAveragePooling1D):
    def call(self, inputs, mask=None):
        return super().call(inputs)


def _dense(cls, **checks):
    run_layer_test(cls, {"units": 3, "kernel_regularizer": "l2", "activity_regularizer": "l1"},
                   (2, 4), (2, 3), 2, keras_layer_cls=keras.layers.Dense, **checks)


ALL_CHECKS = {"check_gradients": True, "check_training": True, "expected_num_losses": 2,
              "dtypes": ("float16", "bfloat16", "mixed_float16", "mixed_bfloat16")}


def test_every_check_passes_on_dense():
    _dense(sloi.layers.Dense, **ALL_CHECKS)


@pytest.mark.parametrize("cls,checks", [
    (_DoubleGradDense, {"check_gradients": True}),
    (_FrozenKernelDense, {"check_gradients": True}),
    (_BiasFreeDense, {"check_training": True}),
    (_NoLossDense, {"expected_num_losses": 2}),
    (_Float32Dense, {"dtypes": ("float16",)}),
    (_Float32Dense, {"dtypes": ("mixed_bfloat16",)}),
])
def test_each_check_catches_its_bug(cls, checks):
    _dense(sloi.layers.Dense, **checks)
    with pytest.raises(AssertionError):
        _dense(cls, **checks)
    assert sloi.mixed_precision.global_policy().name == "float32"
    assert keras.mixed_precision.global_policy().name == "float32"


def test_standalone_gradient_check_catches_a_wrong_gradient():
    x = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")
    assert_gradients_match_keras(sloi.layers.Dense, keras.layers.Dense, {"units": 3}, x)
    with pytest.raises(AssertionError):
        assert_gradients_match_keras(_DoubleGradDense, keras.layers.Dense, {"units": 3}, x)


@pytest.mark.parametrize("cls", [sloi.layers.GlobalAveragePooling1D, _MaskBlindPooling])
def test_mask_check_sees_a_layer_that_ignores_its_mask(cls):
    def run():
        run_layer_test(cls, {}, (2, 5, 4), (2, 4), keras_layer_cls=keras.layers
                       .GlobalAveragePooling1D, input_mask=MASK)
    if cls is _MaskBlindPooling:
        with pytest.raises(AssertionError):
            run()
    else:
        run()


def test_mask_check_on_a_recurrent_layer():
    run_layer_test(sloi.layers.LSTM, {"units": 3, "return_sequences": True}, (2, 5, 4),
                   (2, 5, 3), 3, keras_layer_cls=keras.layers.LSTM, input_mask=MASK,
                   check_gradients=True, check_training=True)


def test_activity_losses_are_those_of_the_last_call():
    layer = sloi.layers.Dense(3, activity_regularizer="l1")
    x = np.ones((2, 4), "float32")
    layer(x)
    layer(x)
    assert len(layer.losses) == 1


@pytest.mark.xfail(strict=True, reason="sloi's get_weights() fails on bfloat16 weights "
                   "(numpy has no bfloat16; Keras returns ml_dtypes arrays)", raises=TypeError)
def test_get_weights_of_a_bfloat16_layer():
    layer = sloi.layers.Dense(3, dtype="bfloat16")
    layer(np.ones((2, 4), "float32"))
    assert layer.get_weights()[0].shape == (4, 3)
