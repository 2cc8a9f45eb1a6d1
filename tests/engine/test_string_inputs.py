"""Strings inside models: Input(dtype="string") and the string stage (TextVectorization,
StringLookup, Hashing as first layers), run on raw strings by calling the model, predict, fit,
evaluate, and refused with a clear message where strings meet an input that expects numbers.

Keras 3 on torch builds ``Input(dtype="string")`` but cannot run these layers (they need
TensorFlow; checked below), so the outputs are checked against vocabulary indices written out
by hand and against the same layers called eagerly.
"""

import os

import numpy as np
import pytest
import torch

import sloi
from sloi import layers
from sloi.engine.string_inputs import check_data, is_string_data, to_host_strings

# "" -> 0, "[UNK]" -> 1, then the vocabulary in order
VOCAB = ["the", "cat", "dog", "sat"]
IDS = {"": 0, "the": 2, "cat": 3, "dog": 4, "sat": 5}


def hand_ids(text, length=4):
    """TextVectorization's default standardization (lowercase, no punctuation) and lookup."""
    words = "".join(c for c in text.lower() if c.isalnum() or c.isspace()).split()
    ids = [IDS.get(w, 1) for w in words][:length]
    return ids + [0] * (length - len(ids))


TEXTS = ["The cat sat.", "a dog", "Dog, cat, the cat!", ""]


def ids_model(shape=(1,)):
    """Strings in, the token ids out as floats (an Embedding whose row i is i)."""
    inputs = sloi.Input(shape=shape, dtype="string")
    x = layers.TextVectorization(vocabulary=VOCAB, output_sequence_length=4)(inputs)
    emb = layers.Embedding(8, 1)
    x = emb(x)
    model = sloi.Model(inputs, layers.Reshape((4,))(x))
    emb.set_weights([np.arange(8, dtype="float32").reshape(8, 1)])
    return model


def test_string_input_matches_keras():
    import keras

    for shape in [(1,), (), (None,)]:
        ours, theirs = sloi.Input(shape=shape, dtype="string"), keras.Input(shape=shape,
                                                                            dtype="string")
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == theirs.dtype == "string"
    layer = sloi.Input(shape=(1,), dtype="string", name="text").history.layer
    keras_layer = keras.Input(shape=(1,), dtype="string", name="text")._keras_history[0]
    assert layer.dtype == "string"
    for key in ("batch_shape", "dtype", "name"):
        assert tuple(layer.get_config()[key]) == tuple(keras_layer.get_config()[key]) \
            if key == "batch_shape" else layer.get_config()[key] == keras_layer.get_config()[key]


def test_keras_on_torch_cannot_run_the_string_layers():
    # why the tests below compare with indices written out: Keras needs TensorFlow here
    import keras

    with pytest.raises(ImportError, match="requires TensorFlow"):
        keras.layers.TextVectorization(vocabulary=VOCAB)(["the cat"])


@pytest.mark.parametrize("data", [
    np.array(TEXTS), np.array(TEXTS).reshape(-1, 1), TEXTS, [[t] for t in TEXTS],
    np.array([t.encode() for t in TEXTS]), np.array(TEXTS, dtype=object)])
def test_model_runs_on_raw_strings(data):
    model = ids_model()
    expected = np.array([hand_ids(t) for t in TEXTS], dtype="float32")
    np.testing.assert_array_equal(model.predict(data, verbose=0), expected)
    np.testing.assert_array_equal(model(data).detach().numpy(), expected)


def test_scalar_string_input_shape():
    model = ids_model(shape=())
    assert model.input_shape == (None,)
    np.testing.assert_array_equal(model.predict(np.array(TEXTS[:2]), verbose=0),
                                  [hand_ids(TEXTS[0]), hand_ids(TEXTS[1])])
    with pytest.raises(ValueError, match=r'expects input "input_layer\w*" of shape \(None,\) '
                       r"\(strings\); got strings of shape \(2, 3\)"):
        model(np.array([["a", "b", "c"], ["d", "e", "f"]]))


def test_three_string_layers_branch_from_one_input():
    text = sloi.Input(shape=(1,), dtype="string", name="text")
    tv = layers.TextVectorization(vocabulary=VOCAB, output_mode="multi_hot", name="tv")
    lookup = layers.StringLookup(vocabulary=["the cat sat.", "a dog"], name="lookup")
    hashing = layers.Hashing(num_bins=3, name="hashing")
    out = layers.Concatenate()([tv(text), layers.CategoryEncoding(3, "one_hot")(lookup(text)),
                                layers.CategoryEncoding(3, "one_hot")(hashing(text))])
    model = sloi.Model(text, out)
    data = np.array([["The cat sat."], ["a dog"], ["A"], ["B"]])
    got = model.predict(data, verbose=0)
    # multi_hot over ["[UNK]", "the", "cat", "dog", "sat"]; StringLookup is case-sensitive:
    # "The cat sat." is unknown (0), "a dog" is index 2; Hashing as TensorFlow hashes ("A" -> 1,
    # "B" -> 0, as Hashing's docstring example)
    np.testing.assert_array_equal(got[:, :5], [[0, 1, 1, 0, 1], [1, 0, 0, 1, 0],
                                               [1, 0, 0, 0, 0], [1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(got[:, 5:8].argmax(1), [0, 2, 0, 0])
    np.testing.assert_array_equal(got[2:, 8:].argmax(1), [1, 0])
    eager = np.concatenate([tv(data).numpy(), np.eye(3)[lookup(data).numpy()[:, 0]],
                            np.eye(3)[hashing(data).numpy()[:, 0]]], axis=1)
    np.testing.assert_array_equal(got, eager)


def _classifier(text_input, seed):
    sloi.utils.set_random_seed(seed)
    tv = layers.TextVectorization(vocabulary=VOCAB, output_sequence_length=4)
    ids = tv(text_input) if text_input is not None else None
    tail = [layers.Embedding(8, 3), layers.GlobalAveragePooling1D(),
            layers.Dense(1, activation="sigmoid")]
    return tv, tail, ids


def test_fit_on_strings_equals_fit_on_the_vectorized_ids():
    texts = np.array(["the cat", "a dog", "dog sat", "cat cat", "the dog", "sat"] * 3)
    y = np.array([1, 0, 0, 1, 0, 1] * 3, dtype="float32")
    tv = layers.TextVectorization(vocabulary=VOCAB, output_sequence_length=4)
    strings_model = sloi.Sequential([layers.Input(shape=(1,), dtype="string"), tv,
                                     layers.Embedding(8, 3), layers.GlobalAveragePooling1D(),
                                     layers.Dense(1, activation="sigmoid")])
    ids_model_ = sloi.Sequential([layers.Input(shape=(4,), dtype="int64"),
                                  layers.Embedding(8, 3), layers.GlobalAveragePooling1D(),
                                  layers.Dense(1, activation="sigmoid")])
    ids_model_.set_weights(strings_model.get_weights())
    for m in (strings_model, ids_model_):
        m.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    h1 = strings_model.fit(list(texts), y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                           validation_split=0.25)
    h2 = ids_model_.fit(tv(texts.reshape(-1, 1)).numpy(), y, batch_size=4, epochs=3,
                        shuffle=False, verbose=0, validation_split=0.25)
    for a, b in zip(strings_model.get_weights(), ids_model_.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h1.history["val_loss"], h2.history["val_loss"], rtol=1e-6)
    assert h1.history["loss"][-1] < h1.history["loss"][0]
    ev1 = strings_model.evaluate(texts, y, verbose=0)
    ev2 = ids_model_.evaluate(tv(texts.reshape(-1, 1)).numpy(), y, verbose=0)
    np.testing.assert_allclose(ev1, ev2, rtol=1e-6)


def test_shuffled_fit_keeps_each_string_with_its_target():
    # a model whose prediction is a function of the string: trained with shuffling, the
    # strings and targets must stay paired or it cannot reach zero loss
    lookup = layers.StringLookup(vocabulary=[f"w{i}" for i in range(6)], num_oov_indices=0)
    model = sloi.Sequential([layers.Input(shape=(), dtype="string"), lookup,
                             layers.Embedding(6, 6, embeddings_initializer="zeros")])
    model.compile(sloi.optimizers.SGD(1.0),
                  sloi.losses.SparseCategoricalCrossentropy(from_logits=True))
    texts = np.array([f"w{i}" for i in range(6)] * 4)
    y = np.arange(24) % 6
    model.fit(texts, y, batch_size=5, epochs=20, shuffle=True, verbose=0)
    np.testing.assert_array_equal(model.predict(texts[:6], verbose=0).argmax(-1), np.arange(6))


def test_fit_evaluate_predict_on_text_dataset_from_directory(tmp_path):
    for label, words in (("neg", ["bad", "awful"]), ("pos", ["good", "great"])):
        os.makedirs(tmp_path / label)
        for i in range(4):
            (tmp_path / label / f"{i}.txt").write_text(f"{words[i % 2]} film", encoding="utf-8")
    train = sloi.utils.text_dataset_from_directory(tmp_path, batch_size=3, shuffle=False)
    tv = layers.TextVectorization(output_sequence_length=2)
    tv.adapt(texts for texts, _ in train)
    model = sloi.Sequential([layers.Input(shape=(), dtype="string"), tv,
                             layers.Embedding(tv.vocabulary_size(), 2),
                             layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(train, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    texts = np.array([t for batch, _ in train for t in batch])
    labels = np.concatenate([y.numpy() for _, y in train]).astype("float32")
    np.testing.assert_allclose(model.predict(train, verbose=0),
                               model.predict(texts, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(train, verbose=0),
                               model.evaluate(texts, labels, verbose=0), rtol=1e-6)


def test_sequential_built_from_raw_strings():
    model = sloi.Sequential([layers.TextVectorization(vocabulary=VOCAB, output_sequence_length=4),
                             layers.Embedding(8, 2), layers.Flatten()])
    out = model.predict(["the cat", "dog"], verbose=0)
    assert out.shape == (2, 8)
    assert model.inputs[0].dtype is sloi.engine.dtypes.STRING


def test_unbuilt_sequential_of_numeric_layers_names_its_input():
    model = sloi.Sequential([layers.Dense(1)])
    with pytest.raises(TypeError, match=r'got strings .* for input "input_layer\w*", which '
                       r"expects float32 data of shape \(None, 1\)"):
        model(np.array([["a"], ["b"]]))
    assert model(np.ones((2, 1), "float32")).shape == (2, 1)


def test_variable_length_token_lists_through_string_lookup():
    tokens = sloi.Input(shape=(None,), dtype="string")
    model = sloi.Model(tokens, layers.StringLookup(vocabulary=["a", "b"], mask_token="")(tokens))
    np.testing.assert_array_equal(model.predict(np.array([["a", "c", ""], ["b", "b", "a"]]),
                                                verbose=0), [[2, 1, 0], [3, 3, 2]])
    assert model.output_shape == (None, None)


def test_save_load_and_summary(tmp_path):
    model = ids_model()
    tv = model.layers[1]
    adapted = layers.TextVectorization(output_sequence_length=3, name="adapted")
    adapted.adapt(["zebra zebra yak", "yak ox"])  # a learned vocabulary, saved with the model
    text = sloi.Input(shape=(1,), dtype="string")
    both = sloi.Model(text, [model(text), layers.Reshape((3,))(adapted(text))])
    data = np.array(["the zebra ox", "yak cat"])
    expected = both.predict(data, verbose=0)
    path = str(tmp_path / "strings.sloi")
    both.save(path)
    loaded = sloi.models.load_model(path)
    assert loaded.get_layer("adapted").get_vocabulary() == ["", "[UNK]", "zebra", "yak", "ox"]
    assert loaded.inputs[0].dtype is sloi.engine.dtypes.STRING
    for a, b in zip(loaded.predict(data, verbose=0), expected):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(expected[1], [[1, 2, 4], [3, 1, 0]])  # the=UNK, zebra=2, ox=4
    lines = []
    model.summary(print_fn=lines.append)
    rows = [line for line in lines if "(InputLayer)" in line or "text_vectorization" in line]
    assert "(None, 1)" in rows[0] and "(None, 4)" in rows[1]  # Keras's table: no dtype column
    assert tv.get_vocabulary()[2:] == VOCAB


def test_strings_for_a_numeric_input_are_refused_before_any_work():
    model = sloi.Sequential([layers.Input(shape=(10,), name="features"), layers.Dense(1)])
    model.compile("sgd", "mse")
    before = [w.copy() for w in model.get_weights()]
    started = []
    callback = sloi.callbacks.LambdaCallback(on_train_begin=lambda logs: started.append(1))
    message = (r'Model "sequential\w*" got strings \(a numpy array of dtype <U\d+, shape \(2,\)\) '
               r'for input "features", which expects float32 data of shape \(None, 10\).*'
               r'Input\(shape=\(1,\), dtype="string"\) followed by TextVectorization.*'
               r"vectorize the texts first")
    texts = np.array(["a b", "c"])
    with pytest.raises(TypeError, match=message):
        model.fit(texts, np.zeros(2), callbacks=[callback], verbose=0)
    assert not started
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match=message):
        model.predict(texts, verbose=0)
    with pytest.raises(TypeError, match=message):
        model.evaluate(texts, np.zeros(2), verbose=0)
    with pytest.raises(TypeError, match=message.replace(r"a numpy array of dtype <U\d+",
                                                        "a numpy array of dtype object")):
        model(np.array(["a b", "c"], dtype=object))
    two = sloi.Model([a := sloi.Input((1,), dtype="string", name="t"),
                      b := sloi.Input((2,), name="nums")],
                     layers.Concatenate()([layers.Hashing(4)(a), b]))
    with pytest.raises(TypeError, match=r'for input "nums", which expects float32'):
        two.predict([np.array(["x"]), np.array(["y"])], verbose=0)
    with pytest.raises(TypeError, match=r'input "t" is a string input .* got a numpy array of '
                       r"dtype float64"):
        two.predict([np.zeros((1, 1)), np.zeros((1, 2))], verbose=0)
    with pytest.raises(TypeError, match=r'input "t" is a string input .* got a torch.Tensor of '
                       r"dtype float32"):
        two([torch.zeros((1, 1)), torch.zeros((1, 2))])


def test_only_string_stage_layers_read_strings():
    text = sloi.Input(shape=(1,), dtype="string", name="text")
    with pytest.raises(TypeError, match=r'Layer "d" \(Dense\) cannot take strings: its input '
                       r'\(shape \(None, 1\) from layer "text"\) holds raw text.*TextVectorization'):
        layers.Dense(2, name="d")(text)
    with pytest.raises(TypeError, match=r'Layer "d2" \(Dense\) cannot take strings.*'
                       r"TextVectorization, StringLookup or Hashing"):
        layers.Dense(2, name="d2")(np.array([["a"]]))


def test_string_data_helpers():
    assert is_string_data(["a", "b"]) and is_string_data([["a"], ["b"]])
    assert is_string_data(np.array([b"a"])) and is_string_data(np.array(["a"], dtype=object))
    assert not is_string_data((["a", "b"], np.zeros(2)))  # a batch holding strings
    assert not is_string_data(np.array([1, 2], dtype=object)) and not is_string_data([1, "a"])
    x, y = to_host_strings((["a", "b"], [1, 2]))
    assert isinstance(x, np.ndarray) and x.tolist() == ["a", "b"] and y == [1, 2]
    assert to_host_strings({"t": ["a"]})["t"].dtype.kind == "U"
    assert check_data(sloi.Sequential([layers.Dense(1)]), ["a"]).tolist() == ["a"]  # unbuilt


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_string_stage_outputs_go_to_the_model_device():
    model = ids_model().to("cuda")
    out = model(np.array(TEXTS))
    assert out.device.type == "cuda"
    np.testing.assert_array_equal(out.cpu().numpy(), [hand_ids(t) for t in TEXTS])
    model.compile("sgd", "mse")
    model.fit(np.array(TEXTS), np.zeros((4, 4), "float32"), verbose=0)


def test_dict_inputs_validation_data_and_single_batches():
    text = sloi.Input(shape=(1,), dtype="string", name="t")
    nums = sloi.Input(shape=(2,), name="n")
    hashed = layers.Hashing(4, output_mode="one_hot")(text)
    model = sloi.Model({"t": text, "n": nums},
                       layers.Dense(1, kernel_initializer="ones")(
                           layers.Concatenate()([hashed, nums])))
    model.compile("sgd", "mse")
    x = {"t": ["A", "B", "C"], "n": np.zeros((3, 2), "float32")}
    # Hashing's buckets as TensorFlow gives them ("A" -> 1, "B" -> 0, "C" -> 1 of 3 bins;
    # here 4 bins): the one-hot row sums to 1, so the untrained output is 1 + bias 0
    np.testing.assert_allclose(model.predict_on_batch(x), np.ones((3, 1)))
    history = model.fit(x, np.zeros(3), validation_data=(x, np.zeros(3)), epochs=2, verbose=0)
    assert history.history["val_loss"][1] < history.history["val_loss"][0]
    loss = model.test_on_batch(x, np.zeros(3))
    np.testing.assert_allclose(loss, model.evaluate(x, np.zeros(3), verbose=0), rtol=1e-6)
    with pytest.raises(TypeError, match=r'for input "n", which expects float32'):
        model.predict({"t": ["A"], "n": ["x y"]}, verbose=0)
