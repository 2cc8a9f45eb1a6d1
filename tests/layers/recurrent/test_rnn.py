"""``use_cudnn`` on LSTM and GRU: validated, and honoured (True: cuDNN or an error; False: never
cuDNN; "auto": cuDNN where it can run), compared with Keras 3 where Keras runs here."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import layers

_X = np.random.default_rng(0).normal(size=(3, 5, 6)).astype("float32")
_CUDA = torch.cuda.is_available() and torch.backends.cudnn.is_available()


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_bogus_use_cudnn_raises_as_in_keras(name):
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(4, use_cudnn="bogus")
    for bad in ("bogus", 1, None, "True"):
        with pytest.raises(ValueError, match=rf'"my_rnn" \({name}\): use_cudnn'):
            getattr(layers, name)(4, use_cudnn=bad, name="my_rnn")


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("value", ["auto", True, False])
def test_valid_values_kept(name, value):
    assert getattr(layers, name)(4, use_cudnn=value).use_cudnn is value


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_true_with_recurrent_dropout_raises_as_in_keras(name):
    with pytest.raises(ValueError, match="use_cudnn=True"):
        getattr(keras.layers, name)(4, recurrent_dropout=0.2, use_cudnn=True)(_X)
    layer = getattr(layers, name)(4, recurrent_dropout=0.2, use_cudnn=True, name="r")
    with pytest.raises(ValueError, match=r'"r".*use_cudnn=True.*recurrent_dropout=0.2'):
        layer(torch.from_numpy(_X))


@pytest.mark.parametrize("kwargs, reason", [
    ({"unroll": True}, "unroll=True"),
    ({"activation": "relu"}, "activation=relu"),
    ({}, "the inputs are on cpu"),
])
@pytest.mark.skipif(_CUDA, reason="the CPU inputs of this test are cuDNN's only obstacle here")
def test_true_where_cudnn_cannot_run_raises(kwargs, reason):
    layer = layers.LSTM(4, use_cudnn=True, **kwargs)
    with pytest.raises(ValueError, match=reason):
        layer(torch.from_numpy(_X))


def test_true_gru_reset_after_false_raises():
    layer = layers.GRU(4, use_cudnn=True, reset_after=False)
    with pytest.raises(ValueError, match="reset_after=False"):
        layer(torch.from_numpy(_X))


def test_true_left_padded_mask_raises():
    mask = torch.tensor([[0, 1, 1, 1, 1]] * 3, dtype=torch.bool)
    layer = layers.LSTM(4, use_cudnn=True)
    with pytest.raises(ValueError, match="not right-padded"):
        layer(torch.from_numpy(_X), mask=mask)


def test_true_builds_symbolically():
    # building a model runs no kernel: the device is known only when it runs
    inputs = sloi.Input((5, 6))
    model = sloi.Model(inputs, layers.LSTM(4, use_cudnn=True)(inputs))
    assert tuple(model.output_shape) == (None, 4)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("kwargs", [{}, {"return_sequences": True, "go_backwards": True}])
def test_false_and_auto_give_keras_numbers(name, kwargs):
    auto = getattr(layers, name)(4, use_cudnn="auto", **kwargs)
    off = getattr(layers, name)(4, use_cudnn=False, **kwargs)
    ref = getattr(keras.layers, name)(4, use_cudnn=False, **kwargs)
    x = torch.from_numpy(_X)
    auto(x)
    off(x)
    ref(_X)
    off.set_weights(auto.get_weights())
    ref.set_weights(auto.get_weights())
    y_auto, y_off = auto(x), off(x)
    assert torch.equal(y_auto, y_off)
    np.testing.assert_allclose(y_off.detach().numpy(),
                               keras.ops.convert_to_numpy(ref(_X)), atol=1e-5)


def test_bidirectional_passes_use_cudnn_to_both_directions():
    for value in ("auto", True, False):
        bidi = layers.Bidirectional(layers.LSTM(4, use_cudnn=value))
        assert bidi.forward_layer.use_cudnn is value
        assert bidi.backward_layer.use_cudnn is value
        keras_bidi = keras.layers.Bidirectional(keras.layers.LSTM(4, use_cudnn=value))
        assert keras_bidi.backward_layer.use_cudnn is value


@pytest.mark.skipif(_CUDA, reason="CPU inputs")
def test_bidirectional_true_on_cpu_raises():
    bidi = layers.Bidirectional(layers.GRU(4, use_cudnn=True))
    with pytest.raises(ValueError, match="use_cudnn=True"):
        bidi(torch.from_numpy(_X))


@pytest.mark.skipif(not _CUDA, reason="needs CUDA and cuDNN")
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("wrap", [False, True])
def test_cuda_true_false_auto_agree(name, wrap):
    def make(value):
        layer = getattr(layers, name)(8, use_cudnn=value, return_sequences=True)
        return layers.Bidirectional(layer) if wrap else layer

    x = torch.from_numpy(_X).cuda()
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]],
                        dtype=torch.bool, device="cuda")
    made = {v: make(v).cuda() for v in ("auto", True, False)}
    for layer in made.values():
        layer(x)
    for layer in made.values():
        layer.set_weights(made["auto"].get_weights())
    for m in (None, mask):
        y_auto = made["auto"](x, mask=m)
        for value in (True, False):
            y = made[value](x, mask=m)
            torch.testing.assert_close(y, y_auto, atol=1e-5, rtol=1e-5)
            y.sum().backward()
    # False keeps cuDNN out, so the weights were not laid out in cuDNN's buffer
    off = made[False].forward_layer if wrap else made[False]
    assert all(p.is_contiguous() for p in off.parameters())
    left = torch.tensor([[0, 1, 1, 1, 1]] * 3, dtype=torch.bool, device="cuda")
    with pytest.raises(ValueError, match="not right-padded"):
        made[True](x, mask=left)
    torch.testing.assert_close(made[False](x, mask=left), made["auto"](x, mask=left))


# ---------------------------------------------------------------- a stack of cells' states
# ``RNN([cells], return_state=True)`` returns one entry of states per cell, as Keras does:
# symbolic ``(out, [h1, c1], h2)`` (nested as ``state_size``), eager as the initial states nest
# (the built-in cells' own zero states are lists: ``(out, [h1, c1], [h2])``).

def _structure(x):
    """``x`` with each tensor replaced by its shape; lists and tuples kept apart."""
    if isinstance(x, (list, tuple)):
        return type(x)(_structure(v) for v in x)
    return tuple(x.shape)


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _leaves(v)]
    return [keras.ops.convert_to_numpy(x) if not isinstance(x, torch.Tensor)
            else x.detach().cpu().numpy()]


def _stack(lib, kinds):
    made = {"lstm": lambda: lib.layers.LSTMCell(3), "gru": lambda: lib.layers.GRUCell(2),
            "simple": lambda: lib.layers.SimpleRNNCell(4)}
    return [made[k]() for k in kinds]


_STACKS = [("lstm", "gru"), ("lstm",), ("gru",), ("gru", "simple"), ("simple", "lstm", "gru")]
_SEQ = np.random.default_rng(1).random((2, 5, 4)).astype("float32")


def _pair(kinds, **kwargs):
    """The same ``RNN`` over a stack of cells in sloi and in Keras, with the same weights."""
    ours = layers.RNN(_stack(sloi, kinds), return_state=True, **kwargs)
    theirs = keras.layers.RNN(_stack(keras, kinds), return_state=True, **kwargs)
    ours(_SEQ)
    theirs(_SEQ)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("kinds", _STACKS)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_stacked_states_nest_per_cell_as_in_keras(kinds, return_sequences):
    ours, theirs = _pair(kinds, return_sequences=return_sequences)
    got, want = ours(_SEQ), theirs(_SEQ)
    assert _structure(got) == _structure(want)
    for a, b in zip(_leaves(got), _leaves(want)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    # symbolic: nested as state_size (a cell with one state gives it bare)
    ours = layers.RNN(_stack(sloi, kinds), return_state=True)(sloi.Input((5, 4)))
    theirs = keras.layers.RNN(_stack(keras, kinds), return_state=True)(keras.Input((5, 4)))
    assert _structure(ours) == _structure(theirs)


def test_a_single_cell_keeps_its_states_flat_as_in_keras():
    # a list of one cell nests its states; the cell itself, or LSTM, does not
    listed = layers.RNN([layers.LSTMCell(3)], return_state=True)
    assert _structure(listed(_SEQ)) == ((2, 3), [(2, 3), (2, 3)])
    ours = layers.RNN(layers.LSTMCell(3), return_state=True)
    theirs = keras.layers.RNN(keras.layers.LSTMCell(3), return_state=True)
    assert _structure(ours(_SEQ)) == _structure(theirs(_SEQ)) == ((2, 3), (2, 3), (2, 3))
    lstm = layers.LSTM(3, return_state=True)(sloi.Input((5, 4)))
    assert _structure(lstm) == _structure(
        keras.layers.LSTM(3, return_state=True)(keras.Input((5, 4))))


_H1, _C1 = np.full((2, 3), 0.5, "float32"), np.full((2, 3), -0.25, "float32")
_H2 = np.full((2, 2), 0.75, "float32")


@pytest.mark.parametrize("initial", [[[_H1, _C1], _H2], [[_H1, _C1], [_H2]]],
                         ids=["bare", "listed"])
def test_stacked_initial_state_as_arrays_nested_per_cell_as_in_keras(initial):
    ours, theirs = _pair(("lstm", "gru"))
    got, want = ours(_SEQ, initial_state=initial), theirs(_SEQ, initial_state=initial)
    assert _structure(got) == _structure(want)  # each entry nests as it was given
    for a, b in zip(_leaves(got), _leaves(want)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_stacked_initial_state_flat_is_grouped_per_cell():
    # Keras takes it symbolically (and fails running it); sloi groups it as state_size nests
    ours, theirs = _pair(("lstm", "gru"))
    got = ours(_SEQ, initial_state=[_H1, _C1, _H2])
    want = theirs(_SEQ, initial_state=[[_H1, _C1], _H2])
    assert _structure(got) == _structure(want)
    for a, b in zip(_leaves(got), _leaves(want)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_stacked_initial_state_of_the_wrong_nesting_is_refused():
    ours, _ = _pair(("lstm", "gru"))
    with pytest.raises(ValueError, match=r"3 tensor\(s\).*one entry per cell"):
        ours(_SEQ, initial_state=[[_H1], [_C1, _H2]])
    with pytest.raises(ValueError, match=r"shapes \[\(2, 3\), \(2, 3\), \(2, 2\)\]"):
        ours(_SEQ, initial_state=[[_H1, _C1], _H1])


def _functional(lib, initial):
    seq = lib.Input((5, 4))
    states = [lib.Input((3,)), lib.Input((3,)), lib.Input((2,))]
    rnn = lib.layers.RNN([lib.layers.LSTMCell(3), lib.layers.GRUCell(2)], return_state=True)
    given = {"none": None, "nested": [states[:2], states[2]], "flat": states}[initial]
    if given is None:
        return lib.Model(seq, rnn(seq))
    return lib.Model([seq, *states], rnn(seq, initial_state=given))


@pytest.mark.parametrize("initial", ["none", "nested", "flat"])
def test_functional_model_of_stacked_cells_predicts_as_keras(initial, monkeypatch):
    ours, theirs = _functional(sloi, initial), _functional(keras, "nested" if initial == "flat"
                                                           else initial)
    theirs.set_weights(ours.get_weights())
    x = _SEQ if initial == "none" else [_SEQ, _H1, _C1, _H2]
    got, want = ours.predict(x, verbose=0), theirs.predict(x, verbose=0)
    # the outer container aside (Keras keeps the tuple the layer gave), each entry as in Keras
    assert list(_structure(got)) == list(_structure(want))
    for a, b in zip(_leaves(got), _leaves(want)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert list(_structure(ours(x))) == list(_structure(want))
    from tests.engine.test_summary import _capture, _keras_text, _table_rows

    assert _table_rows(_capture(ours, line_length=150)) == _table_rows(
        _keras_text(theirs, monkeypatch, line_length=150))


def test_functional_model_of_stacked_cells_round_trips_keras_files(tmp_path):
    ours, theirs = _functional(sloi, "none"), _functional(keras, "none")
    theirs.set_weights(ours.get_weights())
    want = theirs.predict(_SEQ, verbose=0)
    for writer in (ours, theirs):
        path = str(tmp_path / f"{writer.__module__.split('.')[0]}.keras")
        writer.save(path)
        for loaded in (sloi.models.load_model(path), keras.models.load_model(path)):
            got = loaded.predict(_SEQ, verbose=0)
            assert list(_structure(got)) == list(_structure(want))
            for a, b in zip(_leaves(got), _leaves(want)):
                np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_initial_state_as_arrays_as_in_keras(name):
    ours, theirs = getattr(layers, name)(3), getattr(keras.layers, name)(3)
    ours(_SEQ)
    theirs(_SEQ)
    ours.set_weights(theirs.get_weights())
    initial = [_H1, _C1] if name == "LSTM" else [_H1]
    np.testing.assert_allclose(ours(_SEQ, initial_state=initial).detach().numpy(),
                               keras.ops.convert_to_numpy(theirs(_SEQ, initial_state=initial)),
                               atol=1e-5)
