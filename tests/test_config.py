"""``sloi.config`` and ``sloi.backend``: Keras 3's settings, each one honoured where Keras
honours it, compared with Keras itself."""

import logging

import numpy as np
import pytest
import torch

import sloi


@pytest.fixture(autouse=True)
def _restore_settings():
    import keras

    saved = (sloi.config.floatx(), sloi.config.epsilon(), sloi.config.image_data_format(),
             sloi.config.max_epochs(), sloi.config.max_steps_per_epoch())
    yield
    floatx, epsilon, data_format, max_epochs, max_steps = saved
    for module in (sloi.config, keras.config):
        module.set_floatx(floatx)
        module.set_epsilon(epsilon)
        module.set_image_data_format(data_format)
        module.set_max_epochs(max_epochs)
        module.set_max_steps_per_epoch(max_steps)
    sloi.config.enable_interactive_logging()
    sloi.config.enable_traceback_filtering()
    sloi.settings.set_flash_attention(None)


def test_the_backend_is_torch_and_only_torch():
    assert sloi.config.backend() == sloi.backend.backend() == "torch"
    sloi.config.set_backend("torch")
    with pytest.raises(ValueError, match="PyTorch only"):
        sloi.config.set_backend("jax")
    assert sloi.config.is_nnx_enabled() is False


def test_floatx_sets_the_dtype_of_new_weights_and_python_floats_as_in_keras():
    import keras

    sloi.config.set_floatx("float64")
    keras.config.set_floatx("float64")
    layer, theirs = sloi.layers.Dense(2), keras.layers.Dense(2)
    layer.build((None, 3))
    theirs.build((None, 3))
    assert layer.kernel.dtype == torch.float64
    assert str(theirs.kernel.dtype) == "float64"
    assert sloi.ops.add(np.int32(1), 0.5).dtype == torch.float64
    assert sloi.ops.convert_to_tensor(0.5).dtype == torch.float64
    with pytest.raises(ValueError, match="Unknown floatx"):
        sloi.config.set_floatx("int8")


def test_epsilon_is_the_clip_of_every_loss_as_in_keras():
    import keras

    y_true, y_pred = np.array([[1.0, 0.0]], "float32"), np.array([[0.0, 1.0]], "float32")
    for value in (1e-3, 1e-7):
        sloi.config.set_epsilon(value)
        keras.config.set_epsilon(value)
        ours = sloi.losses.binary_crossentropy(torch.tensor(y_true), torch.tensor(y_pred))
        theirs = keras.losses.binary_crossentropy(y_true, y_pred)
        np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), rtol=1e-5)
    with pytest.raises(ValueError, match="positive"):
        sloi.config.set_epsilon(0)


def test_image_data_format_is_the_default_of_conv_and_pooling_layers():
    import keras

    sloi.config.set_image_data_format("channels_first")
    keras.config.set_image_data_format("channels_first")
    for name, args in (("Conv2D", (4, 3)), ("MaxPooling2D", ()), ("Flatten", ())):
        ours = getattr(sloi.layers, name)(*args)
        theirs = getattr(keras.layers, name)(*args)
        x = np.zeros((2, 3, 8, 8), "float32")
        assert tuple(ours(x).shape) == tuple(theirs(x).shape)
        assert ours.get_config().get("data_format") == theirs.get_config().get("data_format")


def _fit(module):
    model = module.Sequential([module.Input((3,)), module.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((32, 3), "float32"), np.ones((32, 1), "float32")
    return model.fit(x, y, batch_size=4, epochs=5, verbose=2)


@pytest.mark.filterwarnings("ignore:Limiting steps_per_epoch")
def test_max_epochs_and_max_steps_cap_fit_as_in_keras():
    import keras

    for module in (sloi.config, keras.config):
        module.set_max_epochs(2)
        module.set_max_steps_per_epoch(3)
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        ours = _fit(sloi)
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        theirs = _fit(keras)
    assert len(ours.history["loss"]) == len(theirs.history["loss"]) == 2
    with pytest.raises(ValueError, match="positive integer or None"):
        sloi.config.set_max_epochs(0)


@pytest.mark.filterwarnings("ignore:Limiting steps_per_epoch")
def test_max_steps_per_epoch_caps_the_steps(capsys):
    sloi.config.set_max_steps_per_epoch(3)
    model = sloi.Sequential([sloi.Input((3,)), sloi.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((32, 3), "float32"), np.ones((32, 1), "float32"), batch_size=4,
              epochs=1, verbose=2)
    assert "3/3" in capsys.readouterr().out


def test_without_interactive_logging_fit_and_summary_go_to_the_logger(capsys, caplog):
    sloi.config.disable_interactive_logging()
    assert not sloi.config.is_interactive_logging_enabled()
    model = sloi.Sequential([sloi.Input((3,)), sloi.layers.Dense(1)])
    model.compile("sgd", "mse")
    with caplog.at_level(logging.INFO, logger="sloi"):
        model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), epochs=2,
                  verbose=1)
        model.summary()
    assert capsys.readouterr().out == ""
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Epoch 2/2" in text and "loss:" in text and "Total params: 4" in text


def test_flash_attention_choice_keeps_the_numbers():
    layer = sloi.layers.MultiHeadAttention(2, 4)
    x = torch.randn(2, 5, 8)
    free = layer(x, x)
    sloi.config.disable_flash_attention()
    assert sloi.config.is_flash_attention_enabled() is False
    torch.testing.assert_close(layer(x, x), free, rtol=1e-5, atol=1e-6)
    sloi.config.enable_flash_attention()
    assert sloi.config.is_flash_attention_enabled() is True
    torch.testing.assert_close(layer(x, x), free, rtol=1e-5, atol=1e-6)


def test_traceback_filtering_flag():
    sloi.config.disable_traceback_filtering()
    assert not sloi.config.is_traceback_filtering_enabled()
    sloi.config.enable_traceback_filtering()
    assert sloi.config.is_traceback_filtering_enabled()


@pytest.mark.parametrize("dtypes", [("int8", "uint8"), ("float64", "float32"), ("int64",),
                                    ("uint16", "int8"), ("bfloat16", "float16"), ("bool",),
                                    ("float16", float), ("int32", float), (int,)])
def test_backend_result_type_matches_keras(dtypes):
    import keras

    assert sloi.backend.result_type(*dtypes) == keras.backend.result_type(*dtypes)


def test_backend_dtype_helpers_and_uids_match_keras():
    import keras

    for dtype in ("float16", "int32", "uint8", "bool", np.float64, torch.float32):
        expected = keras.backend.standardize_dtype(
            str(dtype).replace("torch.", "") if isinstance(dtype, torch.dtype) else dtype)
        assert sloi.backend.standardize_dtype(dtype) == expected
        assert sloi.backend.is_float_dtype(dtype) == keras.backend.is_float_dtype(expected)
        assert sloi.backend.is_int_dtype(dtype) == keras.backend.is_int_dtype(expected)
    assert [sloi.backend.get_uid("x") for _ in range(3)] == [1, 2, 3]
    sloi.backend.clear_session()
    assert sloi.backend.get_uid("x") == 1
    assert sloi.backend.is_keras_tensor(sloi.Input((2,)))
    assert not sloi.backend.is_keras_tensor(torch.ones(2))
