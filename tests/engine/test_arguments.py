"""Constructor checks (``sloi/engine/arguments.py``): sizes are positive integers, flags are
bools, ``Input`` shapes hold sizes; where Keras 3 refuses a value, it is checked to refuse it
too. Configs go through the same constructors, so a bad saved config is refused as it loads."""

import keras
import numpy as np
import pytest

import sloi
from sloi.engine.arguments import check_flags, positive_int, shape_dims
from sloi.layers import (
    LSTM,
    BatchNormalization,
    Conv1D,
    Dense,
    Embedding,
    InputLayer,
    LayerNormalization,
    SimpleRNN,
)


@pytest.mark.parametrize("units", [2.5, 2.0, "3", 0, -1])
def test_dense_refuses_units_that_are_not_positive_integers_as_keras(units):
    with pytest.raises(ValueError, match="units"):
        keras.layers.Dense(units)
    with pytest.raises(ValueError) as err:
        Dense(units, name="head")
    assert str(err.value) == (f'Layer "head" (Dense): `units` must be a positive integer; got '
                              f"{units!r} ({type(units).__name__})")


def test_dense_refuses_a_bool_for_units_and_takes_numpy_integers():
    # Keras takes True as 1 unit; a flag is not a size, so sloi refuses it
    with pytest.raises(ValueError, match=r"`units` must be a positive integer; got True \(bool\)"):
        Dense(True)
    layer = Dense(np.int64(3))
    assert layer.units == 3 and type(layer.units) is int


@pytest.mark.parametrize("make, flag", [
    (lambda v: Dense(2, use_bias=v), "use_bias"),
    (lambda v: Conv1D(2, 3, use_bias=v), "use_bias"),
    (lambda v: Embedding(5, 2, mask_zero=v), "mask_zero"),
    (lambda v: LSTM(2, go_backwards=v), "go_backwards"),
    (lambda v: SimpleRNN(2, return_sequences=v), "return_sequences"),
    (lambda v: BatchNormalization(center=v), "center"),
    (lambda v: LayerNormalization(scale=v), "scale"),
])
def test_bool_flags_refuse_strings_and_numbers(make, flag):
    for bad in ("no", 1, None):
        with pytest.raises(ValueError, match=rf"`{flag}` must be True or False; got {bad!r}"):
            make(bad)
    assert getattr(make(False), flag) is False
    assert getattr(make(np.bool_(True)), flag)  # numpy's bools are bools


def test_a_saved_config_with_a_string_flag_or_fractional_size_is_refused_as_it_loads():
    config = Dense(2).get_config()
    with pytest.raises(ValueError, match=r'\(Dense\): `use_bias` must be True or False; got '
                                         r"'no' \(str\)"):
        Dense.from_config({**config, "use_bias": "no"})
    with pytest.raises(ValueError, match=r"`units` must be a positive integer; got 2.5"):
        Dense.from_config({**config, "units": 2.5})
    lstm = LSTM(3).get_config()
    with pytest.raises(ValueError, match=r"\(LSTM\): `go_backwards` must be True or False; got "
                                         r"'yes' \(str\)"):
        LSTM.from_config({**lstm, "go_backwards": "yes"})


@pytest.mark.parametrize("shape, axis, bad", [((-1, 3), 0, "-1 (int)"),
                                               ((4, 2.5), 1, "2.5 (float)"),
                                               ((3, "8"), 1, "'8' (str)")])
def test_input_refuses_negative_or_fractional_dimensions_as_keras(shape, axis, bad):
    with pytest.raises(ValueError, match="Cannot convert"):
        keras.Input(shape)
    with pytest.raises(ValueError) as err:
        sloi.Input(shape, name="tokens")
    assert str(err.value) == (
        f'Layer "tokens" (InputLayer): `shape` must hold sizes (integers >= 0 or None); got '
        f"{shape}, whose axis {axis} is {bad}")


def test_input_layer_checks_a_batch_shape_and_keeps_empty_and_unknown_axes():
    with pytest.raises(ValueError, match="Cannot convert"):
        keras.layers.InputLayer(batch_shape=(None, -2))
    with pytest.raises(ValueError, match=r"`batch_shape` must hold sizes .*axis 1 is -2 \(int\)"):
        InputLayer(batch_shape=(None, -2))
    # Keras allows an axis of size 0, and None for an unknown one
    assert tuple(keras.Input((0, 3)).shape) == (None, 0, 3)
    assert sloi.Input((0, None, np.int32(3))).shape == (None, 0, None, 3)
    with pytest.raises(ValueError, match=r"`batch_shape` must hold sizes .*axis 0 is 1.5"):
        InputLayer(shape=(3,), batch_size=1.5)


def test_the_helpers_name_the_layer_and_the_argument():
    layer = Dense(1, name="d")
    assert positive_int(layer, "units", 7) == 7
    check_flags(layer, a=True, b=False)
    assert shape_dims(layer, "shape", [None, 2]) == (None, 2)
    with pytest.raises(ValueError, match=r'^Layer "d" \(Dense\): `shape` must be a tuple of '
                                         r"sizes \(integers >= 0 or None\); got 3.5 \(float\)$"):
        shape_dims(layer, "shape", 3.5)


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_recurrent_units_and_cell_flags_are_checked(cls):
    # Keras 3.15 takes LSTM(2.5) and refuses GRU(2.5) / SimpleRNN(2.5) for its state_size
    with pytest.raises(ValueError, match=rf"\({cls}Cell\): `units` must be a positive integer; "
                                         r"got 2\.5 \(float\)"):
        getattr(sloi.layers, cls)(2.5)
    with pytest.raises(ValueError, match=rf"\({cls}Cell\): `use_bias` must be True or False; got "
                                         r"'no' \(str\)"):
        getattr(sloi.layers, cls)(2, use_bias="no")
    with pytest.raises(ValueError, match=r"`reset_after` must be True or False; got 1 \(int\)"):
        sloi.layers.GRU(2, reset_after=1)
