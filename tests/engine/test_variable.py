"""``sloi.Variable``: Keras 3's Variable as a torch Parameter."""

import copy

import numpy as np
import pytest
import torch

import sloi


def test_a_variable_from_an_initializer_or_a_value_matches_keras():
    import keras

    for args, kwargs in [(("ones", (2, 3)), {"name": "w"}), (([1, 2],), {"trainable": False}), ((0.5,), {}),
                         ((np.zeros((2,), "float64"),), {}), (("zeros", (3,)),
                                                              {"dtype": "int32",
                                                               "trainable": False})]:
        ours, theirs = sloi.Variable(*args, **kwargs), keras.Variable(*args, **kwargs)
        assert ours.dtype == theirs.value.dtype and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs.numpy()))


def test_a_variable_is_a_parameter_that_trains_and_assigns():
    v = sloi.Variable("ones", (2,), name="v")
    module = torch.nn.Module()
    module.v = v
    assert [name for name, _ in module.named_parameters()] == ["v"]
    (v * 3).sum().backward()
    torch.testing.assert_close(v.grad, torch.full((2,), 3.0))
    v.assign([4.0, 5.0])
    v.assign_add(1.0)
    v.assign_sub(np.array([0.5, 0.5], "float32"))
    np.testing.assert_array_equal(v.numpy(), [4.5, 5.5])
    assert not sloi.Variable([1.0], trainable=False).requires_grad
    assert type(copy.deepcopy(v)) is sloi.Variable and copy.deepcopy(v).name == "v"


def test_a_variables_value_carries_gradients_as_in_keras():
    import keras

    grads = []
    for lib in (keras, sloi):
        v = lib.Variable([1.0, 2.0])
        (v.value * v.value).sum().backward()
        grads.append(np.asarray(v.value.grad))
    np.testing.assert_array_equal(grads[1], grads[0])


def test_bad_variables_are_refused():
    with pytest.raises(ValueError, match="needs a shape"):
        sloi.Variable("ones")
    with pytest.raises(ValueError, match=r"shape \(2,\) is not the given shape \(3,\)"):
        sloi.Variable([1.0, 2.0], shape=(3,))
    with pytest.raises(ValueError, match="synchronization='on_read' is not supported"):
        sloi.Variable(1.0, synchronization="on_read")


def test_name_scopes_make_paths_as_in_keras():
    import keras

    with sloi.name_scope("block"), sloi.name_scope("inner"):
        ours = sloi.Variable(1.0, name="w")
    with keras.name_scope("block"), keras.name_scope("inner"):
        theirs = keras.Variable(1.0, name="w")
    assert ours.path == theirs.path == "block/inner/w"
    with sloi.name_scope("a"), sloi.name_scope("a"):
        assert sloi.Variable(1.0, name="x").path == "a/x"


def test_device_scope_places_new_tensors():
    with sloi.device("cpu"):
        assert sloi.ops.ones((2,)).device.type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"), sloi.device("gpu:0"):
            pass


def test_top_level_names():
    assert isinstance(sloi.Input((2,)), sloi.KerasTensor)
    assert issubclass(sloi.Operation, sloi.Layer)
    assert sloi.version() == sloi.__version__
    assert sloi.Loss is sloi.losses.Loss and sloi.Metric is sloi.metrics.Metric
    assert sloi.Optimizer is sloi.optimizers.Optimizer
    assert sloi.Initializer is sloi.initializers.Initializer
    assert sloi.Regularizer is sloi.regularizers.Regularizer


def test_remat_gives_the_same_values_and_gradients():
    layer = sloi.layers.Dense(3)
    x = torch.randn(4, 2, requires_grad=True)
    plain = layer(x).sum()
    (g_plain,) = torch.autograd.grad(plain, x)
    again = sloi.remat(layer)(x).sum()
    (g_remat,) = torch.autograd.grad(again, x)
    torch.testing.assert_close(again, plain)
    torch.testing.assert_close(g_remat, g_plain)
