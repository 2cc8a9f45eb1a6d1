"""sloi.activations against keras.activations (torch backend) on the same inputs."""

import keras
import numpy as np
import pytest
import torch

from sloi import activations

ATOL = 1e-6


def _input(shape=(4, 6, 8), scale=4.0, dtype=torch.float32):
    # Wide range so every piece of the piecewise functions (|x| > 3, > 6, ...) is exercised.
    gen = torch.Generator().manual_seed(1234)
    return (torch.randn(shape, generator=gen) * scale).to(dtype)


def _keras(fn, x, **kwargs):
    # Keras gets its own copy of the input; both results are compared as numpy arrays.
    return np.asarray(fn(x.clone(), **kwargs).detach().cpu().numpy())


CASES = [
    ("relu", {}),
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 3.0}),
    ("relu", {"max_value": 6.0}),
    ("relu", {"threshold": 1.0}),
    ("relu", {"threshold": -1.5}),
    ("relu", {"negative_slope": 0.3, "threshold": 1.0}),
    ("relu", {"negative_slope": 0.1, "max_value": 6.0, "threshold": -1.0}),
    ("relu", {"negative_slope": 0.2, "max_value": 2.5}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("softmax", {}),
    ("softmax", {"axis": 0}),
    ("softmax", {"axis": 1}),
    ("softmax", {"axis": (0, 2)}),
    ("softmax", {"axis": None}),
    ("log_softmax", {}),
    ("log_softmax", {"axis": 1}),
    ("linear", {}),
    ("exponential", {}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("selu", {}),
    ("celu", {}),
    ("celu", {"alpha": 2.0}),
    ("softplus", {}),
    ("softsign", {}),
    ("silu", {}),
    ("swish", {}),
    ("gelu", {}),
    ("gelu", {"approximate": True}),
    ("hard_sigmoid", {}),
    ("hard_silu", {}),
    ("hard_swish", {}),
    ("hard_tanh", {}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.01}),
    ("relu6", {}),
    ("mish", {}),
    ("log_sigmoid", {}),
    ("tanh_shrink", {}),
    ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 1.5}),
    ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.5}),
    ("threshold", {"threshold": 0.5, "default_value": -2.0}),
    ("squareplus", {}),
    ("squareplus", {"b": 1}),
    ("sparse_plus", {}),
    ("sparse_sigmoid", {}),
    ("glu", {}),
    ("glu", {"axis": 1}),
    ("sparsemax", {}),
    ("sparsemax", {"axis": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_keras(name, kwargs):
    x = _input()
    ours = getattr(activations, name)(x, **kwargs)
    theirs = _keras(getattr(keras.activations, name), x, **kwargs)
    assert isinstance(ours, torch.Tensor)
    assert ours.dtype == torch.float32
    assert tuple(ours.shape) == theirs.shape
    np.testing.assert_allclose(ours.numpy(), theirs, atol=ATOL, rtol=1e-6)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "gelu", "elu", "selu",
                                  "softplus", "silu", "hard_sigmoid", "mish", "exponential"])
def test_float64_matches_keras_and_keeps_dtype(name):
    x = _input(scale=3.0, dtype=torch.float64)
    ours = getattr(activations, name)(x)
    assert ours.dtype == torch.float64
    np.testing.assert_allclose(ours.numpy(), _keras(getattr(keras.activations, name), x),
                               atol=1e-12, rtol=1e-12)


def test_hard_sigmoid_is_keras3_definition():
    x = torch.tensor([-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0])
    expected = torch.clamp(x / 6 + 0.5, 0, 1)  # Keras 3, not Keras 2's 0.2 * x + 0.5
    torch.testing.assert_close(activations.hard_sigmoid(x), expected)


def test_every_keras_builtin_is_known():
    from keras.src.activations import ALL_OBJECTS_DICT

    for name in ALL_OBJECTS_DICT:
        assert callable(activations.get(name)), name


def test_get_none_is_linear():
    assert activations.get(None) is activations.linear


def test_get_by_name_and_aliases():
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu


def test_get_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match="'relux'") as info:
        activations.get("relux")
    assert "relu" in str(info.value) and "softmax" in str(info.value)


def test_get_callable_passes_through():
    def custom(x):
        return x * 2

    assert activations.get(custom) is custom
    assert activations.get(torch.tanh) is torch.tanh


def test_get_dict_forms():
    keras_form = keras.saving.serialize_keras_object(keras.activations.relu)
    assert activations.get(keras_form) is activations.relu
    assert activations.get({"class_name": "function", "config": "gelu"}) is activations.gelu
    assert activations.get({"class_name": "softmax", "config": {}}) is activations.softmax
    with pytest.raises(ValueError, match="nope"):
        activations.get({"class_name": "function", "config": "nope"})


def test_get_rejects_non_callables():
    with pytest.raises(ValueError):
        activations.get(3)


@pytest.mark.parametrize("name", ["relu", "silu", "swish", "hard_silu", "hard_swish", "gelu",
                                  "linear", "softmax", "leaky_relu", "selu", "mish",
                                  "hard_sigmoid", "exponential", "log_softmax"])
def test_serialize_matches_keras(name):
    ours = activations.serialize(getattr(activations, name))
    assert ours == keras.activations.serialize(getattr(keras.activations, name))
    assert activations.get(ours) is activations.get(name)


def test_serialize_custom():
    def my_activation(x):
        return x

    class Scaled:
        def __init__(self, k):
            self.k = k

        def __call__(self, x):
            return self.k * x

        def get_config(self):
            return {"k": self.k}

    assert activations.serialize(my_activation) == "my_activation"
    assert activations.serialize(Scaled(2)) == {"class_name": "Scaled", "config": {"k": 2}}
    assert activations.deserialize("my_activation", {"my_activation": my_activation}) \
        is my_activation


def test_gradients_flow():
    x = _input().requires_grad_()
    for name in ["relu", "gelu", "softmax", "elu", "mish", "hard_sigmoid"]:
        x.grad = None
        activations.get(name)(x).sum().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all(), name


def test_relu_with_options_gradient_matches_keras():
    x = _input()
    kwargs = {"negative_slope": 0.1, "max_value": 6.0, "threshold": 1.0}
    ours = x.clone().requires_grad_()
    activations.relu(ours, **kwargs).sum().backward()
    theirs = x.clone().requires_grad_()
    keras.activations.relu(theirs, **kwargs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=ATOL)
