import numpy as np
import pytest
import torch

import sloi
from sloi import layers
from sloi.datasets import moving_ball
from tests.datasets import generated_checks


def _centres(x):
    """Row and column of the brightest pixel (the ball's centre) of every frame."""
    flat = x[..., 0].reshape(x.shape[0], x.shape[1], -1).argmax(-1)
    return np.stack(np.unravel_index(flat, x.shape[2:4]), axis=-1)


def test_shapes_and_motion():
    data = moving_ball.load_data(num_samples=80, frames=5, size=12, directions=8, radius=0.5)
    generated_checks.check_split(data, 80, 0.2)
    (x, y), _ = data
    assert x.shape == (64, 5, 12, 12, 1) and x.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(x)) == {0.0, 1.0} and (x.sum(axis=(2, 3, 4)) == 1).all()
    steps = (np.diff(_centres(x), axis=1) + 1) % 12 - 1  # one pixel a frame, across the edges
    expected = np.array(moving_ball._DIRECTIONS_8)[y]
    assert (steps == expected[:, None, :]).all()


def test_one_frame_cannot_tell_the_direction():
    """Every frame's ball position is uniform over the image, whatever the class."""
    (x, y), _ = moving_ball.load_data(num_samples=4000, frames=3, size=8, radius=0.5,
                                      test_split=0.0)
    assert np.bincount(y).tolist() == [1000] * 4
    for frame in range(3):
        where = _centres(x)[:, frame]
        for c in range(4):
            counts = np.bincount(where[y == c, 0] * 8 + where[y == c, 1], minlength=64)
            assert counts.min() > 0 and counts.max() < 3 * 1000 / 64  # all positions, none rare


def test_noise_and_reproducible():
    (x, _), _ = moving_ball.load_data(num_samples=10, noise=0.1, seed=1)
    assert 0.05 < np.std(x[x < 0.5]) < 0.15
    generated_checks.check_reproducible(moving_ball.load_data, num_samples=20, frames=3, size=8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="directions must be 4 or 8; got 6"):
        moving_ball.load_data(directions=6)
    with pytest.raises(ValueError, match="size must be an integer >= 2"):
        moving_ball.load_data(size=1)


def _fit(model, x, y, x_test, y_test, epochs=5):
    model.compile(optimizer=sloi.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return model.evaluate(x_test, y_test, verbose=0)[1]


@pytest.mark.usefixtures("one_thread")
def test_a_sequence_model_learns_what_one_frame_cannot():
    (x, y), (x_test, y_test) = moving_ball.load_data(num_samples=600, frames=4, size=8, seed=0)
    torch.manual_seed(0)
    sequence = sloi.Sequential([sloi.Input(shape=(4, 8, 8, 1)),
                                layers.ConvLSTM2D(8, 3, padding="same"), layers.Flatten(),
                                layers.Dense(4, activation="softmax")])
    single = sloi.Sequential([sloi.Input(shape=(8, 8, 1)),
                              layers.Conv2D(8, 3, padding="same", activation="relu"),
                              layers.Flatten(), layers.Dense(4, activation="softmax")])
    assert _fit(sequence, x, y, x_test, y_test) > 0.9
    assert _fit(single, x[:, -1], y, x_test[:, -1], y_test) < 0.4  # chance is 0.25
