"""``compile`` / ``fit`` / ``evaluate`` / ``predict``: Keras's training API as a plain PyTorch loop.

One training step is what anyone would write by hand: forward, loss, ``backward``,
optimizer step. Around it the loop keeps the running loss and metrics as tensors on the
device and reads them back only when something shows them (the progress bar at most every
50 ms, a callback that asks, the end of an epoch), so a step costs no host sync.
"""

from __future__ import annotations

import contextlib
import warnings

import torch

from sloi import callbacks as callbacks_mod
from sloi import mixed_precision, settings
from sloi import optimizers as optimizers_mod
from sloi.engine import Functional, Layer, SymbolicTensor, frozen_weights, tree
from sloi.engine.dtypes import standardize_dtype
from sloi.engine.layer import holds_added_losses
from sloi.engine.module_tools import all_modules, first_parameter
from sloi.engine.string_inputs import check_data as check_string_data
from sloi.optimizers import LossScaleOptimizer
from sloi.training import argument_checks, data_adapters
from sloi.training import strategy as strategy_mod
from sloi.training.compile_utils import CompileLoss, CompileMetrics, output_keys
from sloi.training.logs import LazyLogs, as_logs, log_value
from sloi.training.loss_scaler import LossScaler
from sloi.training.modes import modes
from sloi.training.running_mean import RunningMean
from sloi.training.targets import check_targets, class_weights_to_sample_weights


class Trainer:
    """The training state of one model (its optimizer, losses and metrics)."""

    def __init__(self, model):
        self.model = model
        self.compiled = False
        self.optimizer = None
        self.auto_scale_loss = True  # compile(auto_scale_loss=...)
        self._step_fn = None
        self._plain = False  # set by _prepare: whether a step needs nothing around it
        # set by _prepare: the strategy of the loop (one process, or sloi.distribute's
        # DataParallel), and the module its training steps run (None until the first step:
        # the model, or the model inside DistributedDataParallel), kept in _wrapped for reuse
        self._strategy = strategy_mod.DEFAULT
        self._module = None
        self._wrapped = None

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        if isinstance(steps_per_execution, bool) or not isinstance(
                steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f'Model "{self.model.name}": compile(steps_per_execution=...) must '
                             f"be an integer >= 1; got {steps_per_execution!r}")
        names = self._output_names()
        self.optimizer = optimizers_mod.get(optimizer)
        # as Keras: under a mixed_float16 policy the optimizer is wrapped, so that the loss is
        # scaled (small float16 gradients would flush to zero); False trains unscaled
        self.auto_scale_loss = bool(auto_scale_loss)
        if (self.auto_scale_loss and mixed_precision.global_policy().name == "mixed_float16"
                and not isinstance(self.optimizer, LossScaleOptimizer)):
            self.optimizer = LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
        self.loss = CompileLoss(loss, loss_weights, names) if loss is not None else None
        self.metrics = CompileMetrics(metrics, weighted_metrics, names)
        self.loss_tracker = RunningMean("loss")
        self.output_loss_trackers = [RunningMean(n) for n in
                                     (self.loss.names if self.loss else [])]
        self.jit_compile = jit_compile is True
        self.run_eagerly = run_eagerly
        # batches per "execution": batch callbacks (and the progress bar, and a stop they ask
        # for) act once per execution, at its last batch, as in Keras's other backends
        self.steps_per_execution = steps_per_execution
        self._step_fn = None
        self.compiled = True

    def _output_names(self) -> list[str]:
        return output_keys(self.model)

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise RuntimeError(
                f'Model "{self.model.name}" must be compiled before {what}(): call '
                "model.compile(optimizer=..., loss=..., metrics=[...]) first"
            )

    @property
    def metrics_names(self) -> list[str]:
        if not self.compiled:
            return []
        names = ["loss"] + (self.loss.names if self.loss else [])
        return names + self.metrics.names

    def metric_objects(self) -> list:
        """The loss tracker, the per-output loss trackers, then the compiled metrics (built at
        the first batch), each with ``name``, ``result()`` and ``reset_state()``."""
        if not self.compiled:
            return []
        return [self.loss_tracker, *self.output_loss_trackers,
                *(metric for _, metric, _, _ in self.metrics.entries)]

    # ------------------------------------------------------------------ device
    def _device(self) -> torch.device:
        chosen = settings.get_device()
        param = first_parameter(self.model)
        if chosen is not None:
            device = torch.device(chosen)
        elif param is not None:
            device = param.device
            if device.type == "cpu" and torch.cuda.is_available() and settings.auto_device():
                device = torch.device("cuda")
        else:
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        if param is not None and param.device != device:
            self.model.to(device)
        return device

    # ------------------------------------------------------------------ structures
    def _flat_targets(self, y):
        """Targets as a list in output order (None for outputs without targets)."""
        names = self._output_names()
        if isinstance(y, dict):
            return [y.get(n) for n in names]
        if len(names) == 1:
            return [y[0] if isinstance(y, (list, tuple)) and len(y) == 1 else y]
        return list(y) if y is not None else [None] * len(names)

    def _flat_weights(self, sw, count: int):
        if sw is None:
            return [None] * count
        if isinstance(sw, dict):
            return [sw.get(n) for n in self._output_names()]
        if isinstance(sw, (list, tuple)):
            return list(sw)
        return [sw] * count

    # ------------------------------------------------------------------ steps
    def _forward_and_loss(self, x, y, sw, module=None):
        # module: the DistributedDataParallel wrapper under distribution, else the model
        module = self.model if module is None else module
        if self._single and isinstance(y, torch.Tensor) and sw is None:
            # one output, one target, no weights: the plain path, no lists to build
            pred = module(x)
            target = y.to(pred.dtype) if y.is_floating_point() and y.dtype != pred.dtype else y
            total = self._single_loss(target, pred)
            if self._regularized or holds_added_losses():
                total = self._with_model_losses(total)
            return total, [total], [pred], [target], [None]
        y_pred = tree.flatten(module(x))
        targets = [t.to(p.dtype) if t is not None and t.is_floating_point() and t.dtype != p.dtype
                   else t for t, p in zip(self._flat_targets(y), y_pred)]
        weights = self._flat_weights(sw, len(y_pred))
        total, parts = self.loss(targets, y_pred, weights) if self.loss is not None else (None, [])
        if self._regularized or holds_added_losses():
            total = self._with_model_losses(total)
        if total is None:  # as Keras: compile(loss=None) trains on add_loss's losses alone
            raise ValueError(
                f'No loss to compute for model "{self.model.name}": it was compiled without a '
                "loss and its call added none with add_loss(). Provide a `loss` argument in "
                "compile(), or add_loss() in call().")
        return total, parts, y_pred, targets, weights

    def _with_model_losses(self, total):
        """``total`` (None without a compiled loss) plus ``model.losses`` (add_loss's, the
        regularizers'), each summed to a scalar and taken as floatx where it is not a float,
        as Keras adds them."""
        for loss in self.model.losses:
            if not loss.is_floating_point():
                loss = loss.to(standardize_dtype(settings.floatx()))
            loss = loss.sum()
            total = loss if total is None else total + loss
        return total

    def train_step(self, x, y, sw):
        optimizer = self.optimizer
        if self._plain and optimizer.built:
            # one process, no autocast, no loss scaling, no constraints: the hand-written step
            total, parts, y_pred, targets, weights = self._step_fn(x, y, sw)
            optimizer.zero_grad()
            total.backward()
            optimizer.step()
        else:
            total, parts, y_pred, targets, weights = self._guarded_step(x, y, sw)
        self._track(total, parts, y_pred, targets, weights)

    def _guarded_step(self, x, y, sw):
        """The step with what may surround it: DDP, autocast, loss scaling, constraints, and
        the optimizer built at the first step."""
        if self._module is None:
            self._module = self._wrapped = self._strategy.training_module(
                self.model, x, self._wrapped)
        with self._autocast():
            total, parts, y_pred, targets, weights = self._step_fn(x, y, sw, self._module)
        if not self.optimizer.built:
            self.optimizer.build(self.model.trainable_weights_with_paths())
        self.optimizer.zero_grad()
        if self._scaler is None:
            # a LossScaleOptimizer or loss_scale_factor scales the loss; its step unscales
            (self.optimizer.scale_loss(total) if self._optimizer_scales else total).backward()
            self.optimizer.step()
        else:
            self._scaler.backward_and_step(total, self.optimizer, self.model.trainable_weights)
        if self._constrained:
            self.model.apply_constraints()
        return total, parts, y_pred, targets, weights

    @torch.no_grad()
    def test_step(self, x, y, sw):
        with self._autocast():
            total, parts, y_pred, targets, weights = self._forward_and_loss(x, y, sw)
        self._track(total, parts, y_pred, targets, weights)

    def _track(self, total, parts, y_pred, targets, weights):
        batch = y_pred[0].shape[0]
        self.loss_tracker.add(total.detach(), batch)
        for tracker, part in zip(self.output_loss_trackers, parts):
            if part is not None:
                tracker.add(part.detach(), batch)
        if not self.metrics.built:
            self.metrics.build(targets, y_pred, total.device)
        if self.metrics.entries:
            self.metrics.update(targets, y_pred, weights)

    def reset_metrics(self) -> None:
        """Resets the running loss and every compiled metric."""
        self.loss_tracker.reset_state()
        for tracker in self.output_loss_trackers:
            tracker.reset_state()
        self.metrics.reset()

    def get_metrics_result(self) -> dict:
        """The running loss and metrics of this process, as tensors (Keras's name)."""
        results = {"loss": self.loss_tracker.result()}
        for tracker in self.output_loss_trackers:
            results[tracker.name] = tracker.result()
        results.update(self.metrics.results())
        return results

    def _final_results(self) -> dict:
        """The results at the end of an epoch or an evaluation, as floats: over every process
        under distribution (a collective read, so only at points every process reaches)."""
        return as_logs(self._strategy.results(self))

    def _prepare(self, strategy: strategy_mod.Strategy):
        """Work done once per loop (fit, evaluate, a single batch), not per step, for a loop
        that follows ``strategy``."""
        self._regularized = self._constrained = False
        for m in all_modules(self.model):  # a plain loop: train_on_batch runs this each call
            if isinstance(m, Layer):
                # add_loss's and activity losses are seen after the forward pass
                self._regularized = self._regularized or bool(m.weight_regularizers)
                self._constrained = self._constrained or bool(m.weight_constraints)
        names = self._output_names()
        # a graph (not yet built: no output) whose output is one tensor, not a list of one
        self._single = (len(names) == 1 and self.loss is not None
                        and isinstance(self.model, Functional)
                        and isinstance(getattr(self.model, "output", None), SymbolicTensor)
                        and self.loss.losses[0] is not None and self.loss.weights[0] == 1.0)
        self._single_loss = self.loss.losses[0] if self._single else None
        first = first_parameter(self.model)
        device = first.device if first is not None else torch.device("cpu")
        self._autocast_dtype = mixed_precision.autocast_dtype()
        self._device_type = device.type
        self._scaler = None
        self._optimizer_scales = (isinstance(self.optimizer, LossScaleOptimizer)
                                  or getattr(self.optimizer, "loss_scale_factor", None)
                                  is not None)
        if (self._autocast_dtype == torch.float16 and self.auto_scale_loss
                and not isinstance(self.optimizer, LossScaleOptimizer)):
            # the policy became mixed_float16 after compile: scaled all the same, unless
            # compile(auto_scale_loss=False) said not to
            self._scaler = self.__dict__.get("_loss_scaler") or LossScaler(device)
            self._loss_scaler = self._scaler
        strategy.check_model(self.model)
        self._strategy = strategy
        self._module = None  # chosen at the first guarded step
        self._plain = (self._strategy.single_process and self._autocast_dtype is None
                       and self._scaler is None and not self._constrained
                       and not self._optimizer_scales)
        if self._step_fn is None:
            self._step_fn = self._forward_and_loss
            if self.jit_compile:
                self._step_fn = torch.compile(self._forward_and_loss)

    def _autocast(self):
        dtype = getattr(self, "_autocast_dtype", None)
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self._device_type, dtype=dtype)

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        if isinstance(validation_data, list):  # Keras reads [x, y(, sw)] as (x, y(, sw))
            validation_data = tuple(validation_data)
        argument_checks.check_fit(
            self, x, y, batch_size=batch_size, epochs=epochs, sample_weight=sample_weight,
            class_weight=class_weight, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_data=validation_data,
            validation_steps=validation_steps, validation_batch_size=validation_batch_size,
            validation_freq=validation_freq)
        self._require_compiled("fit")
        if x is None:
            raise ValueError("fit() needs training data: x (and y)")
        x = check_string_data(self.model, x)  # lists of str as arrays; strings where expected
        device = self._device()
        # sloi.config's caps, for quick runs of long programs
        if settings.max_epochs() is not None and epochs > settings.max_epochs():
            epochs = settings.max_epochs()
            warnings.warn(f"Limiting epochs to {epochs} (sloi.config.set_max_epochs)")
        cap = settings.max_steps_per_epoch()
        if cap is not None and (steps_per_epoch is None or steps_per_epoch > cap):
            steps_per_epoch = cap
            warnings.warn(f"Limiting steps_per_epoch to {cap} "
                          "(sloi.config.set_max_steps_per_epoch)")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapters.split_validation(
                x, y, sample_weight, validation_split)
        if class_weight is not None:
            sample_weight = class_weights_to_sample_weights(y, class_weight, sample_weight)
        if data_adapters.is_array_data(x) and y is not None and self.model.built:
            check_targets(self.model, self.loss, self._flat_targets(y))
        # under distribution, this process's share of the data (and, below, of the callbacks)
        strategy = strategy_mod.current(self.model, training=True)
        data = strategy.adapt(x, y, sample_weight, batch_size, shuffle, device, steps_per_epoch)
        val_data = None
        if validation_data is not None:
            vx, vy, vsw = _unpack_validation(validation_data)
            val_data = strategy.adapt(vx, vy, vsw, validation_batch_size or batch_size, False,
                                      device, validation_steps)
        verbose = 1 if verbose == "auto" else verbose
        history = callbacks_mod.History()
        cbs = list(callbacks or [])
        if verbose and not any(isinstance(c, callbacks_mod.ProgbarLogger) for c in cbs):
            cbs.append(callbacks_mod.ProgbarLogger(verbose))
        for c in cbs:
            if isinstance(c, callbacks_mod.ProgbarLogger):
                c.verbose = c.verbose if verbose == 1 else verbose
        cbs.append(history)
        cbs = strategy.callbacks(self, cbs)
        params = {"epochs": epochs, "steps": data_adapters.num_batches(data),
                  "verbose": verbose}
        callback_list = callbacks_mod.CallbackList(cbs, model=self.model, params=params)
        self._prepare(strategy)
        self.model.stop_training = False
        with modes(self.model, training=True):
            self._fit_loop(data, val_data, epochs, initial_epoch, validation_freq,
                           callback_list)
        return history

    def _fit_loop(self, data, val_data, epochs, initial_epoch, validation_freq, cbs):
        batch_begin = cbs.on_train_batch_begin if cbs.has("on_train_batch_begin") else None
        batch_end = cbs.on_train_batch_end if cbs.has("on_train_batch_end") else None
        logs = LazyLogs(self.get_metrics_result)
        cbs.on_train_begin()
        # BackupAndRestore, resuming an interrupted fit, says which epoch comes next.
        resumed = self.model.__dict__.pop("_resume_epoch", None)
        initial_epoch = resumed if resumed is not None else initial_epoch
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            n, total, ended = self.steps_per_execution, data_adapters.num_batches(data), True
            step = -1
            for step, (xb, yb, swb) in enumerate(data):
                if batch_begin is not None and step % n == 0:
                    batch_begin(step)
                self.train_step(xb, yb, swb)
                ended = n == 1 or (step + 1) % n == 0 or step + 1 == total
                if ended:  # the end of an execution: batch callbacks, then a stop may act
                    if batch_end is not None:
                        logs.invalidate()
                        batch_end(step, logs)
                    if self.model.stop_training:
                        break
            if step < 0 and getattr(data, "exhausted", False):
                break  # the data ran dry at the epoch's start (Keras's warning said so)
            if not ended and batch_end is not None:  # data of unknown length ran out mid-way
                logs.invalidate()
                batch_end(step, logs)
            epoch_logs = self._final_results()
            if val_data is not None and _due(epoch, validation_freq):
                val_logs = self._evaluate_adapter(val_data, cbs)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                epoch_logs = dict(sorted(epoch_logs.items()))  # Keras sorts them all
            # the callbacks share a copy: what one adds (``learning_rate``) reaches the later
            # ones and History, not on_train_end's logs, as in Keras
            cbs.on_epoch_end(epoch, dict(epoch_logs))
            self._strategy.end_of_epoch(self.model)  # processes meet, agree on stop_training
            if self.model.stop_training or getattr(data, "exhausted", False):
                break
        # as Keras: with use_ema, the weights end as their moving averages
        self.optimizer.finalize_variable_values(self.model.trainable_weights)
        cbs.on_train_end(epoch_logs)
        self._strategy.end_of_fit()

    # ------------------------------------------------------------------ evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        argument_checks.check_evaluate(self, x, y, batch_size=batch_size, steps=steps,
                                       sample_weight=sample_weight)
        self._require_compiled("evaluate")
        x = check_string_data(self.model, x)
        device = self._device()
        if data_adapters.is_array_data(x) and y is not None and self.model.built:
            check_targets(self.model, self.loss, self._flat_targets(y))
        strategy = strategy_mod.current(self.model, training=False)
        data = strategy.adapt(x, y, sample_weight, batch_size, False, device, steps)
        verbose = 1 if verbose == "auto" else verbose
        callback_list = self._callback_list(
            strategy, callbacks, verbose,
            {"test_steps": data_adapters.num_batches(data), "verbose": verbose})
        self._prepare(strategy)
        logs = self._evaluate_adapter(data, callback_list)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    def _evaluate_adapter(self, data, cbs) -> dict:
        self.reset_metrics()  # in fit, the epoch's training results were read already
        cbs.on_test_begin()
        batch_end = cbs.on_test_batch_end if cbs.has("on_test_batch_end") else None
        logs = LazyLogs(self.get_metrics_result)
        n, total = self.steps_per_execution, data_adapters.num_batches(data)
        with modes(self.model, training=False):
            for step, (xb, yb, swb) in enumerate(data):
                self.test_step(xb, yb, swb)
                if batch_end is not None and (
                        n == 1 or (step + 1) % n == 0 or step + 1 == total):
                    logs.invalidate()
                    batch_end(step, logs)
        results = self._final_results()
        cbs.on_test_end(results)
        return results

    def _callback_list(self, strategy, callbacks, verbose, params: dict):
        """The callbacks of one ``evaluate`` or ``predict`` call: the user's, a progress bar
        when ``verbose`` asks for one, of which those this process runs under ``strategy``."""
        cbs = list(callbacks or [])
        if verbose:
            cbs.append(callbacks_mod.ProgbarLogger(verbose))
        return callbacks_mod.CallbackList(strategy.callbacks(self, cbs), model=self.model,
                                          params=params)

    # ------------------------------------------------------------------ predict
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` as numpy arrays (a list or dict of them for several outputs).
        Under distribution each process predicts its share of the samples and every process
        gets all the predictions back, in order."""
        argument_checks.check_predict(self, x, batch_size=batch_size, steps=steps)
        model = self.model
        x = check_string_data(model, x)  # lists of str as arrays; strings where expected
        device = self._device()
        strategy = strategy_mod.current(model, training=False)
        data = strategy.predict_data(model, x, batch_size, device, steps)
        verbose = 1 if verbose == "auto" else verbose
        callbacks = self._callback_list(
            strategy, callbacks, verbose,
            {"predict_steps": data_adapters.num_batches(data), "verbose": verbose})
        outputs = []
        callbacks.on_predict_begin()
        batch_end = callbacks.on_predict_batch_end if callbacks.has(
            "on_predict_batch_end") else None
        self._autocast_dtype = mixed_precision.autocast_dtype()
        self._device_type = device.type
        # the batches of arrays are alike: after the first, no call repeats its checks
        alike = isinstance(data, data_adapters.ArrayAdapter)
        with modes(model, training=False), torch.no_grad(), self._autocast(), \
                frozen_weights.frozen():
            call = model
            for step, (xb, _, _) in enumerate(data):
                outputs.append(call(xb))
                if step == 0 and alike:
                    call = model.repeat_caller(xb)
                if batch_end is not None:
                    batch_end(step, {"outputs": outputs[-1]})
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("predict() got no data: the input yielded no batch")
        flat = [torch.cat(parts) for parts in zip(*map(tree.flatten, outputs))]
        flat = strategy.gather_predictions(data, flat)
        return tree.pack_like(outputs[0], [_to_numpy(t) for t in flat])

    # ------------------------------------------------------------------ single batches
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One training step on ``x`` / ``y``; the loss and metrics of this batch alone."""
        argument_checks.check_train_on_batch(self, x, y, sample_weight=sample_weight,
                                             class_weight=class_weight)
        if class_weight is not None:
            sample_weight = class_weights_to_sample_weights(y, class_weight, sample_weight)
        return self._on_batch("train_on_batch", x, y, sample_weight, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics of ``x`` / ``y``, one batch."""
        argument_checks.check_test_on_batch(self, x, y, sample_weight=sample_weight)
        return self._on_batch("test_on_batch", x, y, sample_weight, return_dict)

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=len(tree.flatten(x)[0]), verbose=0)

    def _on_batch(self, what, x, y, sample_weight, return_dict):
        """One step of ``what`` ("train_on_batch" or "test_on_batch"), metrics reset first."""
        self._require_compiled(what)
        training = what == "train_on_batch"
        device = self._device()
        xb, yb, swb = tree.map_structure(
            lambda a: None if a is None else data_adapters.to_tensor(a, device),
            (x, y, sample_weight))
        self._prepare(strategy_mod.current(self.model, training))
        self.reset_metrics()
        with modes(self.model, training):
            (self.train_step if training else self.test_step)(xb, yb, swb)
        results = self.get_metrics_result()
        if return_dict:
            return as_logs(results)
        values = [log_value(v) for v in results.values()]  # in metrics_names' order
        return values[0] if len(values) == 1 else values


def _due(epoch: int, validation_freq) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _unpack_validation(validation_data):
    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        x, y = validation_data[0], validation_data[1]
        sw = validation_data[2] if len(validation_data) == 3 else None
        return x, y, sw
    return validation_data, None, None


def _to_numpy(t: torch.Tensor):
    """A tensor as a numpy array on the host; numpy has no bfloat16, so bfloat16 outputs come
    back as float32."""
    return (t.float() if t.dtype == torch.bfloat16 else t).cpu().numpy()
