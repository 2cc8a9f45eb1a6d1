"""``SwapEMAWeights``: evaluate and predict with the optimizer's moving average of the weights."""

from __future__ import annotations

import torch

from sloi.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the optimizer's exponential moving average (EMA) of the weights into the model
    for evaluation and prediction, and the trained weights back afterwards.

    The model's optimizer must have `use_ema=True` (also inside a `LossScaleOptimizer`, or
    for at least one optimizer of a `MultiOptimizer`). A swap is two device-side copies of
    every trainable weight; it happens at `on_test_begin` / `on_predict_begin` and back at the
    matching end, so validation inside `fit` sees the averaged weights too.

    Args:
        swap_on_epoch: also swap the averages in at each epoch end (for the callbacks after
            this one, e.g. `ModelCheckpoint`) and back at the next epoch's start. After the
            last epoch the averages stay in the model and the optimizer's averages are set to
            them, so that `finalize_variable_values` changes nothing more.

    Example:
        ```python
        model.compile(optimizer=sloi.optimizers.SGD(use_ema=True), loss="mse")
        model.fit(x, y, callbacks=[SwapEMAWeights(swap_on_epoch=True)])
        ```

    Keras 3.15 does not swap back at `on_predict_end` (its check there is inverted), leaving
    the averages in the model after `predict`; sloi swaps back, as after evaluation.
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        if hasattr(optimizer, "optimizers"):  # MultiOptimizer
            found = [opt for opt in optimizer.optimizers if getattr(opt, "use_ema", False)]
            if not found:
                raise ValueError(
                    "SwapEMAWeights must be used when at least one inner optimizer has "
                    "`use_ema=True` set. Received a MultiOptimizer with all inner optimizers "
                    "having `use_ema=False`."
                )
        else:
            found = [optimizer]
        for opt in found:
            if not getattr(opt, "use_ema", False):
                raise ValueError(
                    "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                    f"Received: use_ema={getattr(opt, 'use_ema', None)}"
                )
            if opt.model_variables_moving_average is None:
                raise ValueError(
                    "SwapEMAWeights: the optimizer has no moving averages yet; it is built "
                    "(and starts averaging) at the first training step."
                )
        return found

    @torch.no_grad()
    def _swap_variables(self):
        for opt in self._ema_optimizers():
            weights, averages = opt.trainable_variables, opt.model_variables_moving_average
            saved = [w.detach().clone() for w in weights]
            torch._foreach_copy_(weights, averages)
            torch._foreach_copy_(averages, saved)

    @torch.no_grad()
    def _finalize_ema_values(self):
        for opt in self._ema_optimizers():
            torch._foreach_copy_(opt.model_variables_moving_average, opt.trainable_variables)

    def _put_ema_weights_in_model(self, ema_in_model):
        """Swap weights and averages unless the model already holds the ones wanted."""
        if self._ema_weights_in_model != ema_in_model:
            self._swap_variables()
            self._ema_weights_in_model = ema_in_model

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._put_ema_weights_in_model(False)

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._put_ema_weights_in_model(True)
            # fit ends with `finalize_variable_values`, which copies the averages into the
            # weights: make the averages the weights now in the model, the averages.
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._put_ema_weights_in_model(True)

    def on_test_end(self, logs=None):
        self._put_ema_weights_in_model(False)

    def on_predict_begin(self, logs=None):
        self._put_ema_weights_in_model(True)

    def on_predict_end(self, logs=None):
        self._put_ema_weights_in_model(False)
