"""Short videos of a ball moving in one of several directions; the label is the direction.

What it is for: the lecture's case for sequence models on video. One frame shows where the
ball is, never where it goes: every frame's ball position is uniform over the image in every
class (the ball moves on a torus: leaving one edge it comes back at the opposite one), so a
model that sees a single frame cannot beat chance. Two frames or more tell the direction, so a
model over the frames (``TimeDistributed(Conv2D)`` + LSTM, ``ConvLSTM2D``, ``Conv3D``) learns it.
"""

from __future__ import annotations

import numpy as np

from sloi.datasets import _generated

_DIRECTIONS_4 = [(0, 1), (-1, 0), (0, -1), (1, 0)]  # right, up, left, down (row, column)
_DIRECTIONS_8 = [(0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1)]
DIRECTION_NAMES = {
    4: ("right", "up", "left", "down"),
    8: ("right", "up-right", "up", "up-left", "left", "down-left", "down", "down-right"),
}


def load_data(num_samples=1000, frames=6, size=16, directions=4, speed=1, radius=1.5,
              noise=0.0, test_split=0.2, seed=0):
    """Generate the videos.

    Args:
        num_samples: videos in all (train and test).
        frames: frames per video.
        size: frames are ``size`` x ``size`` pixels.
        directions: 4 (right, up, left, down) or 8 (the diagonals too); ``DIRECTION_NAMES``
            names the labels.
        speed: pixels per frame along each axis.
        radius: the ball's radius in pixels.
        noise: standard deviation of Gaussian noise added to every pixel (0: none).
        test_split: the fraction of the videos kept for testing.
        seed: the random seed; the same arguments and seed give the same data.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 of shape
        ``(n, frames, size, size, 1)`` (ball 1, background 0), ``y`` int64 direction ids.
    """
    name = "moving_ball"
    num_samples = _generated.check_int(name, "num_samples", num_samples, 1)
    frames = _generated.check_int(name, "frames", frames, 1)
    size = _generated.check_int(name, "size", size, 2)
    speed = _generated.check_int(name, "speed", speed, 1)
    test_split = _generated.check_fraction(name, "test_split", test_split)
    if directions not in (4, 8):
        raise ValueError(f"{name}.load_data: directions must be 4 or 8; got {directions!r}")
    if not radius > 0:
        raise ValueError(f"{name}.load_data: radius must be positive; got {radius!r}")
    rng = np.random.default_rng(seed)
    labels = _generated.balanced_labels(rng, num_samples, directions)
    steps = np.array(_DIRECTIONS_4 if directions == 4 else _DIRECTIONS_8) * speed
    start = rng.integers(0, size, size=(num_samples, 2))  # uniform: so is every later frame
    t = np.arange(frames)
    centre = (start[:, None, :] + t[None, :, None] * steps[labels][:, None, :]) % size
    grid = np.arange(size)
    # distance on the torus along each axis, so the ball wraps around the edges whole
    d_row = np.abs(grid[None, None, :] - centre[..., 0:1])
    d_col = np.abs(grid[None, None, :] - centre[..., 1:2])
    d_row = np.minimum(d_row, size - d_row)
    d_col = np.minimum(d_col, size - d_col)
    dist2 = d_row[..., :, None] ** 2 + d_col[..., None, :] ** 2
    x = (dist2 <= radius ** 2).astype(np.float32)[..., None]
    if noise:
        x += rng.normal(0.0, noise, size=x.shape).astype(np.float32)
    return _generated.split(x, labels, test_split)
