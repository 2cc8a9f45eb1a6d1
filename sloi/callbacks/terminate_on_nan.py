"""``TerminateOnNaN``: stop at the first NaN/inf loss, with the weights of the last good step."""

from __future__ import annotations

import math

import torch

from sloi.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stops training at the first batch whose loss is NaN or infinite, and puts back the
    weights the model had after the last batch with a finite loss.

    Keras only stops, leaving weights the bad step has already turned to NaN; here the model
    comes back usable. To do that the callback keeps a copy of every parameter and buffer:

    Cost:
        memory: one extra copy of the model's parameters and buffers, on their device,
        allocated once when training begins. Time: after each good step, one device-side
        ``copy_`` of all of them (no allocation; on a GPU it runs asynchronously) and, as in
        Keras, reading the batch loss, which waits for the step to finish (one host sync a
        step). Optimizer slots (momentum, ...) are not restored.

    Args:
        raise_error: False stops training gracefully (``model.stop_training = True``; the
            epoch ends and ``on_train_end`` runs). True raises ``RuntimeError`` at once
            (after restoring the weights), skipping the other callbacks' cleanup.
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error
        self._live: list[torch.Tensor] = []
        self._saved: list[torch.Tensor] = []

    def on_train_begin(self, logs=None):
        self._live, self._saved = [], []
        self._save()

    def on_train_batch_end(self, batch, logs=None):
        loss = logs.get("loss") if logs is not None else None
        if loss is None:
            return
        if math.isfinite(loss):
            self._save()
            return
        self._restore()
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{loss}. Terminating training immediately.")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True

    @torch.no_grad()
    def _save(self) -> None:
        if not self._live:
            # Collected once; a model built lazily by its first batch has none at train begin.
            self._live = [*self.model.parameters(), *self.model.buffers()]
            self._saved = [torch.empty_like(t) for t in self._live]
        if self._live:
            torch._foreach_copy_(self._saved, self._live)

    @torch.no_grad()
    def _restore(self) -> None:
        if self._saved:
            torch._foreach_copy_(self._live, self._saved)
