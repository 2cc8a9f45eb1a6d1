"""Functional models: the lecture's examples and every graph shape, compared with Keras itself."""

import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dense, Input
from tests.parity import assert_same_model, build_both, to_numpy

rng = np.random.default_rng(0)


def lecture_dense(K):
    input_layer = K.layers.Input(shape=(1000,))
    layer_1 = K.layers.Dense(16, activation="relu")(input_layer)
    layer_2 = K.layers.Dense(16, activation="relu")(layer_1)
    output_layer = K.layers.Dense(1, activation="sigmoid")(layer_2)
    return K.Model(inputs=input_layer, outputs=output_layer)


def test_lecture_dense_model_matches_keras():
    x = rng.standard_normal((8, 1000)).astype("float32")
    ours, theirs = assert_same_model(lecture_dense, x)
    assert ours.count_params() == 16305
    assert ours.input_shape == (None, 1000) and ours.output_shape == (None, 1)
    assert [layer.name for layer in ours.layers] == ["input_layer", "dense", "dense_1", "dense_2"]


def multi_io(K):
    a = K.layers.Input(shape=(4,), name="a")
    b = K.layers.Input(shape=(3,), name="b")
    shared = K.layers.Dense(5, activation="tanh", name="shared")
    ha = shared(K.layers.Dense(3, name="pre_a")(a))
    hb = shared(b)
    out1 = K.layers.Dense(2, name="out1")(ha)
    out2 = K.layers.Dense(1, activation="sigmoid", name="out2")(hb)
    return K.Model(inputs=[a, b], outputs=[out1, out2])


def test_several_inputs_outputs_and_a_shared_layer_match_keras():
    xs = [rng.standard_normal((6, 4)).astype("float32"),
          rng.standard_normal((6, 3)).astype("float32")]
    ours, _ = assert_same_model(multi_io, xs)
    shared = ours.get_layer("shared")
    assert len(shared.inbound_nodes) == 2
    assert [w.shape for w in shared.weights] == [(3, 5), (5,)]  # one set of weights, two calls
    out = ours({"a": xs[0], "b": xs[1]})  # inputs by name too
    np.testing.assert_allclose(to_numpy(out[1]), to_numpy(ours(xs)[1]))


def dict_outputs(K):
    x = K.layers.Input(shape=(3,))
    h = K.layers.Dense(4, activation="relu")(x)
    return K.Model(inputs=x, outputs={"score": K.layers.Dense(1)(h), "code": h})


def test_dict_outputs_match_keras():
    x = rng.standard_normal((5, 3)).astype("float32")
    ours, _ = assert_same_model(dict_outputs, x)
    assert set(ours(x)) == {"score", "code"}


def branches(K):
    x = K.layers.Input(shape=(6,))
    left = K.layers.Dense(4, activation="relu")(x)
    right = K.layers.Dense(3)(K.layers.Dense(5, activation="elu")(x))
    deep = K.layers.Dense(2)(K.layers.Dense(2)(right))
    return K.Model(x, [left, deep])


def test_layer_order_follows_keras_depth_order():
    x = rng.standard_normal((2, 6)).astype("float32")
    ours, theirs = assert_same_model(branches, x)  # names and weight order equal Keras's
    # Dense(3)(Dense(5)(x)) creates "dense_1" then "dense_2": the deeper branch comes first
    assert [layer.name for layer in ours.layers][:3] == ["input_layer", "dense_2", "dense_1"]


def nested(K):
    inner_in = K.layers.Input(shape=(4,))
    inner = K.Model(inner_in, K.layers.Dense(3, activation="relu")(inner_in), name="inner")
    x = K.layers.Input(shape=(4,))
    y = K.layers.Dense(2)(inner(x))
    return K.Model(x, y, name="outer")


def test_nested_model_matches_keras():
    x = rng.standard_normal((3, 4)).astype("float32")
    ours, _ = assert_same_model(nested, x)
    assert ours.count_params() == 15 + 8
    assert type(ours.get_layer("inner")).__name__ == "Functional"
    assert "net.1.net.1.kernel" in dict(ours.named_parameters())


def test_a_built_model_called_on_new_symbolic_inputs():
    x = Input(shape=(4,))
    model = sloi.Model(x, Dense(2)(Dense(3)(x)))
    new_in = Input(shape=(4,))
    out = model(new_in)
    assert out.shape == (None, 2)
    bigger = sloi.Model(new_in, Dense(1)(out))
    data = torch.randn(5, 4)
    expected = bigger.layers[-1](model(data))
    torch.testing.assert_close(bigger(data), expected)
    with pytest.raises(ValueError, match=r'expects input "input_layer" of shape \(None, 4\); '
                                         r"got data of shape \(83, 5\)"):
        model(Input(shape=(5,)))


def test_model_returns_tensors_for_numpy_and_tensors():
    model = lecture_dense(sloi)
    out = model(np.zeros((2, 1000)))
    assert isinstance(out, torch.Tensor) and out.shape == (2, 1)
    assert model(torch.zeros(2, 1000)).dtype == torch.float32


def test_gradients_flow_through_the_model():
    model = lecture_dense(sloi)
    model(torch.randn(4, 1000)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_get_layer_by_name_and_index():
    model = lecture_dense(sloi)
    assert model.get_layer("dense_1") is model.layers[2]
    assert model.get_layer(index=-1).name == "dense_2"
    with pytest.raises(ValueError, match=r'has no layer named "nope". Its layers are: '
                                         r"\['input_layer', 'dense', 'dense_1', 'dense_2'\]"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="has 4 layers; no layer at index 9"):
        model.get_layer(index=9)


def test_disconnected_graph_names_the_missing_input():
    a, b = Input(shape=(2,), name="a"), Input(shape=(3,), name="b")
    y = Dense(1)(sloi.layers.Dense(2)(b))
    with pytest.raises(ValueError, match=r'graph disconnected.*needs Input "b" \(shape \(None, 3\)\)'
                                         r", which is not among the model's inputs \['a'\]"):
        sloi.Model(a, y)


def test_duplicate_layer_names_are_refused():
    x = Input(shape=(2,))
    y = Dense(2, name="same")(Dense(2, name="same")(x))
    with pytest.raises(ValueError, match='the name "same" is used by two different layers'):
        sloi.Model(x, y)


def test_model_inputs_must_be_symbolic():
    layer = Dense(2)
    with pytest.raises(TypeError, match=r'inputs must be symbolic tensors.*Dense layer object'):
        sloi.Model(layer, Dense(1)(Input(shape=(2,))))


def test_wrong_data_shape_is_refused_before_any_work():
    model = lecture_dense(sloi)
    with pytest.raises(ValueError, match=r'Model "functional" expects input "input_layer" of '
                                         r"shape \(None, 1000\); got data of shape \(2, 999\)"):
        model(np.zeros((2, 999), "float32"))
    with pytest.raises(ValueError, match=r"expects 1 input\(s\)"):
        model([np.zeros((2, 1000)), np.zeros((2, 1000))])


def test_unused_input_stays_a_model_input():
    a, b = Input(shape=(2,)), Input(shape=(3,))
    model = sloi.Model([a, b], Dense(1)(a))
    assert len(model.inputs) == 2 and len(model.layers) == 3


def test_inference_and_training_flags_reach_layers():
    seen = []

    class Probe(sloi.layers.Layer):
        def call(self, inputs, training=None):
            seen.append(self.training if training is None else training)
            return inputs

        def compute_output_shape(self, s):
            return s

    x = Input(shape=(2,))
    model = sloi.Model(x, Probe()(Dense(2)(x)))
    model(torch.ones(1, 2))
    model(torch.ones(1, 2), training=True)
    model.train()
    model(torch.ones(1, 2))
    assert seen == [False, True, True]


def test_state_dict_round_trip_and_module_tools():
    ours, theirs = build_both(lecture_dense)
    clone = lecture_dense(sloi)
    clone.load_state_dict(ours.state_dict())
    x = torch.randn(3, 1000)
    torch.testing.assert_close(clone(x), ours(x))
    assert list(ours.state_dict())[:2] == ["net.1.kernel", "net.1.bias"]


def lecture_two_branches(K):
    visible = K.layers.Input(shape=(64, 64, 1))
    conv1 = K.layers.Conv2D(64, kernel_size=4, activation="relu")(visible)
    flat1 = K.layers.Flatten()(conv1)
    conv2 = K.layers.Conv2D(32, kernel_size=8, activation="relu")(visible)
    pool2 = K.layers.MaxPooling2D(pool_size=(2, 2))(conv2)
    flat2 = K.layers.Flatten()(pool2)
    merge = K.layers.concatenate([flat1, flat2])
    output_layer = K.layers.Dense(1, activation="sigmoid")(merge)
    return K.Model(inputs=visible, outputs=output_layer)


def test_lecture_two_branch_model_matches_keras():
    x = rng.random((2, 64, 64, 1)).astype("float32")
    ours, theirs = assert_same_model(lecture_two_branches, x)
    assert ours.count_params() == 266401
    # Keras lists the deeper branch first: conv2d_1 before conv2d
    assert [layer.name for layer in ours.layers] == [
        "input_layer", "conv2d_1", "conv2d", "max_pooling2d", "flatten", "flatten_1",
        "concatenate", "dense"]
    shapes = {layer.name: layer.output.shape for layer in ours.layers[1:]}
    assert shapes["conv2d"] == (None, 61, 61, 64) and shapes["max_pooling2d"] == (None, 28, 28, 32)
    assert shapes["concatenate"] == (None, 263232)


def test_conv2d_on_a_dense_output_is_refused_while_building():
    x = Input(shape=(1000,))
    h = Dense(16)(x)
    with pytest.raises(ValueError, match=r'Layer "conv2d" \(Conv2D\) expects inputs of rank 4 '
                                         r"\(batch, height, width, channels\); got shape "
                                         r'\(None, 16\) from layer "dense"'):
        sloi.layers.Conv2D(8, 3)(h)


def test_concatenate_of_mismatched_shapes_is_refused_while_building():
    a, b = Input(shape=(3, 4)), Input(shape=(5, 4))
    with pytest.raises(ValueError, match=r'"concatenate" \(Concatenate\).*\(None, 3, 4\), '
                                         r"\(None, 5, 4\)"):
        sloi.layers.concatenate([a, b])


def test_intermediate_values_are_dropped_after_their_last_reader():
    """A branched graph lets go of a tensor once every layer reading it has run (its memory
    can serve the later layers); tensors that are model outputs are still returned."""
    import weakref

    kept, seen = [], []

    class Twice(sloi.layers.Layer):
        def call(self, x):
            y = x * 2
            kept.append(weakref.ref(y))
            return y

    class Look(sloi.layers.Layer):
        def call(self, x):
            seen.append([ref() is None for ref in kept])
            return x

    inputs = Input(shape=(4,))
    shared = Twice()(inputs)                      # read by the two branches only
    early = Twice()(inputs)                       # read by Look below AND a model output
    merged = sloi.layers.add([Dense(3)(shared), Dense(3)(shared)])
    out = Look()(sloi.layers.concatenate([merged, early]))
    model = sloi.Model(inputs, [out, early])
    x = torch.ones(2, 4)
    kept.clear(), seen.clear()  # building the graph called the layers on symbolic stand-ins
    with torch.no_grad():
        final, early_value = model(x)
    assert seen == [[True, False]]  # `shared` gone before Look ran; `early` kept (an output)
    torch.testing.assert_close(early_value, x * 2)
    torch.testing.assert_close(final[:, 3:], x * 2)


def encoder_block(K, sequential=False):
    """Embedding(mask_zero) into a custom layer whose ``call`` calls MultiHeadAttention itself:
    the attention reads the mask its query carries."""

    class Encoder(K.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.attention = K.layers.MultiHeadAttention(num_heads=1, key_dim=2)
            self.supports_masking = True

        def call(self, x, mask=None):
            return self.attention(x, x)

    inputs = K.Input((3,), dtype="int32")
    embedding = K.layers.Embedding(5, 2, mask_zero=True)
    if sequential:
        return K.Sequential([inputs, embedding, Encoder()])
    return K.Model(inputs, Encoder()(embedding(inputs)))


@pytest.mark.parametrize("sequential", [False, True])
def test_values_carry_their_masks_to_layers_called_inside_a_layer(sequential):
    ids = np.array([[1, 2, 0], [3, 0, 0]], dtype="int32")
    ours, theirs = build_both(lambda K: encoder_block(K, sequential))
    weights = [rng.standard_normal(w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    expected = to_numpy(theirs.predict(ids, verbose=0))
    eager = ours.layers[-1](ours.layers[-2](torch.as_tensor(ids)))
    np.testing.assert_allclose(to_numpy(eager), expected, atol=1e-5)
    np.testing.assert_allclose(ours.predict(ids, verbose=0), expected, atol=1e-5)
    out = ours(ids)  # the model's output carries its mask too, as Keras's does
    np.testing.assert_array_equal(to_numpy(out._keras_mask),
                                  to_numpy(theirs(ids)._keras_mask))


def masked_sequence(K):
    return K.Sequential([K.Input((5,), dtype="int32"), K.layers.Embedding(6, 3, mask_zero=True),
                         K.layers.LSTM(4, return_sequences=True), K.layers.Dense(2)])


def test_the_output_mask_leaves_padding_out_of_losses_and_metrics():
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], dtype="int32")
    y = rng.standard_normal((2, 5, 2)).astype("float32")
    results = []
    for model in build_both(masked_sequence):
        model.compile("sgd", loss="mse", metrics=["mae"])
        results.append(model.evaluate(ids, y, verbose=0))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)


def dict_inputs_and_outputs(K):
    z = K.Input((4,), name="z_in")
    a = K.Input((3,), name="a_in")
    both = K.layers.Concatenate(name="both")([K.layers.Dense(2, name="d_z")(z),
                                              K.layers.Dense(3, name="d_a")(a)])
    return K.Model({"zz": z, "aa": a}, {"z": K.layers.Dense(2, name="out_z")(both),
                                        "b": K.layers.Dense(1, name="out_b")(both)})


def test_dict_inputs_and_outputs_go_in_sorted_key_order_as_in_keras():
    """Keras flattens a dict by sorted key before its graph walk: inputs, outputs, layers and
    weights follow, so weights copied between the two land where they belong."""
    data = {"zz": rng.standard_normal((5, 4)).astype("float32"),
            "aa": rng.standard_normal((5, 3)).astype("float32")}
    ours, theirs = assert_same_model(dict_inputs_and_outputs, data)
    assert [t.shape for t in ours.inputs] == [tuple(t.shape) for t in theirs.inputs]
    assert [t.shape for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
    assert list(ours(data)) == list(theirs(data)) == ["b", "z"]
    assert list(ours.predict(data, verbose=0)) == list(theirs.predict(data, verbose=0))
    listed = [data["aa"], data["zz"]]  # Keras's sorted order, but the dict had another
    for model in (ours, theirs):
        with pytest.raises(ValueError):
            model(listed)


def test_a_list_of_data_for_inputs_given_as_a_sorted_dict():
    def build(K):
        a, b = K.Input((3,), name="a_in"), K.Input((4,), name="b_in")
        return K.Model({"a": a, "b": b}, K.layers.Concatenate()([a, b]))

    ours, theirs = build_both(build)
    listed = [rng.standard_normal((2, 3)).astype("float32"),
              rng.standard_normal((2, 4)).astype("float32")]
    np.testing.assert_allclose(to_numpy(ours(listed)), to_numpy(theirs(listed)))
    with pytest.raises(ValueError, match=r"inputs with keys \['a', 'b'\]; missing"):
        ours({"a_in": listed[0], "b_in": listed[1]})  # Keras refuses the Input names too
