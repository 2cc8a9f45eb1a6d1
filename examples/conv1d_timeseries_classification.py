"""Time-series classification with a 1D convolutional network.

Synthetic univariate series: class 1 holds a sine wave, class 0 only noise. The model
stacks Conv1D, BatchNormalization and ReLU layers, pools over time, and keeps the best
epoch with ModelCheckpoint("best.keras", save_best_only=True), then reloads it.

Run: python examples/conv1d_timeseries_classification.py
"""

import os
import tempfile

import numpy as np

import sloi as keras
from sloi import layers

LENGTH = 64


def make_data(n, rng):
    y = rng.integers(0, 2, size=n)
    t = np.arange(LENGTH)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    freq = rng.uniform(0.15, 0.35, size=(n, 1))
    x = rng.normal(0, 1.0, size=(n, LENGTH))
    x += y[:, None] * 1.5 * np.sin(freq * t + phase)
    return x[..., None].astype("float32"), y


def make_model():
    inputs = keras.Input(shape=(LENGTH, 1))
    x = inputs
    for filters in (16, 16):
        x = layers.Conv1D(filters, kernel_size=3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = make_data(512, rng)
    x_val, y_val = make_data(128, rng)

    model = make_model()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    with tempfile.TemporaryDirectory() as tmp:
        best_path = os.path.join(tmp, "best.keras")
        callbacks = [
            keras.callbacks.ModelCheckpoint(best_path, save_best_only=True, monitor="val_loss"),
        ]
        history = model.fit(
            x_train,
            y_train,
            batch_size=32,
            epochs=8,
            validation_data=(x_val, y_val),
            callbacks=callbacks,
            verbose=0,
        )
        best = keras.models.load_model(best_path)
        best_loss, best_acc = best.evaluate(x_val, y_val, verbose=0)

    val_losses = history.history["val_loss"]
    print(f"loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}")
    print(f"best checkpoint: val_loss {best_loss:.3f} (history min {min(val_losses):.3f}), "
          f"val accuracy {best_acc:.2f} (chance 0.5)")

    assert history.history["loss"][-1] < history.history["loss"][0]
    # the checkpoint holds the epoch with the lowest val_loss
    np.testing.assert_allclose(best_loss, min(val_losses), rtol=1e-4, atol=1e-5)
    assert best_acc > 0.8, best_acc
    return history


if __name__ == "__main__":
    main()
