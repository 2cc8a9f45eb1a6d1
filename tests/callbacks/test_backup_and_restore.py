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
    assert not os.path.exists(tmp_path / "backup")  # deleted once fit completed, as Keras


def test_a_completed_fit_leaves_the_user_s_own_files_in_the_backup_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    _fit(_model(), [BackupAndRestore(tmp_path)], epochs=2)
    assert os.listdir(tmp_path) == ["notes.txt"]


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
    with pytest.warns(UserWarning, match="the latest backup cannot be read"):
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


def _members(path):
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write(path, members):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    path.write_bytes(buffer.getvalue())


def _edit_json(member, edit):
    def damage(members):
        import json

        value = json.loads(members[member])
        edit(value)
        members[member] = json.dumps(value).encode()
    return damage


_DAMAGE = {
    "cut short": lambda data: data[: len(data) // 2],
    "a byte flipped in the weights": lambda data: data[:300] + bytes([data[300] ^ 0xFF])
    + data[301:],
    "no optimizer state": ("members", lambda m: [m.pop("optimizer.json"),
                                                 m.pop("optimizer.safetensors")]),
    "state.json nested deep": ("members", lambda m: m.__setitem__(
        "state.json", b"[" * 5000 + b"]" * 5000)),
    "epoch not a number": ("members", _edit_json(
        "state.json", lambda s: s["progress"].__setitem__("epoch", "x"))),
    "learning_rate -1": ("members", _edit_json(
        "optimizer.json", lambda s: s.__setitem__("learning_rate", -1.0))),
    "optimizer.json not a dict": ("members", lambda m: m.__setitem__("optimizer.json", b"[]")),
}


@pytest.mark.parametrize("kind", sorted(_DAMAGE))
def test_double_checkpoint_falls_back_on_every_kind_of_damage(tmp_path, kind):
    backup = BackupAndRestore(tmp_path, double_checkpoint=True)
    model = _model()
    with pytest.raises(RuntimeError):
        _fit(model, [backup, Interrupt(3)])
    latest = tmp_path / "latest.state.sloi"
    damage = _DAMAGE[kind]
    if isinstance(damage, tuple):
        members = _members(latest)
        damage[1](members)
        _write(latest, members)
    else:
        latest.write_bytes(damage(latest.read_bytes()))
    with pytest.raises(sloi.saving.FileFormatError):  # the damaged backup alone: refused
        sloi.saving.training_state.load_training_state(_model(), latest)
    with pytest.warns(UserWarning, match="the latest backup cannot be read, so training "
                                         'resumes from ".*previous.state.sloi"'):
        history = _fit(model, [backup])
    assert len(history.history["loss"]) == 3  # restarted after epoch 2, from the previous one


def test_a_backup_without_optimizer_state_is_refused_not_restarted(tmp_path):
    backup = BackupAndRestore(tmp_path)
    with pytest.raises(RuntimeError):
        _fit(_model(), [backup, Interrupt(2)])
    latest = tmp_path / "latest.state.sloi"
    members = _members(latest)
    del members["optimizer.json"], members["optimizer.safetensors"]
    _write(latest, members)
    with pytest.raises(sloi.saving.FileFormatError,
                       match="a backup of a model with an optimizer holds optimizer.json and "
                             r"optimizer.safetensors; this one holds neither \(it is damaged: "
                             "resuming from it would restart the optimizer\\)"):
        _fit(_model(), [backup])


def test_a_backup_removes_temporary_files_killed_saves_left(tmp_path):
    stale = tmp_path / ".latest.state.sloi.abcd1234.tmp"  # as a killed save named it before
    stale.write_bytes(b"x" * 100)
    os.utime(stale, (0, 0))
    _fit(_model(), [BackupAndRestore(tmp_path, delete_checkpoint=False)], epochs=1)
    assert os.listdir(tmp_path) == ["latest.state.sloi"]
