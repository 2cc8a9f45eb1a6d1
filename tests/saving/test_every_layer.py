"""Every layer of sloi.layers survives a config round trip inside a model: the model rebuilt
from ``model_from_json(model.to_json())`` has the same weight shapes and, given the same
weights, gives the same outputs. A new layer must get a case here (the last test checks)."""

import inspect

import numpy as np
import pytest
import torch

import sloi
from sloi import layers as L


def square(x):
    return x * x


def _rnn(cell):
    return L.RNN(cell, return_sequences=True)


# name -> (factory, input shapes without batch, input dtype, how to call the layer)
CASES = {
    "Activation": (lambda: L.Activation("tanh"), [(4,)], "float32", "single"),
    "Add": (lambda: L.Add(), [(4,), (4,)], "float32", "list"),
    "AdditiveAttention": (lambda: L.AdditiveAttention(), [(3, 4), (5, 4)], "float32", "list"),
    "Attention": (lambda: L.Attention(use_scale=True), [(3, 4), (5, 4)], "float32", "list"),
    "Average": (lambda: L.Average(), [(4,), (4,)], "float32", "list"),
    "AveragePooling1D": (lambda: L.AveragePooling1D(2), [(6, 2)], "float32", "single"),
    "AveragePooling2D": (lambda: L.AveragePooling2D(2), [(4, 4, 2)], "float32", "single"),
    "BatchNormalization": (lambda: L.BatchNormalization(), [(4,)], "float32", "single"),
    "Bidirectional": (lambda: L.Bidirectional(L.LSTM(3, return_sequences=True)), [(5, 2)],
                      "float32", "single"),
    "Concatenate": (lambda: L.Concatenate(), [(4,), (3,)], "float32", "list"),
    "Conv1D": (lambda: L.Conv1D(3, 2, padding="causal", activation="relu"), [(6, 2)],
               "float32", "single"),
    "Conv1DTranspose": (lambda: L.Conv1DTranspose(3, 2, strides=2), [(6, 2)], "float32",
                        "single"),
    "Conv2D": (lambda: L.Conv2D(3, 2), [(5, 5, 2)], "float32", "single"),
    "ConvLSTM2D": (lambda: L.ConvLSTM2D(2, 3, padding="same"), [(3, 5, 5, 1)], "float32",
                   "single"),
    "Cropping1D": (lambda: L.Cropping1D(1), [(6, 2)], "float32", "single"),
    "Dense": (lambda: L.Dense(3, activation="sigmoid", kernel_regularizer="l2"), [(4,)],
              "float32", "single"),
    "Dot": (lambda: L.Dot(axes=1, normalize=True), [(4,), (4,)], "float32", "list"),
    "Dropout": (lambda: L.Dropout(0.5), [(4,)], "float32", "single"),
    "Embedding": (lambda: L.Embedding(10, 3, mask_zero=True), [(5,)], "int64", "single"),
    "Flatten": (lambda: L.Flatten(), [(3, 2)], "float32", "single"),
    "GRU": (lambda: L.GRU(3, return_sequences=True), [(5, 2)], "float32", "single"),
    "GRUCell": (lambda: _rnn(L.GRUCell(3)), [(5, 2)], "float32", "single"),
    "GlobalAveragePooling1D": (lambda: L.GlobalAveragePooling1D(), [(5, 3)], "float32",
                               "single"),
    "GlobalAveragePooling2D": (lambda: L.GlobalAveragePooling2D(), [(4, 4, 2)], "float32",
                               "single"),
    "GlobalMaxPooling1D": (lambda: L.GlobalMaxPooling1D(), [(5, 3)], "float32", "single"),
    "GlobalMaxPooling2D": (lambda: L.GlobalMaxPooling2D(), [(4, 4, 2)], "float32", "single"),
    "Identity": (lambda: L.Identity(), [(4,)], "float32", "single"),
    "LSTM": (lambda: L.LSTM(3), [(5, 2)], "float32", "single"),
    "LSTMCell": (lambda: _rnn(L.LSTMCell(3)), [(5, 2)], "float32", "single"),
    "Lambda": (lambda: L.Lambda(square), [(4,)], "float32", "single"),
    "LayerNormalization": (lambda: L.LayerNormalization(), [(4,)], "float32", "single"),
    "Masking": (lambda: L.Masking(0.0), [(5, 2)], "float32", "single"),
    "MaxPooling1D": (lambda: L.MaxPooling1D(2), [(6, 2)], "float32", "single"),
    "MaxPooling2D": (lambda: L.MaxPooling2D(2), [(4, 4, 2)], "float32", "single"),
    "Maximum": (lambda: L.Maximum(), [(4,), (4,)], "float32", "list"),
    "Minimum": (lambda: L.Minimum(), [(4,), (4,)], "float32", "list"),
    "MultiHeadAttention": (lambda: L.MultiHeadAttention(2, 3), [(3, 4), (5, 4)], "float32",
                           "args"),
    "Multiply": (lambda: L.Multiply(), [(4,), (4,)], "float32", "list"),
    "Permute": (lambda: L.Permute((2, 1)), [(3, 2)], "float32", "single"),
    "RNN": (lambda: _rnn(L.SimpleRNNCell(3)), [(5, 2)], "float32", "single"),
    "RepeatVector": (lambda: L.RepeatVector(3), [(4,)], "float32", "single"),
    "Reshape": (lambda: L.Reshape((2, 2)), [(4,)], "float32", "single"),
    "SeparableConv1D": (lambda: L.SeparableConv1D(3, 2), [(6, 2)], "float32", "single"),
    "SimpleRNN": (lambda: L.SimpleRNN(3, go_backwards=True), [(5, 2)], "float32", "single"),
    "SimpleRNNCell": (lambda: _rnn(L.SimpleRNNCell(3)), [(5, 2)], "float32", "single"),
    "SpatialDropout1D": (lambda: L.SpatialDropout1D(0.5), [(5, 2)], "float32", "single"),
    "StackedRNNCells": (lambda: _rnn(L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)])),
                        [(5, 2)], "float32", "single"),
    "Subtract": (lambda: L.Subtract(), [(4,), (4,)], "float32", "list"),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(2)), [(3, 4)], "float32", "single"),
    "UpSampling1D": (lambda: L.UpSampling1D(2), [(3, 2)], "float32", "single"),
    "ZeroPadding1D": (lambda: L.ZeroPadding1D(1), [(3, 2)], "float32", "single"),
    "ZeroPadding2D": (lambda: L.ZeroPadding2D(1), [(3, 3, 2)], "float32", "single"),
    "ActivityRegularization": (lambda: L.ActivityRegularization(l1=0.01), [(4,)], "float32",
                               "single"),
    "AlphaDropout": (lambda: L.AlphaDropout(0.2), [(4,)], "float32", "single"),
    "ELU": (lambda: L.ELU(alpha=0.5), [(4,)], "float32", "single"),
    "EinsumDense": (lambda: L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de"),
                    [(5, 4)], "float32", "single"),
    "GaussianDropout": (lambda: L.GaussianDropout(0.2), [(4,)], "float32", "single"),
    "GaussianNoise": (lambda: L.GaussianNoise(0.2), [(4,)], "float32", "single"),
    "GroupNormalization": (lambda: L.GroupNormalization(groups=2), [(3, 4)], "float32",
                           "single"),
    "GroupedQueryAttention": (lambda: L.GroupedQueryAttention(2, 4, 2), [(3, 4), (5, 4)],
                              "float32", "args"),
    "LeakyReLU": (lambda: L.LeakyReLU(0.1), [(4,)], "float32", "single"),
    "PReLU": (lambda: L.PReLU(shared_axes=[1]), [(3, 4)], "float32", "single"),
    "RMSNormalization": (lambda: L.RMSNormalization(), [(4,)], "float32", "single"),
    "ReLU": (lambda: L.ReLU(max_value=1.0), [(4,)], "float32", "single"),
    "ReversibleEmbedding": (lambda: L.ReversibleEmbedding(10, 3, tie_weights=False), [(5,)],
                            "int64", "single"),
    "Softmax": (lambda: L.Softmax(axis=[1, 2]), [(3, 4)], "float32", "single"),
    "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.5), [(3, 3, 2)], "float32", "single"),
    "SpatialDropout3D": (lambda: L.SpatialDropout3D(0.5, data_format="channels_first"),
                         [(2, 3, 3, 2)], "float32", "single"),
    "SpectralNormalization": (lambda: L.SpectralNormalization(L.Dense(3)), [(4,)], "float32",
                              "single"),
    "TorchModuleWrapper": (lambda: L.TorchModuleWrapper(torch.nn.Linear(4, 3)), [(4,)],
                           "float32", "single"),
    "UnitNormalization": (lambda: L.UnitNormalization(), [(4,)], "float32", "single"),
    "AdaptiveAveragePooling1D": (lambda: L.AdaptiveAveragePooling1D(3), [(7, 2)], "float32",
                                 "single"),
    "AdaptiveAveragePooling2D": (lambda: L.AdaptiveAveragePooling2D((2, 3)), [(5, 4, 2)],
                                 "float32", "single"),
    "AdaptiveAveragePooling3D": (lambda: L.AdaptiveAveragePooling3D(2), [(3, 4, 5, 2)],
                                 "float32", "single"),
    "AdaptiveMaxPooling1D": (lambda: L.AdaptiveMaxPooling1D(3), [(7, 2)], "float32", "single"),
    "AdaptiveMaxPooling2D": (lambda: L.AdaptiveMaxPooling2D((2, 3)), [(5, 4, 2)], "float32",
                             "single"),
    "AdaptiveMaxPooling3D": (lambda: L.AdaptiveMaxPooling3D(2), [(3, 4, 5, 2)], "float32",
                             "single"),
    "AveragePooling3D": (lambda: L.AveragePooling3D(2), [(4, 4, 4, 2)], "float32", "single"),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(3, 2, strides=2, output_padding=1),
                        [(3, 3, 2)], "float32", "single"),
    "Conv3D": (lambda: L.Conv3D(3, 2, padding="same"), [(3, 4, 4, 2)], "float32", "single"),
    "Conv3DTranspose": (lambda: L.Conv3DTranspose(2, 2, strides=2), [(2, 3, 3, 2)], "float32",
                        "single"),
    "ConvLSTM1D": (lambda: L.ConvLSTM1D(2, 3, padding="same", return_sequences=True),
                   [(3, 5, 1)], "float32", "single"),
    "ConvLSTM3D": (lambda: L.ConvLSTM3D(2, 2, padding="same"), [(2, 3, 3, 3, 1)], "float32",
                   "single"),
    "Cropping2D": (lambda: L.Cropping2D(((1, 0), (0, 2))), [(4, 5, 2)], "float32", "single"),
    "Cropping3D": (lambda: L.Cropping3D(1), [(4, 4, 4, 2)], "float32", "single"),
    "DepthwiseConv1D": (lambda: L.DepthwiseConv1D(3, depth_multiplier=2), [(6, 2)], "float32",
                        "single"),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(2, depth_multiplier=2), [(4, 4, 2)],
                        "float32", "single"),
    "GlobalAveragePooling3D": (lambda: L.GlobalAveragePooling3D(), [(3, 3, 3, 2)], "float32",
                               "single"),
    "GlobalMaxPooling3D": (lambda: L.GlobalMaxPooling3D(keepdims=True), [(3, 3, 3, 2)],
                           "float32", "single"),
    "MaxPooling3D": (lambda: L.MaxPooling3D(2, padding="same"), [(3, 4, 4, 2)], "float32",
                     "single"),
    "SeparableConv2D": (lambda: L.SeparableConv2D(3, 2, depth_multiplier=2), [(4, 4, 2)],
                        "float32", "single"),
    "UpSampling2D": (lambda: L.UpSampling2D(2, interpolation="bilinear"), [(3, 3, 2)],
                     "float32", "single"),
    "UpSampling3D": (lambda: L.UpSampling3D((1, 2, 2)), [(2, 3, 3, 2)], "float32", "single"),
    "ZeroPadding3D": (lambda: L.ZeroPadding3D(1), [(2, 3, 3, 2)], "float32", "single"),
}


def _model(name):
    factory, shapes, dtype, style = CASES[name]
    inputs = [sloi.Input(shape, dtype=dtype) for shape in shapes]
    layer = factory()
    if style == "single":
        out = layer(inputs[0])
    elif style == "list":
        out = layer(inputs)
    else:
        out = layer(*inputs)
    return sloi.Model(inputs if len(inputs) > 1 else inputs[0], out), shapes, dtype


def _data(shapes, dtype, rng):
    if dtype.startswith("int"):
        return [rng.integers(0, 10, size=(2,) + s).astype(dtype) for s in shapes]
    return [rng.standard_normal((2,) + s).astype(dtype) for s in shapes]


@pytest.mark.filterwarnings("ignore:Loading the Lambda layer")
@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_round_trips_in_a_model(name):
    model, shapes, dtype = _model(name)
    rebuilt = sloi.models.model_from_json(model.to_json(), custom_objects={"square": square},
                                          safe_mode=False)
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in model.get_weights()]
    assert rebuilt.get_config() == model.get_config()
    rng = np.random.default_rng(0)
    model.set_weights([rng.uniform(0.1, 1.0, w.shape).astype(w.dtype)  # variances > 0
                       if w.dtype.kind == "f" else w for w in model.get_weights()])
    rebuilt.set_weights(model.get_weights())
    data = _data(shapes, dtype, rng)
    x = data if len(data) > 1 else data[0]
    expected, got = model(x), rebuilt(x)
    for e, g in zip(sloi.engine.tree.flatten(expected), sloi.engine.tree.flatten(got)):
        torch.testing.assert_close(g, e, atol=1e-6, rtol=1e-6)


# whose configs hold code, which Keras reads only with safe_mode=False (tested elsewhere)
_CODE = {"Lambda", "TorchModuleWrapper"}


def _model_and_data(name):
    """The case's model with weights away from their initial values (variances > 0), and its
    input data."""
    model, shapes, dtype = _model(name)
    rng = np.random.default_rng(0)
    model.set_weights([rng.uniform(0.1, 1.0, w.shape).astype(w.dtype)
                       if w.dtype.kind == "f" else w for w in model.get_weights()])
    data = _data(shapes, dtype, rng)
    return model, data if len(data) > 1 else data[0]


@pytest.mark.parametrize("name", sorted(set(CASES) - _CODE))
def test_keras_loads_the_layer_from_a_keras_file_sloi_wrote(name, tmp_path):
    """Keras 3 itself reads the ``.keras`` file: the layer's config (Keras's constructors
    refuse arguments they do not know), its variables in Keras's places, the same outputs."""
    import keras  # the test suite sets its backend to torch

    model, x = _model_and_data(name)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    with torch.no_grad():
        expected = sloi.engine.tree.flatten(model(x))
    got = sloi.engine.tree.flatten(restored(x))
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(g), e.numpy(), atol=1e-5,
                                   rtol=1e-5)


@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
@pytest.mark.parametrize("name", sorted(set(CASES) - _CODE))
def test_sloi_loads_the_layer_from_the_files_keras_wrote(name, tmp_path):
    """The other way: Keras 3 writes the model (``.keras``, the legacy ``.h5`` and
    ``.weights.h5``) and sloi reads each, with Keras's outputs."""
    import keras

    model, x = _model_and_data(name)
    model.save(tmp_path / "s.keras")
    theirs = keras.saving.load_model(tmp_path / "s.keras", compile=False)
    expected = [keras.ops.convert_to_numpy(t) for t in sloi.engine.tree.flatten(theirs(x))]
    theirs.save(tmp_path / "k.keras")
    theirs.save(tmp_path / "k.h5")
    theirs.save_weights(tmp_path / "k.weights.h5")
    fresh = _model(name)[0]
    fresh.load_weights(tmp_path / "k.weights.h5")
    for ours in (sloi.models.load_model(tmp_path / "k.keras", compile=False),
                 sloi.models.load_model(tmp_path / "k.h5"), fresh):
        with torch.no_grad():
            got = sloi.engine.tree.flatten(ours(x))
        assert len(got) == len(expected)
        for e, g in zip(expected, got):
            np.testing.assert_allclose(g.numpy(), e, atol=1e-5, rtol=1e-5)


def test_conv_lstm2d_cell_round_trips_alone():
    """sloi's RNN takes no convolutional cells, so the cell is checked on its own (and inside
    ConvLSTM2D above)."""
    cell = L.ConvLSTM2DCell(2, 3, padding="same", recurrent_activation="hard_sigmoid")
    cell.build((None, 5, 5, 1))
    config = sloi.saving.serialize_keras_object(cell)
    clone = sloi.saving.deserialize_keras_object(config)
    assert type(clone) is L.ConvLSTM2DCell and clone.built
    assert clone.get_config() == cell.get_config()
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in cell.get_weights()]


def test_every_layer_has_a_case():
    """Layers of sloi.layers (preprocessing layers aside: their state is not weights)."""
    names = {n for n, obj in vars(L).items()
             if inspect.isclass(obj) and issubclass(obj, sloi.Layer) and obj.__name__ == n
             and not obj.__module__.startswith("sloi.layers.preprocessing")}
    # bases (Layer, Wrapper); in every case (InputLayer); tested alone (ConvLSTM2DCell) or
    # inside ConvLSTM1D / ConvLSTM3D
    names -= {"Layer", "InputLayer", "Wrapper", "ConvLSTM1DCell", "ConvLSTM2DCell",
              "ConvLSTM3DCell"}
    assert sorted(names - set(CASES)) == []
