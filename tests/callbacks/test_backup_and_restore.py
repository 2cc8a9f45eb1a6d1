import os

import numpy as np
import pytest

import sloi
from sloi.callbacks import BackupAndRestore, Callback

RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 5)).astype("float32")
Y = RNG.normal(size=(48, 2)).astype("float32")


def _model():
    sloi.utils.set_random_seed(3)
    model = sloi.Sequential([sloi.Input((5,)), sloi.layers.Dense(6, activation="relu"),
                             sloi.layers.BatchNormalization(), sloi.layers.Dense(2)])
    model.compile(sloi.optimizers.Adam(1e-2), "mse")
    return model


class Interrupt(Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def _fit(model, callbacks, epochs=5):
    return model.fit(X, Y, epochs=epochs, batch_size=16, shuffle=False, verbose=0,
                     callbacks=callbacks)


def test_an_interrupted_fit_resumed_ends_with_the_same_weights(tmp_path):
    straight = _model()
    _fit(straight, [])
    backup = BackupAndRestore(tmp_path / "backup")
    model = _model()
    with pytest.raises(RuntimeError, match="interrupted"):
        _fit(model, [backup, Interrupt(2)])
    assert os.listdir(tmp_path / "backup") == ["latest.state.sloi"]
    history = _fit(model, [backup])
    assert len(history.history["loss"]) == 3  # epochs 3, 4 and 5 only
    for a, b in zip(straight.get_weights(), model.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-6, rtol=0)
    assert os.listdir(tmp_path / "backup") == []  # deleted once fit completed


def test_resume_in_a_new_process_like_setting(tmp_path):
    """A fresh model object (as after a restart) picks up the backup too."""
    straight = _model()
    _fit(straight, [])
    with pytest.raises(RuntimeError):
        _fit(_model(), [BackupAndRestore(tmp_path, delete_checkpoint=False), Interrupt(3)])
    fresh = _model()
    _fit(fresh, [BackupAndRestore(tmp_path, delete_checkpoint=False)])
    for a, b in zip(straight.get_weights(), fresh.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-6, rtol=0)
    assert os.listdir(tmp_path) == ["latest.state.sloi"]


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    backup = BackupAndRestore(tmp_path, double_checkpoint=True)
    model = _model()
    with pytest.raises(RuntimeError):
        _fit(model, [backup, Interrupt(3)])
    assert sorted(os.listdir(tmp_path)) == ["latest.state.sloi", "previous.state.sloi"]
    (tmp_path / "latest.state.sloi").write_bytes(b"garbage")
    history = _fit(model, [backup])
    assert len(history.history["loss"]) == 3  # restarted after epoch 2, from the previous one


def test_a_damaged_backup_is_refused_and_the_model_unchanged(tmp_path):
    (tmp_path / "latest.state.sloi").write_bytes(b"PK\x03\x04 not really")
    model = _model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="is not a sloi training backup: the zip archive is "
                                         "damaged"):
        _fit(model, [BackupAndRestore(tmp_path)])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_arguments():
    with pytest.raises(ValueError, match="needs a backup_dir"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive number"):
        BackupAndRestore("x", save_freq=0)
