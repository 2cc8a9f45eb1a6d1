import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import initializers
from sloi.layers import EinsumDense
from tests.conformance import assert_gradients_match_keras, run_layer_test

CASES = [
    # equation, output_shape, bias_axes, input_shape, output, kernel shape, bias shape
    ("ab,bc->ac", 4, None, (2, 3), (2, 4), (3, 4), None),
    ("ab,bc->ac", 4, "c", (2, 3), (2, 4), (3, 4), (4,)),
    ("abc,cd->abd", (None, 4), "d", (2, 5, 3), (2, 5, 4), (3, 4), (4,)),
    ("abc,cde->abde", (None, 2, 4), "de", (2, 5, 3), (2, 5, 2, 4), (3, 2, 4), (2, 4)),
    ("abcd,cde->abe", (5, 4), "e", (2, 5, 2, 3), (2, 5, 4), (2, 3, 4), (4,)),
    ("abc,cde->abde", (5, 2, 4), "b", (2, 5, 3), (2, 5, 2, 4), (3, 2, 4), None),
    ("...b,bc->...c", 4, "c", (2, 5, 3), (2, 5, 4), (3, 4), (4,)),
    ("ab...,bc->ac...", 4, "c", (2, 3, 6), (2, 4, 6), (3, 4), (4, 1)),
]


@pytest.mark.parametrize("equation, output_shape, bias_axes, shape, out, kernel, bias", CASES)
def test_einsum_dense_conformance_and_keras_parity(equation, output_shape, bias_axes, shape, out,
                                                    kernel, bias):
    if equation == "abc,cde->abde" and bias_axes == "b":
        bias = (5, 1, 1)
    kwargs = {"equation": equation, "output_shape": output_shape, "bias_axes": bias_axes,
              "activation": "relu"}
    layer, _ = run_layer_test(
        EinsumDense, {**kwargs, "bias_initializer": initializers.RandomNormal(seed=1)},
        input_shape=shape, expected_output_shape=out,
        expected_num_trainable_weights=1 + (bias is not None),
        keras_layer_cls=keras.layers.EinsumDense,
        keras_init_kwargs={**kwargs, "bias_initializer": keras.initializers.RandomNormal()})
    weights = layer.get_weights()
    assert weights[0].shape == kernel
    if bias is not None:
        assert weights[1].shape == bias


def test_einsum_dense_is_dense_written_out_and_gradients_match_keras():
    x = np.random.default_rng(0).standard_normal((4, 5, 3)).astype("float32")
    layer = EinsumDense("abc,cde->abde", (None, 2, 4), bias_axes="de",
                        bias_initializer=initializers.RandomNormal(seed=2))
    out = layer(x).detach().numpy()
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, np.einsum("abc,cde->abde", x, kernel) + bias, atol=1e-5)
    assert_gradients_match_keras(EinsumDense, keras.layers.EinsumDense, {
        "equation": "abc,cde->abde", "output_shape": (None, 2, 4), "bias_axes": "de"}, x)


def test_einsum_dense_kernel_fans_come_from_the_equation():
    # glorot over (dim=30, heads=2, channels=50): fan_in 30, fan_out 100 -> limit sqrt(6/130)
    layer = EinsumDense("abc,cde->abde", (None, 2, 50))
    layer.build((None, 7, 30))
    limit = np.sqrt(6 / 130)
    kernel = layer.get_weights()[0]
    assert kernel.max() <= limit and kernel.max() > 0.9 * limit
    assert layer.get_config()["kernel_initializer"]["config"]["input_axes"] is None


def test_einsum_dense_carries_every_axis_of_the_ellipsis_in_order():
    layer = EinsumDense("...b,bc->...c", 4, bias_axes="c")
    x = torch.randn(2, 3, 5, 6)
    out = layer(x)
    kernel, bias = layer.get_weights()
    assert tuple(out.shape) == layer.compute_output_shape((2, 3, 5, 6)) == (2, 3, 5, 4)
    np.testing.assert_allclose(out.detach().numpy(), x.numpy() @ kernel + bias, atol=1e-5)


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match=r'Layer "einsum_dense" \(EinsumDense\): equation must '
                                         r"read"):
        EinsumDense("ab->b", 3)
    with pytest.raises(ValueError, match=r"bias axis 'x' is not an output axis"):
        EinsumDense("ab,bc->ac", 4, bias_axes="x")(sloi.Input(shape=(3,)))
    with pytest.raises(ValueError, match=r"axis 'b' has size 5 in the input of shape "
                                         r"\(None, 5, 3\) but 6 in output_shape"):
        EinsumDense("abc,cd->abd", (6, 4))(sloi.Input(shape=(5, 3)))
    with pytest.raises(ValueError, match=r"equation 'ab,bc->ac' names 2 input axes; the input "
                                         r"has shape \(None, 5, 3\)"):
        EinsumDense("ab,bc->ac", 4)(sloi.Input(shape=(5, 3)))
    with pytest.raises(ValueError, match=r"lora_rank \(LoRA / quantization\) is not supported"):
        EinsumDense("ab,bc->ac", 4, lora_rank=2)
    with pytest.raises(ValueError, match=r"output_shape must be an int or a tuple"):
        EinsumDense("ab,bc->ac", "4")


def test_einsumdense_config_keys_and_values_are_keras():
    kwargs = {'equation': 'ab,bc->ac', 'output_shape': 3, 'bias_axes': 'c'}
    ours, theirs = EinsumDense(**kwargs).get_config(), keras.layers.EinsumDense(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
