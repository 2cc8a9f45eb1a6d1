"""CSVLogger: the file written, byte for byte as Keras's CSVLogger writes it, and appending."""

import keras
import numpy as np
import pytest

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi.callbacks import CSVLogger, LambdaCallback
from sloi.layers import Dense

rng = np.random.default_rng(0)
X = rng.standard_normal((8, 3)).astype("float32")
Y = rng.standard_normal((8, 1)).astype("float32")


def drive(logger, epoch_logs):
    """Runs one training's worth of hooks on ``logger``."""
    logger.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        logger.on_epoch_end(epoch, dict(logs))
    logger.on_train_end()


def read(path):
    with open(path, "rb") as f:
        return f.read()


RUNS = [
    [{"loss": 0.5, "val_loss": 0.625}, {"loss": 0.25, "val_loss": 0.375}],
    [{"loss": 0.5, "accuracy": 0.75}, {"loss": 0.1234567891, "accuracy": 1.0}],
    [{"loss": 0.5, "mae": 1.0}, {"loss": 0.4, "mae": 0.9, "val_loss": 0.3, "val_mae": 0.2}],
    [{"loss": 0.5, "note": "a;b", "per_class": [0.1, 0.2]}],
]


@pytest.mark.parametrize("epoch_logs", RUNS)
@pytest.mark.parametrize("separator", [",", ";"])
def test_file_matches_keras(tmp_path, epoch_logs, separator):
    drive(CSVLogger(tmp_path / "ours.csv", separator=separator), epoch_logs)
    drive(keras.callbacks.CSVLogger(str(tmp_path / "keras.csv"), separator=separator),
          epoch_logs)
    assert read(tmp_path / "ours.csv") == read(tmp_path / "keras.csv")


@pytest.mark.parametrize("existing", [None, b"", b"epoch,loss,val_loss\r\n0,1.0,2.0\r\n"])
def test_append_matches_keras(tmp_path, existing):
    runs = [[{"loss": 0.5, "val_loss": 0.6}], [{"loss": 0.25, "val_loss": 0.3}] * 2]
    for name, make in (("ours.csv", CSVLogger),
                       ("keras.csv", keras.callbacks.CSVLogger)):
        path = tmp_path / name
        if existing is not None:
            path.write_bytes(existing)
        for logs in runs:
            drive(make(str(path), append=True), logs)
    assert read(tmp_path / "ours.csv") == read(tmp_path / "keras.csv")
    assert read(tmp_path / "ours.csv").count(b"epoch") == 1


def test_a_real_fit_writes_a_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    model = sloi.Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    rows_on_disk = []
    # Each row must be on disk (flushed) when the epoch ends, not only when training ends.
    peek = LambdaCallback(on_epoch_end=lambda e, logs: rows_on_disk.append(
        read(path).count(b"\n")))
    history = model.fit(X, Y, epochs=3, verbose=0, validation_data=(X, Y),
                        callbacks=[CSVLogger(path), peek])
    lines = read(path).decode().splitlines()
    assert lines[0] == "epoch,loss,val_loss"
    assert rows_on_disk == [2, 3, 4]
    for epoch, line in enumerate(lines[1:]):
        assert line == f"{epoch},{history.history['loss'][epoch]},{history.history['val_loss'][epoch]}"


def test_overwrite_starts_a_new_file(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old content\n")
    drive(CSVLogger(path), [{"loss": 1.0}])
    assert read(path) == b"epoch,loss,val_loss\r\n0,1.0,NA\r\n"
