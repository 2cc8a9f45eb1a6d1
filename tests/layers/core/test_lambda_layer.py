import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dense, Lambda
from tests.conformance import run_layer_test


def _square(x):
    return x**2


def _scale(x, factor=1.0, shift=0.0):
    return x * factor + shift


def _first_two_steps(x):
    return x[:, :2]


def _sum_pair(xs):
    return xs[0] + xs[1]


def _pair_shape(input_shape):
    return input_shape[0]


def test_lambda_conformance_and_keras_parity_with_inferred_shape():
    run_layer_test(
        Lambda, {"function": _square}, input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
        supports_masking=False, keras_layer_cls=keras.layers.Lambda,
    )


def test_lambda_arguments_are_passed_as_keywords():
    run_layer_test(
        Lambda, {"function": _scale, "arguments": {"factor": 3.0, "shift": -1.0}},
        input_shape=(2, 5), expected_output_shape=(2, 5), keras_layer_cls=keras.layers.Lambda,
    )


def test_lambda_inferred_shape_follows_the_function():
    run_layer_test(
        Lambda, {"function": _first_two_steps}, input_shape=(2, 6, 3),
        expected_output_shape=(2, 2, 3), keras_layer_cls=keras.layers.Lambda,
    )


def test_lambda_declared_output_shape_tuple_excludes_the_batch():
    run_layer_test(
        Lambda, {"function": _first_two_steps, "output_shape": (2, 3)}, input_shape=(2, 6, 3),
        expected_output_shape=(2, 2, 3), keras_layer_cls=keras.layers.Lambda,
    )


def test_lambda_output_shape_as_function_of_the_full_input_shape():
    a, b = sloi.Input(shape=(4,)), sloi.Input(shape=(4,))
    out = Lambda(_sum_pair, output_shape=_pair_shape)([a, b])
    assert out.shape == (None, 4)
    ka, kb = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    assert tuple(keras.layers.Lambda(_sum_pair, output_shape=_pair_shape)([ka, kb]).shape) == (
        None, 4)


def test_lambda_declared_output_shape_is_used_without_running_the_function():
    calls = []

    def spy(x):
        calls.append(x.device.type)
        return x

    out = Lambda(spy, output_shape=(7,))(sloi.Input(shape=(7,)))
    assert out.shape == (None, 7) and calls == []
    Lambda(spy)(sloi.Input(shape=(7,)))
    assert calls and set(calls) == {"meta"}  # run on meta tensors only


def test_lambda_inferred_dtype_and_unknown_sizes():
    x = sloi.Input(shape=(None, 5))
    ids = Lambda(lambda t: t.argmax(-1))(x)
    assert ids.shape == (None, None) and ids.dtype == torch.int64
    flat = Lambda(lambda t: t.reshape(t.shape[0], -1))(x)
    assert flat.shape == (None, None)


def test_lambda_in_a_sequential_model_matches_keras():
    model = sloi.Sequential([sloi.Input(shape=(3,)), Dense(4), Lambda(_square)])
    kmodel = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4),
                               keras.layers.Lambda(_square)])
    kmodel.set_weights(model.get_weights())
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    np.testing.assert_allclose(model(x).detach().numpy(),
                               kmodel(x).detach().cpu().numpy(), atol=1e-5)


def test_lambda_gets_mask_and_training_when_it_asks_for_them():
    seen = {}

    def fn(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    layer = Lambda(fn)
    x = torch.ones(2, 3, 4)
    x._keras_mask = torch.tensor([[True, True, False], [True, False, False]])
    layer(x, training=True)
    assert torch.equal(seen["mask"], x._keras_mask) and seen["training"] is True
    layer(torch.ones(2, 3, 4))
    assert seen["mask"] is None and seen["training"] is False


def test_lambda_mask_callable_and_constant():
    x = torch.ones(2, 3)
    keep_first = Lambda(_square, mask=lambda inputs, mask: inputs[:, 0] > 0)
    assert keep_first.supports_masking
    np.testing.assert_array_equal(keep_first(x)._keras_mask.numpy(), [True, True])
    constant = torch.tensor([True, False])
    assert torch.equal(Lambda(_square, mask=constant)(x)._keras_mask, constant)
    assert not Lambda(_square).supports_masking
    assert getattr(Lambda(_square)(x), "_keras_mask", None) is None


def test_lambda_config_names_the_function_and_round_trips_in_process():
    layer = Lambda(_scale, output_shape=(5,), arguments={"factor": 2.0})
    config = layer.get_config()
    assert config["function"] == f"{__name__}._scale"
    assert config["output_shape"] == (5,) and config["arguments"] == {"factor": 2.0}
    clone = Lambda.from_config(config)
    assert clone.function is _scale
    config["output_shape"] = [5]  # as a JSON round trip leaves it
    assert Lambda.from_config(config).compute_output_shape((None, 5)) == (None, 5)


def test_lambda_from_config_refuses_lambdas_unless_given():
    config = Lambda(lambda t: t + 1, name="plus_one").get_config()
    assert config["function"].endswith("<lambda>")
    with pytest.raises(ValueError, match=r'Lambda layer "plus_one": cannot rebuild its function'):
        Lambda.from_config(config)
    clone = Lambda.from_config(config, custom_objects={"<lambda>": _square})
    assert clone.function is _square


def test_lambda_from_config_never_resolves_arbitrary_importable_functions():
    config = Lambda(_square).get_config()
    config["function"] = "os.remove"
    with pytest.raises(ValueError, match='cannot rebuild its function "os.remove"'):
        Lambda.from_config(config)


def test_lambda_refuses_a_non_callable():
    with pytest.raises(TypeError, match=r'Layer "lambda" \(Lambda\): function must be callable'):
        Lambda(3)
