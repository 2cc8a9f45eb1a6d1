"""What every chapter of the tour shares: sizes, training with timing, figures, claims."""

from __future__ import annotations

import dataclasses
import importlib
import io
import os
import tempfile
import time

import numpy as np


@dataclasses.dataclass
class Settings:
    """How big the tour runs.

    Args:
        out: the folder the report, results.json and figures go to.
        quick: tiny data and 1-3 epochs (under a minute), for the tests.
        seed: seeds the data sets, the weights and the shuffles.
    """

    out: str
    quick: bool = False
    seed: int = 0

    def pick(self, quick, full):
        """``quick`` in a quick tour, ``full`` otherwise."""
        return quick if self.quick else full


def optional(module: str, name: str | None = None):
    """``module`` (or its attribute ``name``), or None when it is not there (yet)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return mod if name is None else getattr(mod, name, None)


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or None without matplotlib."""
    matplotlib = optional("matplotlib")
    if matplotlib is None:
        return None
    matplotlib.use("Agg", force=True)
    return importlib.import_module("matplotlib.pyplot")


def train(model, data, *, epochs, lr=0.01, batch_size=32, label=""):
    """Compile with Adam, fit with short logs, evaluate on the test split.

    Args:
        model: a sloi model ending in softmax.
        data: ``((x_train, y_train), (x_test, y_test))``.
        epochs: training epochs.
        lr: Adam's learning rate.
        batch_size: samples per step.
        label: printed before the progress lines.

    Returns:
        ``{"accuracy", "train_accuracy", "seconds_per_epoch", "params", "curve"}``.
    """
    import sloi

    (x, y), (x_test, y_test) = data
    model.compile(optimizer=sloi.optimizers.Adam(lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    print(f"-- {label}")
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=2)
    seconds = (time.perf_counter() - start) / epochs
    _, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    return {"accuracy": round(float(accuracy), 4),
            "train_accuracy": round(float(history.history["accuracy"][-1]), 4),
            "seconds_per_epoch": round(seconds, 4),
            "params": int(model.count_params()),
            "curve": [round(float(a), 4) for a in history.history["accuracy"]]}


def claim(lecture: str, measured: str, agrees: bool) -> dict:
    """One checkable statement of the lecture and whether this run's numbers bear it out."""
    return {"lecture": lecture, "measured": measured, "agrees": bool(agrees)}


def chance(num_classes: int) -> float:
    return 1.0 / num_classes


def beats(a: float, b: float, margin: float = 0.05) -> bool:
    """``a`` is better than ``b`` by more than ``margin``: noise on small test sets is ~0.03."""
    return bool(a > b + margin)


def write_bytes(path: str, data: bytes) -> None:
    """Write atomically: a temporary file in the same folder, then ``os.replace``."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a report is for reading
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_figure(settings: Settings, fig, name: str, caption: str) -> dict:
    """Save a matplotlib figure as ``figures/<name>.png``; returns its report entry."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    importlib.import_module("matplotlib.pyplot").close(fig)
    rel = f"figures/{name}.png"
    write_bytes(os.path.join(settings.out, rel), buf.getvalue())
    return {"file": rel, "caption": caption}


def save_svg(settings: Settings, svg: str, name: str, caption: str) -> dict:
    rel = f"figures/{name}.svg"
    write_bytes(os.path.join(settings.out, rel), svg.encode("utf-8"))
    return {"file": rel, "caption": caption}


def int_input(steps: int):
    """``Input((steps,), dtype="int64")``: token ids for an Embedding."""
    from sloi.layers import Input

    return Input(shape=(steps,), dtype="int64")


def as_int(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)
