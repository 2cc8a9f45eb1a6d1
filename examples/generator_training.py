"""Training from a Python generator of unknown length.

The data arrive from plain Python generators that yield (x, y) batches and have no
len(). fit, evaluate and predict are called without steps_per_epoch / steps: each runs
until the generator is exhausted, as in Keras. A fresh generator is passed each time,
since a generator can be iterated only once, so fit gets one epoch per call here.

Run: python examples/generator_training.py
"""

import warnings

import numpy as np

import sloi as keras
from sloi import layers

FEATURES = 8


def batches(n_batches, batch_size, seed, with_targets=True):
    """Yields batches of a linear regression task; its length is unknown to the caller."""
    rng = np.random.default_rng(seed)
    w = np.linspace(-1.0, 1.0, FEATURES).astype("float32")
    for _ in range(n_batches):
        x = rng.normal(size=(batch_size, FEATURES)).astype("float32")
        y = (x @ w + 0.5 + 0.05 * rng.normal(size=batch_size)).astype("float32")[:, None]
        yield (x, y) if with_targets else x


def main():
    keras.utils.set_random_seed(0)
    # Keras warns "Your input ran out of data" at the end of every pass over a generator of
    # unknown length, even though running until exhausted is what we ask for here
    warnings.filterwarnings("ignore", message="Your input ran out of data")
    model = keras.Sequential(
        [
            keras.Input(shape=(FEATURES,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])

    initial_loss, _ = model.evaluate(batches(10, 32, seed=99), verbose=0)
    losses = []
    for epoch in range(6):
        history = model.fit(
            batches(40, 32, seed=epoch),
            validation_data=batches(5, 32, seed=100 + epoch),
            verbose=0,
        )
        losses.append(history.history["loss"][0])
    final_loss, final_mae = model.evaluate(batches(10, 32, seed=99), verbose=0)

    # predict on a generator of inputs only: one row per yielded example, 7 batches of 16
    predictions = model.predict(batches(7, 16, seed=5, with_targets=False), verbose=0)
    print(f"evaluate: loss {initial_loss:.3f} before, {final_loss:.3f} after; mae {final_mae:.3f}")
    print("training loss per fit call:", np.round(losses, 3).tolist())
    print("validation loss:", round(history.history["val_loss"][0], 3))
    print("predictions:", predictions.shape)

    assert final_loss < 0.1 * initial_loss, (initial_loss, final_loss)
    assert "val_loss" in history.history
    assert predictions.shape == (7 * 16, 1), predictions.shape
    return history


if __name__ == "__main__":
    main()
