"""Forecasting a time series with an LSTM on windowed datasets.

A noisy two-feature signal is cut into windows with
keras.utils.timeseries_dataset_from_array; the model predicts the first feature a few
steps after each window. ModelCheckpoint keeps the best weights in a ".weights.h5" file
(save_weights_only=True), which are loaded back after training.

Run: python examples/lstm_timeseries_forecasting.py
"""

import os
import tempfile

import numpy as np

import sloi as keras
from sloi import layers

SEQUENCE_LENGTH = 24
DELAY = 4  # predict the target DELAY steps after the end of each window


def make_series(n, rng):
    t = np.arange(n)
    temperature = np.sin(2 * np.pi * t / 50) + 0.1 * rng.normal(size=n)
    pressure = np.cos(2 * np.pi * t / 50) + 0.1 * rng.normal(size=n)
    data = np.stack([temperature, pressure], axis=-1).astype("float32")
    return data


def windows(data, start, end, shuffle):
    # window i covers data[i : i + SEQUENCE_LENGTH]; its target is the temperature
    # DELAY steps after the window's last step
    targets = data[SEQUENCE_LENGTH + DELAY - 1 :, 0]
    return keras.utils.timeseries_dataset_from_array(
        data[: -(DELAY)],
        targets,
        sequence_length=SEQUENCE_LENGTH,
        batch_size=32,
        shuffle=shuffle,
        seed=0,
        start_index=start,
        end_index=end,
    )


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    data = make_series(600, rng)
    train_ds = windows(data, 0, 400, shuffle=True)
    val_ds = windows(data, 400, None, shuffle=False)

    inputs = keras.Input(shape=(SEQUENCE_LENGTH, 2))
    x = layers.LSTM(16)(inputs)
    outputs = layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])

    # the naive baseline: tomorrow looks like today (the window's last temperature)
    naive = [np.abs(np.asarray(xb)[:, -1, 0] - np.asarray(yb)).mean() for xb, yb in val_ds]
    naive_mae = float(np.mean(naive))

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "forecaster.weights.h5")
        checkpoint = keras.callbacks.ModelCheckpoint(
            path, monitor="val_loss", save_best_only=True, save_weights_only=True
        )
        history = model.fit(
            train_ds, validation_data=val_ds, epochs=5, callbacks=[checkpoint], verbose=0
        )
        model.load_weights(path)  # back to the best epoch
    val_loss, val_mae = model.evaluate(val_ds, verbose=0)
    print(f"loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}")
    print(f"best weights: val mae {val_mae:.3f}, naive baseline mae {naive_mae:.3f}")

    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    np.testing.assert_allclose(val_loss, min(history.history["val_loss"]), rtol=1e-4, atol=1e-5)
    assert val_mae < naive_mae, (val_mae, naive_mae)
    return history


if __name__ == "__main__":
    main()
