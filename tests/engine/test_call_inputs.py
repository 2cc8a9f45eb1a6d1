"""Bool and integer data fed to float layers is cast where Keras casts it (the model's inputs to
their Input's dtype; a float-weight layer called eagerly), and integer ids stay integers for
Embedding. Compared with Keras 3 on the same weights."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import layers

RNG = np.random.default_rng(0)


def _pair(make):
    """The same model in sloi and Keras, Keras's weights copied into sloi's."""
    ours, theirs = make(sloi), make(keras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _bits(shape, dtype):
    return (RNG.integers(0, 2, shape)).astype(dtype)


@pytest.mark.parametrize("dtype", [bool, np.int64, np.uint8, np.int32])
@pytest.mark.parametrize("layer", ["LSTM", "GRU", "SimpleRNN", "Conv1D", "Dense"])
def test_bool_and_integer_arrays_into_float_layers_predict_as_keras(layer, dtype):
    def make(lib):
        args = (4, 3) if layer == "Conv1D" else (4,)
        return lib.Sequential([lib.layers.Input((7, 12)), getattr(lib.layers, layer)(*args)])

    ours, theirs = _pair(make)
    x = _bits((2, 7, 12), dtype)
    got = ours.predict(x, verbose=0)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, theirs.predict(x, verbose=0), atol=1e-5)
    # torch tensors too, and the model called directly
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach().numpy(), got, atol=1e-6)


def test_a_sequential_without_input_takes_bool_data():
    def make(lib):
        return lib.Sequential([lib.layers.LSTM(3)])

    ours, theirs = make(sloi), make(keras)
    x = _bits((2, 5, 4), bool)
    theirs.predict(x, verbose=0)
    ours.predict(x, verbose=0)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               atol=1e-5)


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, bool])
def test_a_float_layer_called_eagerly_takes_integer_data(dtype):
    ours, theirs = layers.Dense(3), keras.layers.Dense(3)
    x = _bits((2, 4), dtype)
    theirs(x)
    ours(np.zeros((2, 4), np.float32))
    ours.set_weights(theirs.get_weights())
    got = ours(x)
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.detach().numpy(),
                               keras.ops.convert_to_numpy(theirs(x)), atol=1e-6)


def test_fit_and_evaluate_take_integer_inputs_as_keras():
    def make(lib):
        model = lib.Sequential([lib.layers.Input((6, 3)), lib.layers.GRU(2),
                                lib.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    ours, theirs = _pair(make)
    x, y = _bits((8, 6, 3), np.uint8), RNG.normal(size=(8, 1)).astype("float32")
    h_ours = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    h_theirs = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-5)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0),
                               rtol=1e-5)


def _received_dtype(model, layer):
    seen = []
    layer.register_forward_pre_hook(lambda mod, args: seen.append(args[0].dtype))
    return seen


@pytest.mark.parametrize("build", ["sequential_input", "sequential_deferred", "functional"])
def test_embedding_keeps_integer_ids(build):
    if build == "sequential_input":
        model = sloi.Sequential([layers.Input((5,)), layers.Embedding(50, 4), layers.LSTM(2)])
    elif build == "sequential_deferred":
        model = sloi.Sequential([layers.Embedding(50, 4), layers.LSTM(2)])
    else:
        inp = layers.Input((5,))
        model = sloi.Model(inp, layers.LSTM(2)(layers.Embedding(50, 4)(inp)))
    embedding = next(m for m in model.modules() if isinstance(m, layers.Embedding))
    seen = _received_dtype(model, embedding)
    ids = RNG.integers(0, 50, (3, 5))
    model.predict(ids, verbose=0)
    assert seen[-1] == torch.int64
    model.predict(ids.astype("float32"), verbose=0)  # float ids still work, as in Keras
    assert seen[-1] == torch.float32


def test_an_input_read_by_embedding_and_another_layer_becomes_float():
    inp = layers.Input((5,))
    emb = layers.Embedding(50, 4)
    out = layers.Concatenate()([layers.Flatten()(emb(inp)), layers.Dense(2)(inp)])
    model = sloi.Model(inp, out)
    seen = _received_dtype(model, emb)
    model.predict(RNG.integers(0, 50, (3, 5)), verbose=0)
    assert seen[-1] == torch.float32  # as Keras: the Input's dtype; Embedding casts back


def test_an_integer_input_takes_float_data_as_integers():
    inp = layers.Input((5,), dtype="int32")
    model = sloi.Model(inp, layers.Embedding(50, 4)(inp))
    emb = model.layers[-1]
    seen = _received_dtype(model, emb)
    model.predict(RNG.integers(0, 50, (3, 5)).astype("float32"), verbose=0)
    assert seen[-1] == torch.int32


def test_a_wrong_shape_is_still_refused_after_the_cast():
    model = sloi.Sequential([layers.Input((7, 12)), layers.LSTM(4)])
    with pytest.raises(ValueError, match=r"\(None, 7, 12\).*\(2, 7, 11\)"):
        model.predict(np.zeros((2, 7, 11), bool), verbose=0)


def test_masks_survive_the_cast_of_an_eager_call():
    x = torch.ones(2, 3, 4, dtype=torch.int64)
    x._keras_mask = torch.tensor([[True, True, False], [True, False, False]])
    ours = layers.LSTM(2)
    theirs_in = x.float()
    theirs_in._keras_mask = x._keras_mask
    ours(theirs_in)  # build
    np.testing.assert_allclose(ours(x).detach().numpy(), ours(theirs_in).detach().numpy())


@pytest.mark.parametrize("layer", ["LSTM", "Dense", "GRU"])  # Keras's Conv1D refuses int32
def test_integer_tensors_inside_a_graph_reach_float_layers_as_keras(layer):
    def make(lib):
        inp = lib.layers.Input((4, 3), dtype="int32")
        out = getattr(lib.layers, layer)(2)(inp)
        ids = lib.layers.Reshape((12,))(inp)  # integers stay integers through Reshape
        return lib.Model(inp, [out, ids])

    ours, theirs = _pair(make)
    assert [str(t.dtype).replace("torch.", "") for t in ours.outputs] == [
        str(t.dtype) for t in theirs.outputs]
    x = RNG.integers(0, 3, (2, 4, 3)).astype("int32")
    for got, want in zip(ours.predict(x, verbose=0), theirs.predict(x, verbose=0)):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_numpy_arrays_with_negative_strides_reach_a_model_as_in_keras():
    # x[::-1] is a view with a negative stride, which torch.from_numpy refuses
    ours, theirs = _pair(lambda lib: lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)]))
    x = RNG.normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(ours(x[::-1]).detach().numpy(),
                               keras.ops.convert_to_numpy(theirs(x[::-1])), atol=1e-6)
    np.testing.assert_allclose(ours(x[::-1]).detach().numpy(), ours(x[::-1].copy()).detach()
                               .numpy())
