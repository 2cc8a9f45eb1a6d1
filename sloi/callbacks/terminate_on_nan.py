"""``TerminateOnNaN``: stop at the first NaN/inf loss or weight, and go back to the last good
step: its weights and its optimizer state."""

from __future__ import annotations

import math

import torch

from sloi.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stops training at the first batch whose loss is NaN or infinite, or whose update left a
    trainable weight NaN or infinite, and puts back the model and the optimizer as they were
    after the last good batch.

    Keras only looks at the loss and only stops: a step whose loss is finite but whose update
    overflows (a huge learning rate) leaves ``inf`` weights, and the weights and optimizer
    slots a bad step has spoiled stay spoiled. Here the model comes back usable, and the
    optimizer (its momentum and moment estimates, its step count, a loss scale) with it, so
    training can go on after the stop, e.g. with a lower learning rate.

    Cost:
        With ``restore=True`` (the default): memory, one extra copy of the model's parameters
        and buffers and of the optimizer's state, on their devices, allocated once. Time, after
        each good step: one device-side ``copy_`` of all of them (no allocation; on a GPU it
        runs asynchronously) and a walk over ``optimizer.state_dict()``: for 1M weights under
        Adam on one CPU thread, about 0.6 ms a step at best, more on a busy machine (copies
        are memory-bound; ``benchmarks/terminate_on_nan.py``). With
        ``restore=False`` only the checks remain. Either way, as in Keras, the batch loss is
        read (one host sync a step), and one fused finite check runs over the trainable weights
        (a norm per weight in one kernel, one host read).

        A model built by its first batch (no ``Input``) has no weights to copy when training
        begins: a failure at that first batch stops training without restoring.

    Args:
        raise_error: False stops training gracefully (``model.stop_training = True``; the
            epoch ends and ``on_train_end`` runs). True raises ``RuntimeError`` at once
            (after restoring), skipping the other callbacks' cleanup.
        restore: False only stops (Keras's behaviour), leaving the weights and the optimizer
            as the bad step left them, and keeps no copies.
    """

    def __init__(self, raise_error: bool = False, restore: bool = True):
        super().__init__()
        self.raise_error = raise_error
        self.restore = restore
        self._trainable: list[torch.Tensor] = []
        self._live: list[torch.Tensor] = []
        self._saved: list[torch.Tensor] = []
        self._optimizer_state = _StateCopy()

    def on_train_begin(self, logs=None):
        self._trainable, self._live, self._saved = [], [], []
        self._optimizer_state = _StateCopy()
        if self.restore:
            self._build_optimizer()
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        loss = logs.get("loss") if logs is not None else None
        if loss is None:
            return
        if not math.isfinite(loss):
            problem = "loss"
        elif not self._weights_finite():
            problem = "weights"
        else:
            if self.restore:
                self._save()
            return
        if self.restore:
            self._restore()
        if self.raise_error:
            if problem == "loss":
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            raise RuntimeError(f"NaN or Inf weights after the update of batch {batch} (its loss "
                               f"was {loss}). Terminating training immediately.")
        if problem == "loss":
            print(f"Batch {batch}: Invalid loss, terminating training")
        else:
            print(f"Batch {batch}: Invalid weights after the update (NaN or Inf), terminating "
                  "training")
        self.model.stop_training = True

    # ------------------------------------------------------------------ checks and copies
    @torch.no_grad()
    def _weights_finite(self) -> bool:
        if not self._trainable:
            # collected once; a model built lazily by its first batch has none at train begin
            self._trainable = [w for w in self.model.trainable_weights
                               if w.is_floating_point() and w.numel()]
            if not self._trainable:
                return True
        # One fused kernel: a NaN or an inf makes its weight's norm NaN or inf. The 2-norm is
        # the fast one on the CPU (the 1- and inf-norms take 4 to 12 times longer); its squares
        # overflow only past |w| ~ 1e19, and then the exact check below decides.
        if bool(torch.stack(torch._foreach_norm(self._trainable, 2)).isfinite().all()):
            return True
        return all(bool(torch.isfinite(w).all()) for w in self._trainable)

    def _build_optimizer(self) -> None:
        """Builds the optimizer now, as the trainer would at the first step, so that the state
        before that step can be copied and put back."""
        optimizer = getattr(self.model, "optimizer", None)
        paths = getattr(self.model, "trainable_weights_with_paths", None)
        if optimizer is not None and not optimizer.built and paths is not None:
            weights = paths()
            if weights:
                optimizer.build(weights)

    @torch.no_grad()
    def _save(self) -> None:
        if not self._live:
            self._live = [*self.model.parameters(), *self.model.buffers()]
            self._saved = [torch.empty_like(t) for t in self._live]
        if self._live:
            torch._foreach_copy_(self._saved, self._live)
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None and optimizer.built:
                self._optimizer_state.save(optimizer.state_dict())

    @torch.no_grad()
    def _restore(self) -> None:
        if self._saved:
            torch._foreach_copy_(self._live, self._saved)
            if self._optimizer_state.saved:
                self.model.optimizer.load_state_dict(self._optimizer_state.restored())


class _StateCopy:
    """A copy of a nested state (dicts, lists and tuples of tensors and plain values, as
    ``state_dict()`` gives), refreshed in place: the tensors are copied into buffers allocated
    at the first save (again only when their number, shapes or dtypes change)."""

    def __init__(self):
        self.saved = False
        self._skeleton = None
        self._buffers: list[torch.Tensor] = []

    def save(self, state) -> None:
        tensors: list[torch.Tensor] = []
        self._skeleton = _skeleton(state, tensors)
        if [(t.shape, t.dtype, t.device) for t in tensors] == [
                (b.shape, b.dtype, b.device) for b in self._buffers]:
            if tensors:
                torch._foreach_copy_(self._buffers, tensors)
        else:
            self._buffers = [t.detach().clone() for t in tensors]
        self.saved = True

    def restored(self):
        """The saved state, with fresh copies of its tensors (the optimizer may keep them)."""
        return _fill(self._skeleton, [b.clone() for b in self._buffers])


class _Slot:
    """Where the i-th tensor goes back in a skeleton."""

    def __init__(self, index: int):
        self.index = index


def _skeleton(value, tensors: list):
    """``value`` with each tensor replaced by a ``_Slot`` (the tensor appended to
    ``tensors``); containers rebuilt, other values kept."""
    if isinstance(value, torch.Tensor):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if isinstance(value, dict):
        return {k: _skeleton(v, tensors) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_skeleton(v, tensors) for v in value)
    return value


def _fill(skeleton, tensors: list):
    if isinstance(skeleton, _Slot):
        return tensors[skeleton.index]
    if isinstance(skeleton, dict):
        return {k: _fill(v, tensors) for k, v in skeleton.items()}
    if isinstance(skeleton, (list, tuple)):
        return type(skeleton)(_fill(v, tensors) for v in skeleton)
    return skeleton
