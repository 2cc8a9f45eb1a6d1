"""Chapter 2: why memory. A ball's direction from one frame, and from the whole clip."""

from __future__ import annotations

from sloi.cli.tour import common
from sloi.datasets import moving_ball
from sloi.layers import LSTM, Conv2D, Dense, Flatten, Input, MaxPooling2D, TimeDistributed
from sloi.models import Sequential

TITLE = "2. Why memory: the moving ball"


def run(settings, state) -> dict:
    size, frames = settings.pick(12, 16), 4
    n, epochs = settings.pick(500, 2000), settings.pick(5, 8)
    (x, y), (xt, yt) = moving_ball.load_data(num_samples=n, frames=frames, size=size,
                                             seed=settings.seed)
    # the single-frame model sees the last frame only: where the ball is, not where it goes
    frame = Sequential([Input((size, size, 1)), Conv2D(8, 3, activation="relu"),
                        MaxPooling2D(2), Flatten(), Dense(4, activation="softmax")])
    single = common.train(frame, ((x[:, -1], y), (xt[:, -1], yt)), epochs=epochs,
                          label="single frame: Conv2D")
    clip = Sequential([Input((frames, size, size, 1)),
                       TimeDistributed(Conv2D(8, 3, activation="relu")),
                       TimeDistributed(MaxPooling2D(2)), TimeDistributed(Flatten()),
                       LSTM(32), Dense(4, activation="softmax")])
    sequence = common.train(clip, ((x, y), (xt, yt)), epochs=epochs,
                            label="sequence: TimeDistributed(Conv2D) + LSTM")
    numbers = {"single_frame_accuracy": single["accuracy"],
               "sequence_accuracy": sequence["accuracy"], "chance": common.chance(4),
               "frames": frames, "size": size, "train_samples": len(x), "epochs": epochs}
    rows = [["single frame (Conv2D)", single["accuracy"], single["seconds_per_epoch"],
             single["params"]],
            ["clip (TimeDistributed Conv2D + LSTM)", sequence["accuracy"],
             sequence["seconds_per_epoch"], sequence["params"]]]
    agrees = common.beats(sequence["accuracy"], single["accuracy"])
    return {
        "title": TITLE,
        "intro": [
            "The lecture motivates recurrent networks with a video of a flying ball: any one "
            "frame only shows a ball at some spot, and the direction appears only when several "
            "consecutive frames are compared. A recurrent network keeps what it saw in earlier "
            "frames and combines it with the current one.",
            f"Here: {len(x)} generated clips of {frames} frames, {size}x{size} pixels, the ball "
            "moving right, up, left or down and wrapping around the edges, so one frame carries "
            "no hint of the direction. One model sees the last frame, the other the whole clip.",
        ],
        "numbers": numbers,
        "curves": {"single frame": single["curve"], "sequence": sequence["curve"]},
        "tables": [{"caption": "Test accuracy on the moving ball (chance 0.25)",
                    "columns": ["model", "accuracy", "s/epoch", "params"], "rows": rows}],
        "figures": [],
        "notes": [],
        "claims": [common.claim(
            "Seeing the sequence tells the direction; a single frame cannot",
            f"sequence {sequence['accuracy']:.3f} vs single frame {single['accuracy']:.3f} "
            "(chance 0.25)", agrees)],
    }
