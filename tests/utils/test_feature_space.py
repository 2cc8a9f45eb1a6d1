"""FeatureSpace. Keras's needs TensorFlow (tf.data, its lookup and hashing layers), so its
parts are checked against Keras where Keras runs on torch (Normalization and Discretization
calls, Discretization's quantile summaries), and against the encodings written out."""

import keras
import numpy as np
import pytest
import torch
from keras.src.layers.preprocessing import discretization as keras_discretization

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


def space(**kwargs):
    features = {"age": "float_normalized", "fare": FeatureSpace.float_discretized(num_bins=4),
                "height": FeatureSpace.float_rescaled(scale=0.01, offset=-1.5),
                "sex": "string_categorical", "pclass": "integer_categorical",
                "city": FeatureSpace.string_hashed(num_bins=8),
                "zone": FeatureSpace.integer_hashed(num_bins=5)}
    fs = FeatureSpace(features, **kwargs)
    fs.adapt(DATA)
    return fs


def keras_boundaries(values, num_bins, epsilon=0.01):
    """Keras's Discretization.adapt over FeatureSpace's batches of 32, from Keras's own
    summary functions."""
    summary = np.array([[], []], dtype="float32")
    for start in range(0, len(values), 32):
        batch = keras_discretization.summarize(values[start:start + 32], epsilon)
        summary = keras_discretization.merge_summaries(batch, summary, epsilon)
    return keras_discretization.get_bin_boundaries(summary, num_bins).tolist()


def test_dict_output_matches_keras_s_layers_and_the_encodings():
    fs = space(output_mode="dict")
    out = fs(DATA)
    assert list(out) == sorted(DATA)  # sorted names
    # float_normalized: Keras's Normalization with the data's mean and variance
    norm = keras.layers.Normalization(mean=DATA["age"].mean(), variance=DATA["age"].var())
    np.testing.assert_allclose(out["age"].numpy(),
                               np.asarray(norm(DATA["age"][:, None])), rtol=1e-5, atol=1e-5)
    # float_discretized: Keras's boundaries and Keras's bucketing, one-hot
    bounds = keras_boundaries(DATA["fare"], 4)
    assert fs.preprocessors["fare"].bin_boundaries == bounds
    bins = np.asarray(keras.layers.Discretization(bin_boundaries=bounds)(DATA["fare"][:, None]))
    np.testing.assert_array_equal(out["fare"].numpy(), np.eye(4, dtype="float32")[bins[:, 0]])
    # float_rescaled
    np.testing.assert_allclose(out["height"].numpy()[:, 0], DATA["height"] * 0.01 - 1.5,
                               rtol=1e-6)
    # string_categorical: index 0 is out-of-vocabulary, then by falling frequency
    counts = {v: int((DATA["sex"] == v).sum()) for v in ("male", "female")}
    order = sorted(counts, key=lambda v: (counts[v], v), reverse=True)
    expected = np.zeros((N, 3), "float32")
    expected[np.arange(N), [1 + order.index(v) for v in DATA["sex"]]] = 1
    np.testing.assert_array_equal(out["sex"].numpy(), expected)
    assert out["pclass"].shape == (N, 4) and out["pclass"].numpy()[:, 0].sum() == 0
    # hashed: one bin per value, the same value always in the same bin
    for name, bins in (("city", 8), ("zone", 5)):
        hot = out[name].numpy()
        assert hot.shape == (N, bins) and (hot.sum(axis=1) == 1).all()
        first = {}
        for value, row in zip(DATA[name], hot.argmax(axis=1)):
            assert first.setdefault(value, row) == row


def test_concat_is_the_dict_in_sorted_order():
    as_dict = space(output_mode="dict")(DATA)
    concat = space()(DATA)
    assert concat.dtype == torch.float32 and concat.shape == (N, 1 + 4 + 1 + 3 + 4 + 8 + 5)
    expected = torch.cat([as_dict[name] for name in sorted(as_dict)], dim=-1)
    torch.testing.assert_close(concat, expected)


def test_crosses_hash_the_preprocessed_pairs():
    fs = space(crosses=[("sex", "pclass")], crossing_dim=6, output_mode="dict")
    out = fs(DATA)
    assert list(out)[-1] == "sex_X_pclass" and out["sex_X_pclass"].shape == (N, 6)
    cross = out["sex_X_pclass"].numpy().argmax(axis=1)
    seen = {}
    for pair, row in zip(zip(DATA["sex"], DATA["pclass"]), cross):
        assert seen.setdefault(pair, row) == row
    assert len(seen) == 6 and space(crosses=[("sex", "pclass")], crossing_dim=6)(DATA).shape == (
        N, 26 + 6)


def test_int_output_mode_and_unknown_values():
    fs = FeatureSpace({"sex": FeatureSpace.string_categorical(output_mode="int"),
                       "pclass": FeatureSpace.integer_categorical(max_tokens=2)},
                      output_mode="dict")
    fs.adapt(DATA)
    out = fs({"sex": ["male", "nobody", "female"], "pclass": [3, 2, 1]})
    assert out["sex"].dtype == torch.int64 and out["sex"][:, 0].tolist()[1] == 0
    # max_tokens=2: the out-of-vocabulary index and the most frequent class (3) only
    assert out["pclass"].tolist() == [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]
    with pytest.raises(ValueError, match="feature 'sex' has not been encoded"):
        concat = FeatureSpace({"sex": FeatureSpace.string_categorical(output_mode="int")})
        concat.adapt(DATA)
        concat(DATA)


def test_a_single_sample_comes_back_without_a_batch_axis():
    fs = space()
    row = {k: v[0] for k, v in DATA.items()}
    single = fs(row)
    assert single.shape == (26,)
    torch.testing.assert_close(single, fs({k: v[:1] for k, v in DATA.items()})[0])


def test_adapt_on_an_iterable_of_batches_equals_adapt_on_the_dict():
    batches = [{k: v[i:i + 25] for k, v in DATA.items()} for i in range(0, N, 25)]
    fs = FeatureSpace({"age": "float_normalized", "fare": "float_discretized",
                       "sex": "string_categorical"}, num_discretization_bins=3)
    fs.adapt(batches)
    ref = FeatureSpace({"age": "float_normalized", "fare": "float_discretized",
                        "sex": "string_categorical"}, num_discretization_bins=3)
    ref.adapt(DATA)
    torch.testing.assert_close(fs(DATA), ref(DATA))


def test_errors_and_config():
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="invalid feature type 'floaty'"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="output_mode must be 'dict' or 'concat'"):
        FeatureSpace({"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match=r"unknown features \['b'\]"):
        FeatureSpace({"a": "float"}, crosses=[("a", "b")])
    fs = FeatureSpace({"a": "float_normalized"})
    with pytest.raises(ValueError, match=r"call `.adapt\(dataset\)`"):
        fs({"a": [1.0]})
    plain = FeatureSpace({"a": "float", "h": "string_hashed"}, hashing_dim=4)
    assert plain({"a": [1.0, 2.0], "h": ["x", "y"]}).shape == (2, 5)  # nothing to adapt
    with pytest.raises(ValueError, match="only be called with a dict"):
        plain([1.0])
    config = space(crosses=[("sex", "pclass")]).get_config()
    again = FeatureSpace.from_config(config)
    assert again.get_config() == config
    again.adapt(DATA)
    torch.testing.assert_close(again(DATA), space(crosses=[("sex", "pclass")])(DATA))
