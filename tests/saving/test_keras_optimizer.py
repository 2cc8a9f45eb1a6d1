"""A .keras file's optimizer state (``optimizer/vars`` in model.weights.h5), read and written
as Keras 3 lays it out: Keras and sloi go on training from each other's files exactly as the
saved model would have. Keras 3 writes and reads every file inside the test."""

import io
import warnings
import zipfile

import h5py
import keras
import numpy as np
import pytest

import sloi
from sloi.saving import FileFormatError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 5)).astype("float32")
Y = RNG.normal(size=(16, 2)).astype("float32")

OPTIMIZERS = [
    ("Adam", {}), ("Adam", {"amsgrad": True}), ("AdamW", {}), ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}), ("SGD", {}), ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adagrad", {}),
    ("Adadelta", {"learning_rate": 1.0}), ("Adamax", {}), ("Lion", {}), ("Ftrl", {}),
    ("SGD", {"momentum": 0.5, "use_ema": True}), ("Adam", {"use_ema": True}),
    # 6 steps: one update, then two steps' gradients accumulated, saved and restored too
    ("Adam", {"gradient_accumulation_steps": 4}),
    ("SGD", {"momentum": 0.9, "gradient_accumulation_steps": 4, "use_ema": True}),
]


def _model(K):
    return K.Sequential([K.Input((5,)), K.layers.Dense(4, activation="tanh"), K.layers.Dense(2)])


def _optimizer(K, name, kwargs):
    return getattr(K.optimizers, name)(**{"learning_rate": 0.01, **kwargs})


def _train(model, epochs):
    model.fit(X, Y, epochs=epochs, batch_size=8, shuffle=False, verbose=0)


def _assert_same_weights(ours, theirs, atol=1e-5):
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=atol)


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS)
def test_sloi_goes_on_training_from_keras_s_optimizer_state(tmp_path, name, kwargs):
    original = _model(keras)
    original.compile(optimizer=_optimizer(keras, name, kwargs), loss="mse")
    _train(original, 3)
    original.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a skipped optimizer state warns
        loaded = sloi.models.load_model(tmp_path / "m.keras")
    updates = 6 // kwargs.get("gradient_accumulation_steps", 1)
    assert int(loaded.optimizer.iterations) == int(original.optimizer.iterations) == updates
    _train(original, 2)
    _train(loaded, 2)
    _assert_same_weights(loaded, original)


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS)
def test_a_reloaded_model_trains_as_the_model_in_memory(tmp_path, name, kwargs):
    sloi.utils.set_random_seed(1)
    model = _model(sloi)
    model.compile(optimizer=_optimizer(sloi, name, kwargs), loss="mse")
    _train(model, 3)
    model.save(tmp_path / "m.keras")
    loaded = sloi.models.load_model(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    updates = 6 // kwargs.get("gradient_accumulation_steps", 1)
    assert int(loaded.optimizer.iterations) == int(theirs.optimizer.iterations) == updates
    for _ in range(2):
        model.train_on_batch(X, Y)
        loaded.train_on_batch(X, Y)
        theirs.train_on_batch(X, Y)
    _assert_same_weights(loaded, model, atol=1e-6)
    _assert_same_weights(loaded, theirs)


def test_a_schedule_s_step_count_comes_back(tmp_path):
    def schedule(K):
        return K.optimizers.schedules.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5)

    original = _model(keras)
    original.compile(optimizer=keras.optimizers.Adam(schedule(keras)), loss="mse")
    _train(original, 3)
    original.save(tmp_path / "m.keras")
    loaded = sloi.models.load_model(tmp_path / "m.keras")
    assert int(loaded.optimizer.iterations) == 6
    np.testing.assert_allclose(float(loaded.optimizer.learning_rate),
                               float(original.optimizer.learning_rate), rtol=1e-6)
    _train(original, 1)
    _train(loaded, 1)
    _assert_same_weights(loaded, original)
    # and the other way: Keras takes sloi's state with a schedule too
    model = _model(sloi)
    model.compile(optimizer=sloi.optimizers.Adam(schedule(sloi)), loss="mse")
    _train(model, 2)
    model.save(tmp_path / "s.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        twin = keras.saving.load_model(tmp_path / "s.keras")
    assert int(twin.optimizer.iterations) == 4
    _train(model, 1)
    _train(twin, 1)
    _assert_same_weights(model, twin)


def test_a_changed_learning_rate_comes_back(tmp_path):
    original = _model(keras)
    original.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")
    _train(original, 1)
    original.optimizer.learning_rate.assign(0.003)  # as ReduceLROnPlateau does
    original.save(tmp_path / "m.keras")
    loaded = sloi.models.load_model(tmp_path / "m.keras")
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.003)
    _train(original, 1)
    _train(loaded, 1)
    _assert_same_weights(loaded, original)


def test_an_optimizer_saved_before_training_warns_and_starts_afresh(tmp_path):
    original = _model(keras)
    original.compile(optimizer="adam", loss="mse")  # built, but its file keeps 2 variables
    original.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        keras.saving.load_model(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match=r'skipping the state of optimizer "adam", because it '
                                         r"has 10 variables whereas the saved optimizer has 2"):
        loaded = sloi.models.load_model(tmp_path / "m.keras")
    assert int(loaded.optimizer.iterations) == 0
    _train(loaded, 1)  # trains from a fresh state


def test_an_optimizer_whose_layout_sloi_does_not_know_warns(tmp_path):
    original = _model(keras)
    original.compile(optimizer=keras.optimizers.Nadam(0.01), loss="mse")
    _train(original, 1)
    original.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match=r'the state of optimizer "nadam" \(Nadam\) is not '
                                         r"restored"):
        loaded = sloi.models.load_model(tmp_path / "m.keras")
    assert int(loaded.optimizer.iterations) == 0


def test_compile_false_leaves_the_optimizer_alone(tmp_path):
    original = _model(keras)
    original.compile(optimizer="adam", loss="mse")
    _train(original, 1)
    original.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = sloi.models.load_model(tmp_path / "m.keras", compile=False)
    assert getattr(loaded, "optimizer", None) is None


def _rewrite_optimizer_var(path, index, value):
    """The .keras file at ``path`` with ``optimizer/vars/<index>`` replaced by ``value``."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as f:
        del f[f"optimizer/vars/{index}"]
        f.create_dataset(f"optimizer/vars/{index}", data=value)
    members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


@pytest.mark.parametrize("index, value, message", [
    (3, np.zeros((4,), "float32"), r'"/optimizer/vars/3" \(velocity\) is float32 of shape '
                                   r"\(4,\); expected a float array of shape \(5, 4\)"),
    (0, np.array(-1, "int64"), "iteration count is -1"),
    (0, np.array(2.5, "float32"), r"\(iterations\) is float32 .*expected an integer"),
    (1, np.array(np.nan, "float32"), "learning rate is nan"),
])
def test_a_damaged_optimizer_state_is_refused(tmp_path, index, value, message):
    original = _model(keras)
    original.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    _train(original, 1)
    original.save(tmp_path / "m.keras")
    _rewrite_optimizer_var(tmp_path / "m.keras", index, value)
    with pytest.raises(FileFormatError, match=message):
        sloi.models.load_model(tmp_path / "m.keras")
