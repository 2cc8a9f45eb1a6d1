"""FeatureSpace. Keras's needs TensorFlow to adapt and call (tf.data, its lookup and hashing
layers), so the numeric parts are checked against Keras's layers on torch (Normalization,
Rescaling, Discretization's quantile summaries and bucketing, CategoryEncoding), the string,
lookup and hashing parts against sloi's own preprocessing layers (whose tests check them
against Keras's indices and TensorFlow's FarmHash buckets), and the configs against the
config Keras's FeatureSpace writes."""

import keras
import numpy as np
import pytest
import torch
from keras.src.layers.preprocessing import discretization as keras_discretization

import sloi
from sloi.layers import HashedCrossing, Hashing, IntegerLookup, StringLookup, TextVectorization
from sloi.utils import FeatureSpace

RNG = np.random.default_rng(0)
N = 100
DATA = {
    "age": RNG.normal(40, 12, N).astype("float32"),
    "fare": RNG.exponential(30, N).astype("float32"),
    "height": RNG.uniform(150, 200, N).astype("float32"),
    "sex": RNG.choice(["male", "female"], N, p=[0.6, 0.4]),
    "pclass": RNG.choice([1, 2, 3], N, p=[0.2, 0.3, 0.5]),
    "city": RNG.choice(["a", "b", "c", "d"], N),
    "zone": RNG.integers(0, 50, N),
}
WIDTH = 1 + 4 + 1 + 3 + 4 + 8 + 5  # age fare height sex pclass city zone


def space(**kwargs):
    features = {"age": "float_normalized", "fare": FeatureSpace.float_discretized(num_bins=4),
                "height": FeatureSpace.float_rescaled(scale=0.01, offset=-1.5),
                "sex": "string_categorical", "pclass": "integer_categorical",
                "city": FeatureSpace.string_hashed(num_bins=8),
                "zone": FeatureSpace.integer_hashed(num_bins=5)}
    fs = FeatureSpace(features, **kwargs)
    fs.adapt(DATA)
    return fs


def column(name):
    return DATA[name][:, None]


def one_hot(indices, depth):
    """Keras's CategoryEncoding, as Keras's FeatureSpace one-hot encodes."""
    encoder = keras.layers.CategoryEncoding(num_tokens=depth, output_mode="multi_hot")
    return np.asarray(encoder(np.asarray(indices)))


def keras_boundaries(values, num_bins, epsilon=0.01):
    """Keras's Discretization.adapt over FeatureSpace's batches of 32, from Keras's own
    summary functions."""
    summary = np.array([[], []], dtype="float32")
    for start in range(0, len(values), 32):
        batch = keras_discretization.summarize(values[start:start + 32], epsilon)
        summary = keras_discretization.merge_summaries(batch, summary, epsilon)
    return keras_discretization.get_bin_boundaries(summary, num_bins).tolist()


def test_dict_output_is_keras_s_layers_one_after_the_other():
    out = space(output_mode="dict")(DATA)
    assert list(out) == sorted(DATA)  # sorted names
    # float_normalized: Keras's Normalization with the data's mean and variance
    norm = keras.layers.Normalization(mean=DATA["age"].mean(), variance=DATA["age"].var())
    np.testing.assert_allclose(out["age"].numpy(), np.asarray(norm(column("age"))),
                               rtol=1e-5, atol=1e-5)
    # float_discretized: Keras's boundaries, Keras's bucketing, Keras's encoding
    bounds = keras_boundaries(DATA["fare"], 4)
    bins = keras.layers.Discretization(bin_boundaries=bounds)(column("fare"))
    np.testing.assert_array_equal(out["fare"].numpy(), one_hot(bins, 4))
    # float_rescaled: Keras's Rescaling
    rescale = keras.layers.Rescaling(scale=0.01, offset=-1.5)
    np.testing.assert_allclose(out["height"].numpy(), np.asarray(rescale(column("height"))),
                               rtol=1e-6)
    # categorical: the lookup layers adapted on the column (OOV index 0, by falling count)
    for name, lookup in (("sex", StringLookup()), ("pclass", IntegerLookup())):
        lookup.adapt(DATA[name])
        indices = lookup(column(name)).numpy()
        np.testing.assert_array_equal(out[name].numpy(),
                                      one_hot(indices, lookup.vocabulary_size()))
    counts = {v: int((DATA["sex"] == v).sum()) for v in ("male", "female")}
    order = sorted(counts, key=lambda v: (counts[v], v), reverse=True)
    assert out["sex"].numpy().argmax(-1).tolist() == [1 + order.index(v) for v in DATA["sex"]]
    # hashed: the Hashing layer's (FarmHash) bins
    for name, bins in (("city", 8), ("zone", 5)):
        indices = Hashing(num_bins=bins)(column(name)).numpy()
        np.testing.assert_array_equal(out[name].numpy(), one_hot(indices, bins))


def test_concat_is_the_dict_in_sorted_order():
    as_dict = space(output_mode="dict")(DATA)
    concat = space()(DATA)
    assert concat.dtype == torch.float32 and concat.shape == (N, WIDTH)
    expected = torch.cat([as_dict[name] for name in sorted(as_dict)], dim=-1)
    torch.testing.assert_close(concat, expected)


@pytest.mark.parametrize("output_mode", ["one_hot", "int"])
def test_crosses_are_hashed_crossings_of_the_preprocessed_values(output_mode):
    cross = FeatureSpace.cross(("sex", "pclass"), crossing_dim=6, output_mode=output_mode)
    out = space(crosses=[cross], output_mode="dict")(DATA)
    assert list(out)[-1] == "sex_X_pclass"
    indices = [space(output_mode="dict").preprocessors[n](column(n)) for n in ("sex", "pclass")]
    crossed = HashedCrossing(num_bins=6)(indices).numpy()
    expected = one_hot(crossed, 6) if output_mode == "one_hot" else crossed
    np.testing.assert_array_equal(out["sex_X_pclass"].numpy(), expected)
    assert space(crosses=[("sex", "pclass")], crossing_dim=6)(DATA).shape == (N, WIDTH + 6)


@pytest.mark.parametrize("num_oov_indices", [0, 1, 2])
def test_categorical_features_take_the_lookup_s_arguments(num_oov_indices):
    fs = FeatureSpace({"sex": FeatureSpace.string_categorical(
                           num_oov_indices=num_oov_indices, output_mode="int"),
                       "pclass": FeatureSpace.integer_categorical(
                           max_tokens=num_oov_indices + 2, num_oov_indices=num_oov_indices)},
                      output_mode="dict")
    fs.adapt(DATA)
    sex = StringLookup(num_oov_indices=num_oov_indices)
    sex.adapt(DATA["sex"])
    pclass = IntegerLookup(max_tokens=num_oov_indices + 2, num_oov_indices=num_oov_indices)
    pclass.adapt(DATA["pclass"])
    known = np.where(DATA["pclass"] > 1, DATA["pclass"], 3)  # class 1 is left out
    out = fs({"sex": DATA["sex"], "pclass": known})
    np.testing.assert_array_equal(out["sex"].numpy(), sex(column("sex")).numpy())
    # max_tokens: the OOV indices and the two most frequent classes (3, 2) only
    assert pclass.get_vocabulary(include_special_tokens=False) == [3, 2]
    np.testing.assert_array_equal(out["pclass"].numpy(), one_hot(
        pclass(known[:, None]), num_oov_indices + 2))
    if num_oov_indices == 0:
        with pytest.raises(ValueError, match="nobody"):
            fs({"sex": ["nobody"], "pclass": [3]})
    else:
        unknown = fs({"sex": ["nobody", "male"], "pclass": [7, 3]})
        assert unknown["sex"][0, 0] < num_oov_indices <= unknown["sex"][1, 0]


def test_a_feature_of_any_layer():
    """Keras's own example: a TextVectorization in tf-idf mode as a float feature."""
    texts = np.array(["a b c", "b c", "c d", "a a", "d"])
    fs = FeatureSpace({"text": FeatureSpace.feature(
        dtype="string", preprocessor=TextVectorization(output_mode="tf_idf"),
        output_mode="float")})
    fs.adapt({"text": texts})
    layer = TextVectorization(output_mode="tf_idf")
    layer.adapt(texts)
    torch.testing.assert_close(fs({"text": texts}), layer(texts[:, None]))
    again = FeatureSpace.from_config(fs.get_config())  # the vocabulary travels in the config
    torch.testing.assert_close(again({"text": texts}), layer(texts[:, None]))
    given = FeatureSpace({"text": FeatureSpace.feature(
        dtype="string", preprocessor=TextVectorization(vocabulary=["a", "b"]),
        output_mode="int")}, output_mode="dict")  # nothing to adapt
    np.testing.assert_array_equal(given({"text": texts})["text"].numpy(),
                                  TextVectorization(vocabulary=["a", "b"])(texts[:, None]))


def test_int_features_cannot_be_concatenated():
    with pytest.raises(ValueError, match="feature 'sex' has not been encoded"):
        concat = FeatureSpace({"sex": FeatureSpace.string_categorical(output_mode="int")})
        concat.adapt(DATA)
        concat(DATA)


def test_a_single_sample_comes_back_without_a_batch_axis():
    fs = space()
    single = fs({k: v[0] for k, v in DATA.items()})
    assert single.shape == (WIDTH,)
    torch.testing.assert_close(single, fs({k: v[:1] for k, v in DATA.items()})[0])
    as_dict = space(output_mode="dict")({k: v[0] for k, v in DATA.items()})
    assert as_dict["sex"].shape == (3,) and as_dict["age"].shape == (1,)


def test_adapt_reads_a_dict_in_batches_of_32_and_an_iterable_as_given():
    names = {"age": "float_normalized", "fare": "float_discretized", "sex": "string_categorical"}
    by_dict = FeatureSpace(names, num_discretization_bins=3)
    by_dict.adapt(DATA)
    by_32 = FeatureSpace(names, num_discretization_bins=3)
    by_32.adapt([{k: v[i:i + 32] for k, v in DATA.items()} for i in range(0, N, 32)])
    torch.testing.assert_close(by_32(DATA), by_dict(DATA))
    by_25 = FeatureSpace(names, num_discretization_bins=3)
    by_25.adapt([{k: v[i:i + 25] for k, v in DATA.items()} for i in range(0, N, 25)])
    summary = np.array([[], []], dtype="float32")
    for i in range(0, N, 25):
        summary = keras_discretization.merge_summaries(
            keras_discretization.summarize(DATA["fare"][i:i + 25], 0.01), summary, 0.01)
    expected = keras_discretization.get_bin_boundaries(summary, 3).tolist()
    assert by_25.preprocessors["fare"].bin_boundaries == pytest.approx(expected)


def test_get_encoded_features_builds_the_same_preprocessing_as_a_graph():
    fs = FeatureSpace({"age": "float_normalized", "fare": "float_discretized",
                       "pclass": FeatureSpace.integer_categorical(num_oov_indices=2),
                       "zone": "integer_hashed", "height": "float"},
                      crosses=[("pclass", "zone")], num_discretization_bins=4, hashing_dim=7,
                      crossing_dim=5)
    fs.adapt(DATA)
    inputs, encoded = fs.get_inputs(), fs.get_encoded_features()
    assert sorted(inputs) == sorted(fs.features)
    assert tuple(encoded.shape) == (None, 1 + 4 + 1 + 5 + 7 + 5)
    model = sloi.Model(inputs, encoded)
    data = {k: DATA[k] for k in fs.features}
    out = model({k: torch.as_tensor(column(k)) for k in data})
    torch.testing.assert_close(out, fs(data))
    with pytest.raises(ValueError, match=r"features \['city', 'sex'\] are strings"):
        space().get_inputs()


def test_errors():
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="invalid feature type 'floaty'"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="output_mode must be 'dict' or 'concat'"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match=r"unknown features \['b'\]"):
        FeatureSpace({"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match=r"call `.adapt\(dataset\)`"):
        FeatureSpace({"a": "float_normalized"})({"a": [1.0]})
    with pytest.raises(ValueError, match="2 bin_boundaries make 3 bins; got num_bins=4"):
        FeatureSpace.float_discretized(num_bins=4, bin_boundaries=[0.0, 1.0])
    plain = FeatureSpace({"a": "float", "h": "string_hashed",
                          "d": FeatureSpace.float_discretized(None, bin_boundaries=[0.0, 1.0])},
                         hashing_dim=4)
    out = plain({"a": [1.0, 2.0], "h": ["x", "y"], "d": [-1.0, 0.5]})  # nothing to adapt
    assert out.shape == (2, 1 + 3 + 4) and out[:, 0].tolist() == [1.0, 2.0]  # a, d, h
    assert out[:, 1:4].argmax(-1).tolist() == [0, 1]
    with pytest.raises(ValueError, match="only be called with a dict"):
        plain([1.0])


def test_config_is_keras_s_and_carries_what_was_learned():
    names = {"age": "float_normalized", "height": "float_rescaled", "fare": "float_discretized",
             "zone": "float"}
    keras_config = keras.utils.FeatureSpace(names, num_discretization_bins=3).get_config()
    config = FeatureSpace(names, num_discretization_bins=3).get_config()
    assert set(config) - set(keras_config) == {"name"}
    for name in names:
        ours, theirs = config["features"][name], keras_config["features"][name]
        assert ours["class_name"] == theirs["class_name"] == "Feature"
        assert ours["config"]["preprocessor"]["class_name"] == {"TFDIdentity": "Identity"}.get(
            theirs["config"]["preprocessor"]["class_name"],
            theirs["config"]["preprocessor"]["class_name"])
    from_keras = FeatureSpace.from_config(keras_config)
    from_keras.adapt(DATA)
    reference = FeatureSpace(names, num_discretization_bins=3)
    reference.adapt(DATA)
    data = {k: DATA[k] for k in names}
    torch.testing.assert_close(from_keras(data), reference(data))
    # not adapted: the rebuilt one must be adapted too; adapted: it is ready
    with pytest.raises(ValueError, match="adapt"):
        FeatureSpace.from_config(FeatureSpace(names).get_config())(data)
    fs = space(crosses=[("sex", "pclass")])
    again = FeatureSpace.from_config(fs.get_config())
    assert again.get_config() == fs.get_config()
    torch.testing.assert_close(again(DATA), fs(DATA))
