"""``sloi.preprocessing``'s dataset functions at the path Keras 2 and 3 code imports them from,
run against ``keras.preprocessing``'s (Keras's grain format: no TensorFlow needed)."""

import keras
import numpy as np
import pytest

import sloi.preprocessing


def _rows(batches):
    """(x, y) batches as one list of (sample, label) pairs of plain Python values."""
    pairs = []
    for x, y in batches:
        xs = x if isinstance(x, (tuple, list)) else np.asarray(x).tolist()
        pairs += list(zip(xs, np.asarray(y).tolist()))
    return pairs


def test_keras_preprocessing_names_are_all_here():
    names = {n for n in dir(keras.preprocessing) if not n.startswith("_")}
    assert names <= {n for n in dir(sloi.preprocessing) if not n.startswith("_")}
    sequence_names = {n for n in dir(keras.preprocessing.sequence) if not n.startswith("_")}
    assert sequence_names <= set(dir(sloi.preprocessing.sequence))


@pytest.mark.parametrize("kwargs", [
    dict(sequence_length=5, batch_size=4),
    dict(sequence_length=3, sequence_stride=2, sampling_rate=2, batch_size=3, start_index=4,
         end_index=30),
])
def test_timeseries_dataset_from_array_at_the_preprocessing_path(kwargs):
    pytest.importorskip("grain")
    series = np.arange(80, dtype="float32").reshape(40, 2)
    targets = np.arange(40) * 10
    ours = sloi.preprocessing.timeseries_dataset_from_array(series, targets, **kwargs)
    theirs = keras.preprocessing.timeseries_dataset_from_array(series, targets, format="grain",
                                                               **kwargs)
    ours, theirs = list(ours), list(theirs)
    assert [np.asarray(x).shape for x, _ in ours] == [np.asarray(x).shape for x, _ in theirs]
    assert _rows(ours) == _rows(theirs)
    # the windows, written out: window k starts at start + k * stride
    start, stride, rate = kwargs.get("start_index", 0), kwargs.get("sequence_stride", 1), \
        kwargs.get("sampling_rate", 1)
    x0, y0 = ours[0]
    np.testing.assert_array_equal(
        x0[1].numpy(),
        series[start + stride: start + stride + kwargs["sequence_length"] * rate: rate])
    assert y0[1].item() == targets[start + stride]


def test_text_dataset_from_directory_at_the_preprocessing_path(tmp_path):
    pytest.importorskip("grain")
    for label, count in (("neg", 3), ("pos", 4)):
        (tmp_path / label).mkdir()
        for i in range(count):
            (tmp_path / label / f"{i}.txt").write_text(f"{label} review {i}")
    kwargs = dict(batch_size=3, shuffle=False)
    ours = sloi.preprocessing.text_dataset_from_directory(tmp_path, verbose=False, **kwargs)
    theirs = keras.preprocessing.text_dataset_from_directory(tmp_path, format="grain",
                                                             verbose=False, **kwargs)
    assert _rows(ours) == _rows(theirs)
    assert _rows(ours) == [(f"neg review {i}", 0) for i in range(3)] + [
        (f"pos review {i}", 1) for i in range(4)]
