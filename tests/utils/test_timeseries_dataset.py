"""timeseries_dataset_from_array against Keras 3's (its grain format, which runs without
TensorFlow), and a fit on its output."""

import keras
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import sloi
from sloi.utils import timeseries_dataset_from_array

DATA = np.arange(100, dtype="float32").reshape(50, 2)
TARGETS = np.arange(50) * 10

CASES = [
    dict(sequence_length=5),
    dict(sequence_length=5, batch_size=7),
    dict(sequence_length=4, sequence_stride=3, batch_size=4),
    dict(sequence_length=3, sampling_rate=4, batch_size=5),
    dict(sequence_length=6, sequence_stride=2, sampling_rate=2, start_index=5, end_index=40,
         batch_size=3),
    dict(sequence_length=2, start_index=10, batch_size=16),
    dict(sequence_length=2, end_index=12, batch_size=4),
    dict(sequence_length=50, batch_size=2),  # exactly one window
]


def keras_batches(data, targets, **kwargs):
    pytest.importorskip("grain")  # Keras without TensorFlow needs grain
    ds = keras.utils.timeseries_dataset_from_array(data, targets, format="grain", **kwargs)
    return [tuple(np.asarray(t) for t in b) if isinstance(b, tuple) else np.asarray(b)
            for b in ds]


@pytest.mark.parametrize("kwargs", CASES)
def test_windows_match_keras(kwargs):
    ours = timeseries_dataset_from_array(DATA, TARGETS, **kwargs)
    assert isinstance(ours, DataLoader)
    theirs = keras_batches(DATA, TARGETS, **kwargs)
    assert len(ours) == len(theirs)
    for (x, y), (kx, ky) in zip(ours, theirs):
        assert isinstance(x, torch.Tensor) and x.dtype == torch.float32
        np.testing.assert_array_equal(x.numpy(), kx)
        np.testing.assert_array_equal(y.numpy(), ky)


def test_without_targets_and_without_batching_matches_keras():
    series = np.sin(np.arange(30)).astype("float64")
    ours = list(timeseries_dataset_from_array(series, None, sequence_length=4, batch_size=8))
    theirs = keras_batches(series, None, sequence_length=4, batch_size=8)
    assert len(ours) == len(theirs)
    for x, kx in zip(ours, theirs):
        assert x.dtype == torch.float64
        np.testing.assert_array_equal(x.numpy(), kx)
    single = list(timeseries_dataset_from_array(series, np.arange(30), sequence_length=4,
                                                batch_size=None))
    assert len(single) == 27 and single[3][0].shape == (4,) and int(single[3][1]) == 3


def test_shuffled_windows_are_keras_windows_in_keras_order():
    kwargs = dict(sequence_length=4, sequence_stride=2, batch_size=5, shuffle=True, seed=11)
    ours = [(x.numpy(), y.numpy()) for x, y in timeseries_dataset_from_array(DATA, TARGETS,
                                                                             **kwargs)]
    theirs = keras_batches(DATA, TARGETS, **kwargs)

    def rows(batches):
        return sorted((tuple(y.tolist()), x.tobytes()) for xs, ys in batches
                      for x, y in zip(xs, ys[:, None]))

    assert rows(ours) == rows(theirs)
    # Keras shuffles the window starts with RandomState(seed) before any other shuffle
    starts = np.arange(0, 47, 2)
    np.random.RandomState(11).shuffle(starts)
    np.testing.assert_array_equal(np.concatenate([y for _, y in ours]), starts * 10)
    again = [y.numpy() for _, y in timeseries_dataset_from_array(DATA, TARGETS, **kwargs)]
    np.testing.assert_array_equal(np.concatenate(again), starts * 10)


def test_predict_the_next_step_recipe():
    # Keras's docs: the target of a window is the step after it with targets=data[length:]
    series = np.arange(20)
    ds = timeseries_dataset_from_array(series[:-3], series[3:], sequence_length=3,
                                       batch_size=100)
    x, y = next(iter(ds))
    np.testing.assert_array_equal(x[0].numpy(), [0, 1, 2])
    assert int(y[0]) == 3 and len(y) == 15


def test_fit_takes_the_dataset():
    t = np.arange(300, dtype="float32")
    series = np.sin(t / 8.0)[:, None]
    ds = timeseries_dataset_from_array(series[:-10], series[10:, 0], sequence_length=10,
                                       batch_size=32)
    model = sloi.Sequential([sloi.layers.Input((10, 1)), sloi.layers.LSTM(8),
                             sloi.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(ds, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert model.predict(ds, verbose=0).shape == (281, 1)


def test_arguments_out_of_range_are_refused():
    data = np.arange(10)
    with pytest.raises(ValueError, match=r"sequence_length must be an int >= 1; got "
                                         r"sequence_length=0"):
        timeseries_dataset_from_array(data, None, 0)
    with pytest.raises(ValueError, match=r"sampling_rate must be an int in \[1, 9\] \(data has 10 "
                                         r"steps\); got sampling_rate=10"):
        timeseries_dataset_from_array(data, None, 2, sampling_rate=10)
    with pytest.raises(ValueError, match=r"sequence_stride must be an int in \[1, 9\].*got "
                                         r"sequence_stride=0"):
        timeseries_dataset_from_array(data, None, 2, sequence_stride=0)
    with pytest.raises(ValueError, match=r"start_index must be an int in \[0, 9\].*got "
                                         r"start_index=-1"):
        timeseries_dataset_from_array(data, None, 2, start_index=-1)
    with pytest.raises(ValueError, match=r"end_index must be an int in \[5, 10\] \(above "
                                         r"start_index=4\).*got end_index=3"):
        timeseries_dataset_from_array(data, None, 2, start_index=4, end_index=3)
    with pytest.raises(ValueError, match=r"a window spans 7 steps \(sequence_length=4, "
                                         r"sampling_rate=2\) but only 5 steps lie between "
                                         r"start_index=5 and end_index=10: no window fits"):
        timeseries_dataset_from_array(data, None, 4, sampling_rate=2, start_index=5)
    with pytest.raises(ValueError, match=r"batch_size must be an int >= 1; got batch_size=0"):
        timeseries_dataset_from_array(data, None, 2, batch_size=0)
    with pytest.raises(ValueError, match="data is empty"):
        timeseries_dataset_from_array(np.zeros((0, 3)), None, 2)
