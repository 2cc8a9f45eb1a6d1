"""Arguments of fit / evaluate / predict / train_on_batch / test_on_batch are checked before any
work (``sloi/training/argument_checks.py``): each case of issue 17's "late or unclear input
errors" gets a ``ValueError`` naming the argument, the value and what was expected. Where Keras
3 refuses the same call, the test checks that it does."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import layers as L

X = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
Y = np.zeros((8, 1), "float32")
LABELS = np.array([0, 1, 2, 0, 1, 2, 0, 1])


def regression(lib=sloi):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def classifier(lib=sloi):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def weights(model):
    return [w.copy() for w in model.get_weights()]


def assert_untouched(model, before):
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


class Spy(sloi.callbacks.Callback):
    """Records whether training began (it must not, when the arguments are bad)."""

    began = False

    def on_train_begin(self, logs=None):
        Spy.began = True


@pytest.mark.parametrize("bad", [-1, 0, 1.5, 2.0, "32", True])
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_batch_size_must_be_a_positive_integer(method, bad):
    args = (X,) if method == "predict" else (X, Y)
    if bad != 0:  # Keras takes 0 as "the default"; sloi refuses it like any count below 1
        with pytest.raises((ValueError, TypeError)):
            getattr(regression(keras), method)(*args, batch_size=bad, verbose=0)
    with pytest.raises(ValueError) as err:
        getattr(regression(), method)(*args, batch_size=bad, verbose=0)
    assert str(err.value) == (f"{method}(batch_size=...) must be a positive integer or None; "
                              f"got {bad!r} ({type(bad).__name__})")


@pytest.mark.parametrize("name, bad, keras_refuses", [
    ("epochs", 1.5, True), ("epochs", "2", True), ("epochs", -1, False), ("epochs", True, False),
    ("steps_per_epoch", -1, True), ("steps_per_epoch", 1.5, True), ("steps_per_epoch", 0, False),
    ("validation_steps", -1, True), ("validation_steps", 2.5, True),
    ("validation_batch_size", -4, True),
])
def test_fit_counts_must_be_positive_integers(name, bad, keras_refuses):
    kwargs = {name: bad, "validation_data": (X, Y), "verbose": 0}
    if keras_refuses:
        with pytest.raises((ValueError, TypeError)):
            regression(keras).fit(X, Y, **kwargs)
    model = regression()
    before = weights(model)
    expected = ("an integer >= 0" if name == "epochs" else "a positive integer or None")
    with pytest.raises(ValueError) as err:
        model.fit(X, Y, callbacks=[Spy()], **kwargs)
    assert str(err.value) == (f"fit({name}=...) must be {expected}; got "
                              f"{bad!r} ({type(bad).__name__})")
    assert not Spy.began
    assert_untouched(model, before)


def test_zero_epochs_train_nothing_and_return_an_empty_history_as_keras():
    theirs = regression(keras).fit(X, Y, epochs=0, verbose=0)
    model = regression()
    before = weights(model)
    ours = model.fit(X, Y, epochs=0, validation_data=(X, Y), verbose=0)
    assert (ours.history, ours.epoch) == (theirs.history, theirs.epoch) == ({}, [])
    assert_untouched(model, before)


def test_initial_epoch_and_validation_freq_are_checked():
    with pytest.raises(ValueError, match=r"^fit\(initial_epoch=\.\.\.\) must be an integer >= 0; "
                                         r"got -1 \(int\)$"):
        regression().fit(X, Y, initial_epoch=-1, verbose=0)
    with pytest.raises(ValueError, match=r"^fit\(validation_freq=\.\.\.\) must be a positive "
                                         r"integer .*; got 0 \(int\)$"):
        regression().fit(X, Y, validation_freq=0, verbose=0)
    history = regression().fit(X, Y, epochs=2, validation_data=(X, Y), validation_freq=[2],
                               verbose=0)
    assert len(history.history["val_loss"]) == 1


@pytest.mark.parametrize("method, bad", [("evaluate", 0), ("evaluate", -1), ("predict", 1.5)])
def test_evaluate_and_predict_steps(method, bad):
    args = (X,) if method == "predict" else (X, Y)
    if bad != 0:
        with pytest.raises((ValueError, TypeError)):
            getattr(regression(keras), method)(*args, steps=bad, verbose=0)
    with pytest.raises(ValueError, match=rf"^{method}\(steps=\.\.\.\) must be a positive integer "
                                         rf"or None; got {bad} "):
        getattr(regression(), method)(*args, steps=bad, verbose=0)


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_no_targets_for_a_model_with_a_loss(method):
    kwargs = {} if method.endswith("on_batch") else {"verbose": 0}
    with pytest.raises(ValueError):
        getattr(regression(keras), method)(X, None, **kwargs)
    model = regression()
    before = weights(model)
    with pytest.raises(ValueError) as err:
        getattr(model, method)(X, None, **kwargs)
    assert str(err.value) == (
        f"{method}: y is None, but the model was compiled with a loss (mse), "
        "which needs targets: pass y (one per sample of x), or compile without a loss to only "
        "predict")
    assert_untouched(model, before)


def test_a_generator_of_x_alone_names_the_missing_targets():
    def batches():
        for _ in range(2):
            yield X
    with pytest.raises(ValueError, match=r"^The batch has no target for any output with a loss "
                                         r"\(outputs \['dense'\]\); data that yields batches must "
                                         r"yield \(x, y\) or \(x, y, sample_weight\)$"):
        regression().fit(batches(), verbose=0)


def test_dict_targets_must_be_keyed_by_output_names():
    def two_outputs(lib):
        inp = lib.Input((3,))
        model = lib.Model(inp, {"a": lib.layers.Dense(1, name="a")(inp),
                                "b": lib.layers.Dense(2, name="b")(inp)})
        model.compile("sgd", {"a": "mse", "b": "mse"})
        return model

    with pytest.raises(ValueError):
        two_outputs(keras).fit(X, {"a": Y, "wrong": Y}, verbose=0)
    model = two_outputs(sloi)
    with pytest.raises(ValueError, match=r"^fit: y is a dict with key\(s\) \['wrong'\], but the "
                                         r"model's outputs are \['a', 'b'\]; key the targets by "
                                         r"output name$"):
        model.fit(X, {"a": Y, "wrong": Y}, verbose=0)
    with pytest.raises(ValueError, match=r"^fit: y has no targets for output\(s\) \['b'\], which "
                                         r"were compiled with a loss"):
        model.fit(X, {"a": Y}, verbose=0)
    with pytest.raises(ValueError, match=r"^fit: the model has 2 outputs \['a', 'b'\], so y must "
                                         r"be a list or a dict of 2 targets; got one ndarray of "
                                         r"shape \(8, 1\) and dtype float32$"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(ValueError, match=r"^train_on_batch: y is a list of 3 targets, but the "
                                         r"model has 2 outputs"):
        model.train_on_batch(X, [Y, Y, Y])


@pytest.mark.parametrize("labels", [np.array(["cat", "dog"] * 4), ["cat", "dog"] * 4])
def test_string_labels_are_refused_with_a_hint(labels):
    with pytest.raises(ValueError):
        classifier(keras).fit(X, np.asarray(labels), verbose=0)
    kind = "numpy dtype <U3" if isinstance(labels, np.ndarray) else "a list of str"
    with pytest.raises(ValueError) as err:
        classifier().fit(X, labels, verbose=0)
    assert str(err.value) == (
        f"fit: y holds strings ({kind}), but a loss compares numbers: map the labels to integer "
        "class ids first (e.g. with sloi.layers.StringLookup, or a dict from label to id)")


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_empty_data_is_refused_as_keras_refuses_it(method):
    args = (X[:0],) if method == "predict" else (X[:0], Y[:0])
    if method != "predict":  # Keras's predict fails on empty data with an UnboundLocalError
        with pytest.raises(ValueError):
            getattr(regression(keras), method)(*args, verbose=0)
    with pytest.raises(ValueError, match=rf"^{method}: x has 0 samples; {method} needs at least "
                                         "one"):
        getattr(regression(), method)(*args, verbose=0)


def test_out_of_range_validation_labels_fail_before_the_first_step():
    with pytest.raises(IndexError, match="out of bounds"):  # Keras: after a training epoch
        classifier(keras).fit(X, LABELS, validation_data=(X, np.full(8, 7)), verbose=0)
    model = classifier()
    before = weights(model)
    Spy.began = False
    with pytest.raises(ValueError) as err:
        model.fit(X, LABELS, validation_data=(X, np.full(8, 7)), callbacks=[Spy()], verbose=0)
    assert str(err.value) == (
        'fit: validation_data: Output "dense" has 3 classes, so sparse_categorical_crossentropy '
        "needs labels in [0, 3); got label 7")
    assert not Spy.began
    assert_untouched(model, before)


@pytest.mark.parametrize("data, what", [((X, Y, None, None), "a tuple of 4 item(s)"),
                                        ((X,), "a tuple of 1 item(s)")])
def test_a_malformed_validation_tuple_fails_before_the_first_step(data, what):
    with pytest.raises(ValueError):
        regression(keras).fit(X, Y, validation_data=data, verbose=0)
    model = regression()
    before = weights(model)
    with pytest.raises(ValueError) as err:
        model.fit(X, Y, validation_data=data, verbose=0)
    assert str(err.value) == ("fit: validation_data must be (x_val, y_val) or (x_val, y_val, "
                              f"val_sample_weight); got {what}")
    assert_untouched(model, before)


def test_validation_parts_get_the_checks_of_x_and_y():
    with pytest.raises(ValueError, match=r"^fit: validation_data y is None, but the model"):
        regression().fit(X, Y, validation_data=(X, None), verbose=0)
    with pytest.raises(ValueError, match=r"^fit: validation_data x has 0 samples"):
        regression().fit(X, Y, validation_data=(X[:0], Y[:0]), verbose=0)
    with pytest.raises(ValueError, match=r"^fit: validation_data y holds strings"):
        classifier().fit(X, LABELS, validation_data=(X, LABELS.astype(str)), verbose=0)
    with pytest.raises(ValueError, match=r"^fit: validation_data must be \(x_val, y_val\) or "
                                         r"\(x_val, y_val, val_sample_weight\) for a model "
                                         r"compiled with a loss; got ndarray of shape \(8, 3\)"):
        regression().fit(X, Y, validation_data=X, verbose=0)


def test_class_weight_is_checked_like_the_labels():
    # Keras takes a weight for a class id the output cannot give, and trains on
    history = classifier(keras).fit(X, LABELS, class_weight={0: 1.0, 1: 1.0, 2: 1.0, 5: 1.0},
                                    verbose=0)
    assert len(history.history["loss"]) == 1
    with pytest.raises(AttributeError):
        classifier(keras).fit(X, LABELS, class_weight=[1.0, 2.0, 3.0], verbose=0)
    model = classifier()
    with pytest.raises(ValueError, match=r"^fit\(class_weight=\.\.\.\) gives weights for "
                                         r"class\(es\) \[5\], but the model's output has 3 classes "
                                         r"\(ids 0 to 2\)$"):
        model.fit(X, LABELS, class_weight={0: 1.0, 1: 1.0, 2: 1.0, 5: 1.0}, verbose=0)
    with pytest.raises(ValueError, match=r"^fit\(class_weight=\.\.\.\) must be a dict from class "
                                         r"id to weight, e\.g\. \{0: 1\.0, 1: 5\.0\}; got list$"):
        model.fit(X, LABELS, class_weight=[1.0, 2.0, 3.0], verbose=0)
    with pytest.raises(ValueError, match=r"keys must be class ids \(integers >= 0\); got key "
                                         r"'0' \(str\)"):
        model.fit(X, LABELS, class_weight={"0": 1.0}, verbose=0)
    with pytest.raises(ValueError, match=r"values must be finite numbers; got nan for class 1"):
        model.train_on_batch(X, LABELS, class_weight={0: 1.0, 1: float("nan"), 2: 1.0})
    with pytest.raises(ValueError, match=r"^fit: class_weight weighs samples by their class in y, "
                                         r"but y is None \(data that yields batches may yield "
                                         r"\(x, y, sample_weight\) instead\)$"):
        model.fit(iter([(X, LABELS)]), class_weight={0: 1.0}, verbose=0)
    # a single sigmoid unit gives two classes
    binary = sloi.Sequential([sloi.Input((3,)), L.Dense(1, activation="sigmoid")])
    binary.compile("sgd", "binary_crossentropy")
    binary.fit(X, (LABELS > 0).astype("float32"), class_weight={0: 1.0, 1: 3.0}, verbose=0)
    with pytest.raises(ValueError, match=r"output has 2 classes \(ids 0 to 1\)"):
        binary.fit(X, (LABELS > 0).astype("float32"), class_weight={0: 1.0, 2: 3.0}, verbose=0)


def test_train_on_batch_checks_host_labels_but_never_reads_device_ones():
    model = classifier()
    with pytest.raises(ValueError, match=r"has 3 classes, so sparse_categorical_crossentropy "
                                         r"needs labels in \[0, 3\); got label 9"):
        model.train_on_batch(X, np.full(8, 9))
    with pytest.raises(ValueError, match=r"got label -1"):
        model.test_on_batch(X, torch.full((8,), -1))
    # good data trains as before
    loss = model.train_on_batch(X, LABELS)
    assert np.isfinite(loss)


def test_validation_data_as_a_list_is_read_as_keras_reads_it():
    ours = regression().fit(X, Y, validation_data=[X, Y], epochs=2, verbose=0)
    theirs = regression(keras).fit(X, Y, validation_data=[X, Y], epochs=2, verbose=0)
    assert sorted(ours.history) == sorted(theirs.history) == ["loss", "val_loss"]
    assert len(ours.history["val_loss"]) == 2
    with pytest.raises(ValueError, match=r"^fit: validation_data must be \(x_val, y_val\) or "
                                         r"\(x_val, y_val, val_sample_weight\); got a tuple of "
                                         r"4 item\(s\)"):
        regression().fit(X, Y, validation_data=[X, Y, None, None], verbose=0)


# ---------------------------------------------------------------------------- repeated calls
def _count_check_data(monkeypatch):
    """Counts the full data checks (``_check_data``) that the next calls run."""
    from sloi.training import argument_checks

    runs = []
    full = argument_checks._check_data

    def counted(*args, **kwargs):
        runs.append(args[1])
        return full(*args, **kwargs)

    monkeypatch.setattr(argument_checks, "_check_data", counted)
    return runs


@pytest.mark.parametrize("method", ["train_on_batch", "test_on_batch"])
def test_a_repeated_signature_skips_the_checks_and_a_new_one_is_checked(method, monkeypatch):
    """In a loop of calls with the same structure, shapes and dtypes the checks run once;
    a call with other shapes, dtypes, structure or types is checked in full again, and its
    errors are the same."""
    model = regression()
    reference = regression()
    reference.set_weights(model.get_weights())
    expected = [getattr(reference, method)(X, Y) for _ in range(3)]  # checked in full
    runs = _count_check_data(monkeypatch)
    call = getattr(model, method)
    assert [call(X, Y) for _ in range(3)] == expected  # the same results
    assert len(runs) == 1

    call(X[:4], Y[:4])  # other shapes
    assert len(runs) == 2
    call(X, Y.astype("float64"))  # another dtype
    assert len(runs) == 3
    call(torch.from_numpy(X), Y)  # another type
    assert len(runs) == 4
    call(X, Y, sample_weight=np.ones(8, "float32"))  # another structure
    assert len(runs) == 5
    for _ in range(2):  # a list (of strings here) is never remembered: checked each time
        with pytest.raises(ValueError, match=rf"^{method}: y holds strings \(a list of str\)"):
            call(X, ["a"] * 8)
    assert len(runs) == 7

    # a bad call of a new signature raises the same error as on a fresh model
    with pytest.raises(ValueError) as err:
        call(X[:0], Y[:0])
    with pytest.raises(ValueError) as fresh:
        getattr(regression(), method)(X[:0], Y[:0])
    assert str(err.value) == str(fresh.value) == (
        f"{method}: x has 0 samples; {method} needs at least one (a filter or a split may "
        "have left none)")
    with pytest.raises(ValueError, match=rf"^{method}: y holds strings"):
        call(X, np.array(["a"] * 8))
    # ... and after it, the signature accepted last is still accepted without a check
    call(X, Y)
    calls_before = len(runs)
    call(X, Y)
    assert len(runs) == calls_before


def test_a_repeated_signature_still_checks_sparse_label_values():
    """The label range reads values, not the signature: it is checked at every call."""
    model = classifier()
    for _ in range(3):
        model.train_on_batch(X, LABELS)
        model.test_on_batch(X, LABELS)
    bad = np.full_like(LABELS, 7)
    with pytest.raises(ValueError, match=r"needs labels in \[0, 3\); got label 7"):
        model.train_on_batch(X, bad)
    with pytest.raises(ValueError, match=r"needs labels in \[0, 3\); got label 7"):
        model.test_on_batch(X, bad)


def test_a_recompiled_model_is_checked_again(monkeypatch):
    model = regression()
    runs = _count_check_data(monkeypatch)
    for _ in range(3):
        model.train_on_batch(X, Y)
    assert len(runs) == 1
    model.compile("sgd", "binary_crossentropy")  # a new loss: checked again
    with pytest.raises(ValueError, match=r"its targets for binary_crossentropy must have the "
                                         r"same shape \(n, 1\); got \(8, 3\)"):
        model.train_on_batch(X, np.zeros((8, 3), "float32"))
    model.train_on_batch(X, Y)
    assert len(runs) == 3


def test_a_model_built_by_its_first_call_is_checked_again_once_built(monkeypatch):
    """Before the model is built its outputs are unknown, so the labels are checked at the
    next call, against the built outputs."""
    model = sloi.Sequential([L.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    runs = _count_check_data(monkeypatch)
    model.train_on_batch(X, LABELS)
    with pytest.raises(ValueError, match=r"needs labels in \[0, 3\); got label 5"):
        model.train_on_batch(X, np.full_like(LABELS, 5))
    for _ in range(3):
        model.train_on_batch(X, LABELS)
    assert len(runs) == 3


def test_class_weight_is_checked_at_every_call(monkeypatch):
    model = classifier()
    runs = _count_check_data(monkeypatch)
    for _ in range(3):
        model.train_on_batch(X, LABELS, class_weight={0: 1.0, 1: 2.0, 2: 1.0})
    assert len(runs) == 3
    with pytest.raises(ValueError, match=r"values must be finite numbers"):
        model.train_on_batch(X, LABELS, class_weight={0: 1.0, 1: float("nan"), 2: 1.0})


def test_predict_on_batch_checks_a_new_signature_or_count_again(monkeypatch):
    from sloi.training import argument_checks

    model = regression()
    runs = []
    full = argument_checks._counts
    monkeypatch.setattr(argument_checks, "_counts",
                        lambda *a, **k: runs.append(k) or full(*a, **k))
    first = model.predict_on_batch(X)
    for _ in range(3):
        np.testing.assert_array_equal(model.predict_on_batch(X), first)
    assert len(runs) == 1
    model.predict_on_batch(X[:3])  # another shape
    assert len(runs) == 2
    with pytest.raises(ValueError, match=r"^predict\(batch_size=\.\.\.\) must be a positive "
                                         r"integer or None; got True \(bool\)$"):
        model.predict(X[:1], batch_size=True, verbose=0)  # equal to 1, but not an integer
    model.predict(X[:1], batch_size=1, verbose=0)
    with pytest.raises(ValueError, match=r"^predict\(batch_size=\.\.\.\) must be a positive "
                                         r"integer or None; got True \(bool\)$"):
        model.predict(X[:1], batch_size=True, verbose=0)
    with pytest.raises(ValueError, match=r"^predict: x has 0 samples"):
        model.predict(X[:0], batch_size=1, verbose=0)
