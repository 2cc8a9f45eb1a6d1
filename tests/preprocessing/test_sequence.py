"""pad_sequences against Keras 3's; Keras 2's skipgrams, make_sampling_table and
TimeseriesGenerator against their behaviour written out."""

import json
import math

import keras
import numpy as np
import pytest

import sloi
from sloi.preprocessing.sequence import (
    TimeseriesGenerator,
    make_sampling_table,
    pad_sequences,
    skipgrams,
)

RAGGED = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9], [10, 11]]
CASES = [
    (RAGGED, {}),
    (RAGGED, {"maxlen": 2}),
    (RAGGED, {"maxlen": 7}),
    (RAGGED, {"maxlen": 3, "padding": "post"}),
    (RAGGED, {"maxlen": 3, "truncating": "post"}),
    (RAGGED, {"maxlen": 3, "padding": "post", "truncating": "post"}),
    (RAGGED, {"maxlen": 4, "value": -1}),
    (RAGGED, {"dtype": "float32", "value": 0.5, "padding": "post"}),
    (RAGGED, {"dtype": "int64", "maxlen": 1}),
    ([np.array([1, 2]), np.array([3, 4, 5])], {"padding": "post"}),
    (([1.5, 2.5], [3.5]), {"dtype": "float64"}),
    ([[[1, 2], [3, 4]], [[5, 6]]], {"maxlen": 3}),  # sequences of vectors
    ([[[1, 2], [3, 4]], [[5, 6]]], {"maxlen": 1, "truncating": "post", "dtype": "float32"}),
    ([["a", "bb"], ["ccc"]], {"dtype": object, "value": "<pad>"}),
    ([["я", "иду"], ["домой", "сейчас", "же"]], {"dtype": object, "value": "", "maxlen": 2,
                                               "padding": "post"}),
    ([[1], [2]], {"maxlen": 3}),
    ([[7, 8, 9]], {}),
]


@pytest.mark.parametrize("sequences,kwargs", CASES)
def test_pad_sequences_matches_keras(sequences, kwargs):
    ours = pad_sequences(sequences, **kwargs)
    theirs = keras.utils.pad_sequences(sequences, **kwargs)
    assert ours.dtype == theirs.dtype
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_is_also_in_utils():
    assert sloi.utils.pad_sequences is pad_sequences
    assert sloi.preprocessing.sequence.pad_sequences is pad_sequences


def test_tokenizer_output_pads_as_keras_2():
    # Keras 2's docs example: pre-padding keeps the sequence's end
    assert pad_sequences([[1, 2, 3], [4, 5]], maxlen=4).tolist() == [[0, 1, 2, 3], [0, 0, 4, 5]]


def test_bare_str_dtype_is_widened_not_cut():
    out = pad_sequences([["кот", "собака"], ["ёж"]], dtype=str, value="-")
    assert out.tolist() == [["кот", "собака"], ["-", "ёж"]]


def test_empty_list_gives_an_empty_array():
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([], maxlen=3).shape == (0, 3)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match=r"item 0 is int 1; to pad one sequence, wrap it in a "
                                         r"list"):
        pad_sequences([1, 2, 3])
    with pytest.raises(ValueError, match=r"expects a list of sequences; got int 5"):
        pad_sequences(5)
    with pytest.raises(ValueError, match=r"item 1 is str 'hello' \(a string is not a list of "
                                         r"tokens"):
        pad_sequences([["a"], "hello"], dtype=object)
    with pytest.raises(ValueError, match=r"padding must be 'pre' or 'post'; got padding='left'"):
        pad_sequences([[1]], padding="left")
    with pytest.raises(ValueError, match=r"truncating must be 'pre' or 'post'; got "
                                         r"truncating='middle'"):
        pad_sequences([[1]], truncating="middle")
    with pytest.raises(ValueError, match=r"maxlen must be None or an int >= 1; got maxlen=0"):
        pad_sequences([[1]], maxlen=0)
    with pytest.raises(ValueError, match=r"dtype int32 cannot hold the string value 'x'"):
        pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match=r"items of sequence 1 have shape \(3,\), those of the "
                                         r"first non-empty sequence \(2,\)"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


# ------------------------------------------------------------------------- sampling, skipgrams
def test_make_sampling_table_formula():
    table = make_sampling_table(6, sampling_factor=1e-3)
    expected = []
    for i in range(6):
        rank = max(i, 1)
        f = 1e-3 * (rank * (math.log(rank) + 0.577) + 0.5 - 1 / (12 * rank))
        expected.append(min(1.0, math.sqrt(f)))
    np.testing.assert_allclose(table, expected, rtol=1e-12)
    big = make_sampling_table(10_000)
    assert np.all(np.diff(big[1:]) >= 0) and big.max() <= 1.0  # rarer words kept more often


def test_skipgrams_positive_couples_in_order():
    couples, labels = skipgrams([1, 2, 0, 3], vocabulary_size=5, window_size=1,
                                negative_samples=0, shuffle=False)
    # 0 is padding: never a word, never a context
    assert couples == [[1, 2], [2, 1]]
    assert labels == [1, 1]
    couples, labels = skipgrams([1, 2, 3], vocabulary_size=5, window_size=2,
                                negative_samples=0, shuffle=False, categorical=True)
    assert couples == [[1, 2], [1, 3], [2, 1], [2, 3], [3, 1], [3, 2]]
    assert labels == [[0, 1]] * 6


def test_skipgrams_negatives_and_shuffle():
    seq = [1, 2, 3, 4, 5, 6]
    positives, _ = skipgrams(seq, 50, window_size=2, negative_samples=0, shuffle=False)
    couples, labels = skipgrams(seq, 50, window_size=2, negative_samples=2.0, seed=3)
    assert len(couples) == 3 * len(positives) and labels.count(0) == 2 * len(positives)
    assert sorted(c for c, lab in zip(couples, labels) if lab == 1) == sorted(positives)
    for (word, context), lab in zip(couples, labels):
        if lab == 0:
            assert word in seq and 1 <= context <= 49
    assert skipgrams(seq, 50, seed=3) == skipgrams(seq, 50, seed=3)


def test_skipgrams_sampling_table_drops_words():
    table = np.zeros(10)
    table[2] = 1.0  # only word 2 survives
    couples, _ = skipgrams([1, 2, 3], 10, window_size=1, negative_samples=0, shuffle=False,
                           sampling_table=table, seed=0)
    assert couples == [[2, 1], [2, 3]]


# ----------------------------------------------------------------------- TimeseriesGenerator
def test_timeseries_generator_keras_2_docs_example():
    data = np.array([[i] for i in range(50)])
    targets = np.array([[i] for i in range(50)])
    gen = TimeseriesGenerator(data, targets, length=10, sampling_rate=2, batch_size=2)
    assert len(gen) == 20
    x, y = gen[0]
    np.testing.assert_array_equal(x, [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]])
    np.testing.assert_array_equal(y, [[10], [11]])
    x, y = gen[19]
    np.testing.assert_array_equal(y, [[48], [49]])
    assert sum(len(b[1]) for b in gen) == 40


def test_timeseries_generator_stride_reverse_end():
    data = np.arange(20)
    gen = TimeseriesGenerator(data, data * 10, length=3, stride=4, start_index=2, end_index=15,
                              reverse=True, batch_size=3)
    # rows 5, 9, 13 (start_index + length = 5, up to end_index 15, step 4): one batch of 3
    assert len(gen) == 1
    x, y = gen[0]
    np.testing.assert_array_equal(x, [[4, 3, 2], [8, 7, 6], [12, 11, 10]])
    np.testing.assert_array_equal(y, [50, 90, 130])


def test_timeseries_generator_trains_a_model():
    data = np.sin(np.arange(120) / 5.0).astype("float32")[:, None]
    gen = TimeseriesGenerator(data, data, length=8, batch_size=16)
    model = sloi.Sequential([sloi.layers.Input((8, 1)), sloi.layers.LSTM(4),
                             sloi.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(gen, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_timeseries_generator_bad_input():
    with pytest.raises(ValueError, match=r"same length; got 10 and 9"):
        TimeseriesGenerator(np.arange(10), np.arange(9), length=2)
    with pytest.raises(ValueError, match=r"start_index \+ length = 12 is past end_index = 9"):
        TimeseriesGenerator(np.arange(10), np.arange(10), length=12)
    with pytest.raises(ValueError, match=r"stride must be an int >= 1; got stride=0"):
        TimeseriesGenerator(np.arange(10), np.arange(10), length=2, stride=0)


def _rows_by_hand(n, length, sampling_rate, stride, start_index, end_index, batch_size):
    """Keras 2's batches written out: the rows each batch predicts, and their windows."""
    rows = list(range(start_index + length, end_index + 1, stride))
    batches = [rows[i:i + batch_size] for i in range(0, len(rows), batch_size)]
    return batches, lambda r: list(range(r - length, r, sampling_rate))


@pytest.mark.parametrize("length,sampling_rate,stride,start_index,end_index,batch_size", [
    (4, 1, 1, 0, None, 5), (6, 2, 3, 1, 25, 4), (5, 3, 2, 2, 29, 3), (3, 1, 7, 0, 20, 1),
])
def test_timeseries_generator_matches_the_rows_written_out(length, sampling_rate, stride,
                                                           start_index, end_index, batch_size):
    n = 30
    data = np.arange(n * 2, dtype="float32").reshape(n, 2)
    targets = np.arange(n) * 100
    gen = TimeseriesGenerator(data, targets, length=length, sampling_rate=sampling_rate,
                              stride=stride, start_index=start_index, end_index=end_index,
                              batch_size=batch_size)
    batches, window = _rows_by_hand(n, length, sampling_rate, stride, start_index,
                                    n - 1 if end_index is None else end_index, batch_size)
    assert len(gen) == len(batches)
    for k, rows in enumerate(batches):
        x, y = gen[k]
        np.testing.assert_array_equal(x, data[[window(r) for r in rows]])
        np.testing.assert_array_equal(y, targets[rows])
    with pytest.raises(IndexError):
        gen[len(gen)]


@pytest.mark.parametrize("length,sampling_rate,stride,batch_size", [
    (4, 1, 1, 5), (6, 2, 3, 4), (5, 3, 2, 3),
])
def test_timeseries_generator_equals_timeseries_dataset_from_array(length, sampling_rate,
                                                                   stride, batch_size):
    # Keras 2's documented equivalence: the generator predicts targets[r] from the `length`
    # steps before r; timeseries_dataset_from_array labels a window by its first step, so it
    # gets targets[length:] and ceil(length / sampling_rate) steps a window.
    n = 40
    data = np.random.default_rng(0).normal(size=(n, 3)).astype("float32")
    targets = np.arange(n)
    gen = TimeseriesGenerator(data, targets, length=length, sampling_rate=sampling_rate,
                              stride=stride, batch_size=batch_size)
    kwargs = dict(sequence_length=-(-length // sampling_rate), sequence_stride=stride,
                  sampling_rate=sampling_rate, batch_size=batch_size)
    ours = [(x.numpy(), y.numpy()) for x, y in
            sloi.preprocessing.timeseries_dataset_from_array(data, targets[length:], **kwargs)]
    pytest.importorskip("grain")  # Keras's function needs TensorFlow or grain
    theirs = [(np.asarray(x), np.asarray(y)) for x, y in
              keras.utils.timeseries_dataset_from_array(data, targets[length:], format="grain",
                                                        **kwargs)]
    assert len(ours) == len(theirs) == len(gen)
    for (x, y), (ox, oy), (tx, ty) in zip(gen, ours, theirs):
        np.testing.assert_array_equal(x, tx)
        np.testing.assert_array_equal(y, ty)
        np.testing.assert_array_equal(x, ox)
        np.testing.assert_array_equal(y, oy)


def test_timeseries_generator_shuffle_draws_rows_with_numpys_global_generator():
    data = np.arange(50)
    gen = TimeseriesGenerator(data, data, length=5, start_index=3, end_index=40, shuffle=True,
                              batch_size=64, reverse=True)
    np.random.seed(7)
    x, y = gen[0]
    np.random.seed(7)
    rows = np.random.randint(8, 41, size=64)  # Keras 2: start_index + length .. end_index
    np.testing.assert_array_equal(y, rows)
    np.testing.assert_array_equal(x, [data[r - 5:r][::-1] for r in rows])


def test_timeseries_generator_get_config_and_to_json_round_trip():
    data = np.arange(24, dtype="float32").reshape(12, 2)
    gen = TimeseriesGenerator(data, data[:, 0], length=3, sampling_rate=1, stride=2,
                              start_index=1, end_index=10, reverse=True, batch_size=2)
    config = gen.get_config()
    assert json.loads(config["data"]) == data.tolist()
    assert {k: v for k, v in config.items() if k not in ("data", "targets")} == {
        "length": 3, "sampling_rate": 1, "stride": 2, "start_index": 1, "end_index": 10,
        "shuffle": False, "reverse": True, "batch_size": 2,
    }
    text = gen.to_json(indent=1)
    assert json.loads(text) == {"class_name": "TimeseriesGenerator", "config": config}
    again = TimeseriesGenerator.from_config(json.loads(text)["config"])
    assert len(again) == len(gen)
    for (x, y), (x2, y2) in zip(gen, again):
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(y, y2)
    with pytest.raises(TypeError, match="targets is not JSON serializable"):
        TimeseriesGenerator(data, [object()] * 12, length=3).get_config()
