"""``ProgbarLogger``: the progress bar of ``fit`` / ``evaluate`` / ``predict``."""

from __future__ import annotations

from sloi.callbacks.callback import Callback
from sloi.progbar import Progbar, print_msg


class ProgbarLogger(Callback):
    """Draws ``Epoch i/n`` and the bar; ``verbose=2`` writes one line per epoch."""

    def __init__(self, verbose=1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream
        self.bar = None
        self._in_fit = False  # evaluate() inside fit draws no bar of its own, as in Keras
        self._batch_names = []  # the names of this epoch's batch logs, in their order

    def _new_bar(self, target):
        # fit's logs are running results already: shown as given, never averaged again
        self.bar = Progbar(target, verbose=self.verbose, stateless_metrics=(),
                           stream=self.stream)

    def _ordered(self, logs):
        """Keras's order: the names in the order the bar first saw them. The one-line form
        (``verbose=2``) sees only the epoch's logs, sorted by name (what a callback adds,
        ``learning_rate``, last); the live bar saw the batches' names first."""
        logs = logs or {}
        first = [name for name in self._batch_names if name in logs]
        return [(name, logs[name]) for name in first] + [
            (name, value) for name, value in logs.items() if name not in self._batch_names]

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def _write(self, text):
        print_msg(text, self.stream)

    def on_epoch_begin(self, epoch, logs=None):
        if self.params.get("epochs", 1) > 1 and self.verbose:
            self._write(f"Epoch {epoch + 1}/{self.params['epochs']}")
        # data of unknown length: a running count in the first epoch, then the count it had
        self._new_bar(self.params.get("steps") or self.__dict__.get("_learned_steps"))
        self._seen = 0
        self._batch_names = []

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose == 1 and not self._batch_names and logs:
            self._batch_names = list(logs)  # once an epoch: Keras's bar records every batch
        self._seen = batch + 1
        if self.bar.due(batch + 1):
            self.bar.update(batch + 1, self._ordered(logs), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar.target is None:
            self._learned_steps = self._seen or None
        self.bar.update(self._final_count(), self._ordered(logs), finalize=True)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._new_bar(self.params.get("test_steps"))
            self._seen = 0

    def on_test_batch_end(self, batch, logs=None):
        if self._in_fit:
            return
        self._seen = batch + 1
        if self.bar.due(batch + 1):
            self.bar.update(batch + 1, self._ordered(logs), finalize=False)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self.bar.update(self._final_count(), self._ordered(logs), finalize=True)

    def on_predict_begin(self, logs=None):
        self._new_bar(self.params.get("predict_steps"))
        self._seen = 0

    def on_predict_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self.bar.due(batch + 1):
            self.bar.update(batch + 1, finalize=False)

    def on_predict_end(self, logs=None):
        self.bar.update(self._final_count(), finalize=True)

    def _final_count(self):
        """The steps run, which the last line shows as the bar's total where it was unknown,
        as Keras does (``5/5`` at the end of a generator's first epoch)."""
        if self.bar.target is None:
            self.bar.target = self._seen
        return self.bar.target
