import os

import numpy as np
import pytest

import sloi
from sloi.callbacks import Callback, ModelCheckpoint

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 4)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


def _model():
    sloi.utils.set_random_seed(0)
    model = sloi.Sequential([sloi.Input((4,)), sloi.layers.Dense(1, activation="sigmoid")])
    model.compile(sloi.optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    return model


def test_one_file_per_epoch_with_placeholders(tmp_path):
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{loss:.2f}.sloi")
    history = _model().fit(X, Y, epochs=3, batch_size=8, verbose=0,
                           callbacks=[ModelCheckpoint(pattern, monitor="loss")])
    expected = sorted(f"ckpt-{e + 1:02d}-{loss:.2f}.sloi"
                      for e, loss in enumerate(history.history["loss"]))
    assert sorted(os.listdir(tmp_path)) == expected
    loaded = sloi.models.load_model(tmp_path / expected[-1])
    assert loaded.get_compile_config()["loss"] == "binary_crossentropy"


class _Losses(Callback):
    """Feeds ModelCheckpoint a made-up val_loss sequence (it reads only the logs)."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


def test_save_best_only_keeps_the_best_weights(tmp_path, capsys):
    path = tmp_path / "best.weights.safetensors"
    saved = []

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if path.exists():
                saved.append((epoch, path.stat().st_mtime_ns, self.model.get_weights()[0].copy()))

    checkpoint = ModelCheckpoint(path, save_best_only=True, save_weights_only=True, verbose=1)
    model = _model()
    model.fit(X, Y, epochs=4, batch_size=8, verbose=0,
              callbacks=[_Losses([0.5, 0.7, 0.4, 0.45]), checkpoint, Spy()])
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from None to 0.50000" in out
    assert "Epoch 2: val_loss did not improve from 0.50000" in out
    assert "Epoch 3: val_loss improved from 0.50000 to 0.40000" in out
    assert checkpoint.best == 0.4
    best = [w for epoch, _, w in saved if epoch == 2][0]
    fresh = _model()
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.get_weights()[0], best)


def test_save_freq_in_batches(tmp_path):
    checkpoint = ModelCheckpoint(str(tmp_path / "b{epoch}-{batch}.sloi"), save_freq=3)
    _model().fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["b1-3.sloi", "b2-2.sloi"]


def test_arguments_are_checked():
    with pytest.raises(ValueError, match=r"saves the weights, so filepath must end in one of "
                                         r"\['.weights.safetensors', '.weights.h5'\]; got "
                                         r'"w.h5"'):
        ModelCheckpoint("w.h5", save_weights_only=True)
    with pytest.raises(ValueError, match=r"the whole model, so filepath must end in one of "
                                         r"\['.sloi', '.keras', '.h5'\]; got \"m.weights.h5\""):
        ModelCheckpoint("m.weights.h5")
    with pytest.raises(ValueError, match=r"must end in one of .*; got \"m.pt\""):
        ModelCheckpoint("m.pt")
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive number"):
        ModelCheckpoint("m.sloi", save_freq="batch")


def test_unknown_placeholder(tmp_path):
    checkpoint = ModelCheckpoint(str(tmp_path / "{nothing}.sloi"))
    with pytest.raises(KeyError, match="cannot fill in the filepath"):
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=[checkpoint])


def _checkpoint_log(lib, path, values, capsys, **kwargs):
    """What ModelCheckpoint(verbose=1) prints over a made-up val_loss sequence, with the file
    name replaced by <file> (Keras writes .keras, sloi .sloi here)."""

    class Losses(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = values[epoch]

    lib.utils.set_random_seed(0)
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1)])
    model.compile("sgd", "mse")
    checkpoint = lib.callbacks.ModelCheckpoint(str(path), verbose=1, **kwargs)
    capsys.readouterr()
    model.fit(X, Y, epochs=len(values), batch_size=16, verbose=0,
              callbacks=[Losses(), checkpoint])
    return capsys.readouterr().out.replace(str(path), "<file>")


@pytest.mark.parametrize("kwargs", [
    {"save_best_only": True},
    {"save_best_only": True, "mode": "max"},
    {"save_best_only": True, "initial_value_threshold": 0.45},
    {},
])
def test_verbose_messages_match_keras(tmp_path, capsys, kwargs):
    import keras

    values = [0.5, 0.7, 0.4, 0.45]
    ours = _checkpoint_log(sloi, tmp_path / "best.sloi", values, capsys, **kwargs)
    theirs = _checkpoint_log(keras, tmp_path / "best.keras", values, capsys, **kwargs)
    assert ours == theirs
    # Keras 3 starts from None (Keras 2 printed "improved from inf").
    if kwargs == {"save_best_only": True}:
        assert "\nEpoch 1: val_loss improved from None to 0.50000, saving model to <file>\n" \
            in ours
        assert "\nEpoch 2: val_loss did not improve from 0.50000\n" in ours
    assert "finished saving model to <file>" in ours
