"""``CSVLogger``: one CSV row of results per epoch."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable

import numpy as np

from sloi.callbacks.callback import Callback


class CSVLogger(Callback):
    """Writes the epoch logs to a CSV file, a row per epoch, as Keras's ``CSVLogger`` does.

    The columns are ``epoch`` and then the log keys of the first epoch in sorted order; if that
    epoch has no ``val_*`` key, a ``val_`` column is added for each key anyway (filled with
    ``NA`` until validation runs). A key missing from an epoch is written ``NA``. Rows end with
    ``\\r\\n`` (the csv module's default, as in files Keras writes).

    Each row is formatted in memory, written with one ``write`` and flushed at once, so a run
    that crashes leaves whole rows behind, never half of one.

    Args:
        filename: the CSV file, e.g. ``"run/log.csv"``.
        separator: the field separator. Defaults to ``","``.
        append: True adds rows to an existing file (the header is written only if the file is
            missing or empty); False overwrites it.

    Example:
        >>> model.fit(x, y, epochs=10, callbacks=[CSVLogger("training.log")])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.append_header = True
        self._header_due = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            mode = "a"
        else:
            mode = "w"
        self._close()
        # newline="": the csv module writes its own line endings; no translation on Windows.
        self.csv_file = open(self.filename, mode, newline="")
        self.keys = None
        self._header_due = self.append_header

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        text = io.StringIO()
        writer = csv.writer(text, delimiter=self.sep)
        if self._header_due:
            writer.writerow(["epoch"] + self.keys)
            self._header_due = False
        writer.writerow([epoch] + [_cell(logs.get(k, "NA")) for k in self.keys])
        self.csv_file.write(text.getvalue())
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()

    def _close(self):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()


def _cell(value):
    """Numbers and strings as they are; a sequence as the text ``"[a, b]"`` (Keras's form,
    quotes included)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value
