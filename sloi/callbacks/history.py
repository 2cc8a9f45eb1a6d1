"""``History``: what ``fit`` returns; ``history.history["loss"]`` is the loss of each epoch."""

from __future__ import annotations

from sloi.callbacks.callback import Callback


class History(Callback):
    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self

    def plot(self, metrics=None, ax=None):
        """Learning curves (matplotlib): each metric with its ``val_`` twin."""
        import matplotlib.pyplot as plt

        names = metrics or [k for k in self.history if not k.startswith("val_")]
        if ax is None:
            _, ax = plt.subplots()
        for name in names:
            ax.plot(self.epoch, self.history[name], label=name)
            if f"val_{name}" in self.history:
                ax.plot(self.epoch, self.history[f"val_{name}"], "--", label=f"val_{name}")
        ax.set_xlabel("epoch")
        ax.legend()
        return ax
