"""Data of unknown length (generators, iterators, iterables and DataLoaders without a length)
against Keras 3: the batches each epoch reads, the history, the warning, the progress bar."""

import io
import re
import warnings

import keras
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, IterableDataset

import sloi

X = np.random.default_rng(2).normal(size=(40, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def batches(n, size=4):
    """A one-shot generator of ``n`` batches (the same data on every call)."""
    for i in range(n):
        yield X[i * size:(i + 1) * size], Y[i * size:(i + 1) * size]


def _model(lib):
    model = lib.Sequential([lib.layers.Input((3,)), lib.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _pair():
    ours, theirs = _model(sloi), _model(keras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _recorder(lib):
    class Steps(lib.callbacks.Callback):
        """Which batches each epoch (and its validation) ran, and the steps fit announced."""

        def __init__(self):
            super().__init__()
            self.epochs = []

        def on_epoch_begin(self, epoch, logs=None):
            self.epochs.append({"train": 0, "test": 0, "steps": self.params.get("steps")})

        def on_train_batch_end(self, batch, logs=None):
            self.epochs[-1]["train"] = batch + 1

        def on_test_batch_end(self, batch, logs=None):
            if self.epochs:
                self.epochs[-1]["test"] = batch + 1

    return Steps()


def _fit_both(make_data, make_validation=None, **kwargs):
    """fit in sloi and Keras on the same data: the steps per epoch, history and warnings."""
    results = []
    for model, lib in zip(_pair(), (sloi, keras)):
        if make_validation is not None:
            kwargs["validation_data"] = make_validation()
        steps = _recorder(lib)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = model.fit(make_data(), verbose=0, callbacks=[steps], **kwargs).history
        ran_out = [str(w.message) for w in caught if "ran out of data" in str(w.message)]
        epochs = [e for e in steps.epochs if e["train"]]  # Keras runs dry epochs empty
        results.append((epochs, history, ran_out))
    return results


@pytest.mark.parametrize("n,kwargs,same_warnings", [
    (5, {"epochs": 3}, True),  # a one-shot generator: Keras replays its first two batches
    # Keras's torch loop learns one batch too many from a first pass of unknown length (here
    # 2), so it also warns when the replayed batch is all there is; sloi learns 1 and does not
    (1, {"epochs": 2}, False),
    (3, {"epochs": 4, "steps_per_epoch": 2}, True),  # runs dry mid-epoch, then a new pass
    (5, {"epochs": 2, "steps_per_epoch": 2}, True),
])
def test_generators_read_the_batches_keras_reads(n, kwargs, same_warnings):
    (ours, h_ours, w_ours), (theirs, h_theirs, w_theirs) = _fit_both(lambda: batches(n),
                                                                       **kwargs)
    assert ours == theirs
    assert h_ours.keys() == h_theirs.keys()
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-5)
    if same_warnings:
        assert w_ours == w_theirs


def test_a_generator_as_validation_data_is_read_as_keras_reads_it():
    (ours, h_ours, w_ours), (theirs, h_theirs, w_theirs) = _fit_both(
        lambda: batches(2), lambda: batches(5, size=2), epochs=3)
    assert ours == theirs
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-5)


def test_the_warning_is_keras_s_own_text():
    (_, _, w_ours), (_, _, w_theirs) = _fit_both(lambda: batches(3), epochs=2,
                                                 steps_per_epoch=2)
    assert w_ours and w_ours[0] == w_theirs[0]


def test_evaluate_and_predict_run_a_generator_to_its_end():
    ours, theirs = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(ours.evaluate(batches(7), verbose=0),
                                   theirs.evaluate(batches(7), verbose=0), rtol=1e-5)
        got = ours.predict(((x,) for x, _ in batches(3)), verbose=0)
        want = theirs.predict(((x,) for x, _ in batches(3)), verbose=0)
    assert got.shape == (12, 1)
    np.testing.assert_allclose(got, want, atol=1e-6)


class _Stream(IterableDataset):
    def __iter__(self):
        return iter([(torch.from_numpy(X[i:i + 4]), torch.from_numpy(Y[i:i + 4]))
                     for i in range(0, 20, 4)])


class _Again:
    """An iterable without a length that starts over at each ``iter()``."""

    def __iter__(self):
        return batches(5)


@pytest.mark.parametrize("make", [lambda: DataLoader(_Stream(), batch_size=None), _Again])
def test_restartable_data_without_length_reads_every_batch_each_epoch(make):
    model = _model(sloi)
    steps = _recorder(sloi)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(make(), epochs=3, verbose=0, callbacks=[steps],
                  validation_data=make())
        assert [e["train"] for e in steps.epochs] == [5, 5, 5]
        assert [e["test"] for e in steps.epochs] == [5, 5, 5]
        assert model.evaluate(make(), verbose=0) > 0
        assert model.predict(make(), verbose=0).shape == (20, 1)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_counts_steps_then_shows_the_count_learned():
    model = _model(sloi)
    screen = _Terminal()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(_Again(), epochs=2, verbose=1,
                  callbacks=[sloi.callbacks.ProgbarLogger(stream=screen)])
    text = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue())
    first, second = text.split("Epoch 2/2")
    # a running count over an unknown total, and at the end the count, as Keras draws it
    assert re.search(r"\b1/Unknown\b", first) and re.search(r"\b5/5\b", first)
    assert re.search(r"\b1/5\b", second) and "Unknown" not in second


def test_a_generator_of_inconsistent_structures_names_the_step_and_both():
    def bad():
        yield X[:4], Y[:4]
        yield X[4:8], Y[4:8]
        yield (X[8:12],)

    model = _model(sloi)
    with pytest.raises(ValueError, match=r"step 0 gave \(array\(4, 3\), array\(4, 1\)\), "
                                         r"step 2 gave \(array\(4, 3\),\)"):
        model.fit(bad(), verbose=0)


class _Unsized(sloi.utils.PyDataset):
    """A PyDataset of unknown length (``num_batches`` None) that ends with IndexError."""

    @property
    def num_batches(self):
        return None

    def __getitem__(self, i):
        if i >= 5:
            raise IndexError(i)
        return X[i * 4:(i + 1) * 4], Y[i * 4:(i + 1) * 4]


def test_a_py_dataset_of_unknown_length_reads_on_across_epochs():
    model = _model(sloi)
    steps = _recorder(sloi)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(_Unsized(), epochs=3, steps_per_epoch=2, verbose=0, callbacks=[steps])
    # as Keras: the indices go on from epoch to epoch (0-1, 2-3, 4); here the data ends there
    assert [e["train"] for e in steps.epochs] == [2, 2, 1]


def test_string_arrays_are_batched_on_the_host_beside_their_targets():
    from sloi.training.data_adapters import adapt

    texts = [f"s{i}" for i in range(10)]
    for shuffle in (False, True, "batch"):
        batches = list(adapt(texts, np.arange(10), batch_size=4, shuffle=shuffle))
        assert [len(x) for x, _, _ in batches] == [4, 4, 2]
        for x, y, _ in batches:
            assert isinstance(x, np.ndarray) and isinstance(y, torch.Tensor)
            assert x.tolist() == [f"s{i}" for i in y.tolist()]
    (x, y, _), = adapt(np.array([b"a", b"b"], dtype=object), None, batch_size=2, shuffle=True)
    assert sorted(x.tolist()) == [b"a", b"b"] and y is None


def test_a_py_dataset_hears_of_every_epoch_as_in_keras():
    def calls(lib):
        heard = []

        class Batches(lib.utils.PyDataset):
            def __len__(self):
                return 2

            def __getitem__(self, i):
                return X[4 * i:4 * i + 4], Y[4 * i:4 * i + 4]

            def on_epoch_begin(self):
                heard.append("begin")

            def on_epoch_end(self):
                heard.append("end")

        class Epochs(lib.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                heard.append(f"epoch {epoch}")

        _model(lib).fit(Batches(), epochs=3, verbose=0, callbacks=[Epochs()])
        return heard

    theirs = calls(keras)
    # before training, Keras reads one batch to build its step function: a pass of its own
    assert theirs[:2] == ["begin", "end"]
    assert calls(sloi) == theirs[2:] == [f"epoch {i}" if j == 0 else ("begin", "end")[j - 1]
                                         for i in range(3) for j in range(3)]
