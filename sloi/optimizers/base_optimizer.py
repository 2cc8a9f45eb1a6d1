"""`Optimizer`: Keras 3's optimizer life cycle and options on top of a `torch.optim` optimizer.

One training step, as the training loop drives it::

    optimizer.build(model.trainable_weights)   # once: creates optimizer.torch_optimizer
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()                           # or optimizer.apply(grads)

`step()` follows Keras's `apply`: unscale the gradients (`loss_scale_factor`), clip them
(`clipnorm`, `global_clipnorm` or `clipvalue`), apply Keras's decoupled weight decay
`w <- w * (1 - learning_rate * weight_decay)`, run the torch update, update the moving average of
the weights (`use_ema`), count the iteration.
Everything per step is host-side Python numbers or device-side `torch._foreach_*` ops: no value
is read back from the device.

`iterations` and a numeric `learning_rate` are `keras.Variable`s, as in Keras (`assign`,
`numpy()`, `float()`), kept on the CPU. The optimizer reads and counts them through NumPy
views of their memory, a fraction of a microsecond and no torch call per step, so whatever
is assigned to them is what the next step uses.
"""

import inspect
import numbers
import re
import warnings

import torch

from sloi.engine.naming import to_snake_case, unique_name
from sloi.engine.scopes import name_scope
from sloi.engine.variable import Variable
from sloi.optimizers import gradient_clipping
from sloi.optimizers import schedules as _schedules


def _is_schedule(value):
    # Keras's own schedule objects work too: like ours, they are called with the step count.
    return any(cls.__name__ == "LearningRateSchedule" for cls in type(value).__mro__)


def _check_learning_rate(value):
    if _is_schedule(value) or (callable(value) and not isinstance(value, torch.Tensor)):
        return value
    if isinstance(value, torch.Tensor) and value.numel() == 1:  # a Variable too
        return float(value.item())
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
            "or a callable (that takes in the current iteration value and returns the "
            f"corresponding learning rate value). Received instead: learning_rate={value!r}"
        )
    # Keras 3 refuses ints; Keras 2 code passes them (`SGD(lr=1)`), so they are read as floats.
    return float(value)


def fast_kwargs(torch_class, params):
    """`{"fused": True}` where torch has a fused kernel for `torch_class` on the parameters'
    devices and dtypes, else `{"foreach": True}`."""
    if "fused" in inspect.signature(torch_class.__init__).parameters:
        try:
            from torch.optim.optimizer import _get_fused_kernels_supported_devices

            devices = _get_fused_kernels_supported_devices()
        except ImportError:  # a private helper; without it, keep to the kernels every torch has
            devices = ["cuda"]
        if params and all(p.device.type in devices and p.is_floating_point() for p in params):
            return {"fused": True}
    return {"foreach": True}


def serialize(optimizer):
    """Returns `{"module", "class_name", "config", "registered_name"}`, Keras's layout."""
    return {
        "module": "keras.optimizers",
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "registered_name": None,
    }


class Optimizer:
    """Base class of the optimizers, with Keras 3's arguments.

    Args:
        learning_rate: a float, a `LearningRateSchedule` (called with the step count each
            step) or a callable with no argument returning the rate. `lr` is accepted too.
        weight_decay: if set, every step first multiplies the weights by
            `1 - learning_rate * weight_decay` (decoupled decay, for every optimizer).
        clipnorm: if set, each gradient is rescaled to an L2 norm of at most this.
        clipvalue: if set, gradient elements are clamped to `[-clipvalue, clipvalue]`.
        global_clipnorm: if set, all gradients are rescaled together to a joint L2 norm of at
            most this. At most one of the three clipping options may be set.
        use_ema: keep an exponential moving average (EMA) of the weights, updated after every
            step: `average = ema_momentum * average + (1 - ema_momentum) * w` (the first step
            copies the weights). `finalize_variable_values(weights)` (which Keras's `fit` calls
            at its end) and the `SwapEMAWeights` callback put it into the model.
        ema_momentum: the EMA's momentum, in [0, 1] (default 0.99).
        ema_overwrite_frequency: if set, every this many steps the weights are overwritten
            with their moving average.
        loss_scale_factor: if set, gradients are divided by it before anything else (multiply
            the loss by it with `scale_loss`).
        gradient_accumulation_steps: an int >= 2: the weights are updated every this many
            steps, with the mean of the gradients since the last update (the others only add
            theirs up), as in Keras. `iterations` then counts updates; learning-rate
            schedules see every step (`iteration_count`).
        name: the optimizer's name (default: the snake-cased class name, made unique).

    Subclasses set `_torch_weight_decay = True` when their torch optimizer applies Keras's
    decoupled decay itself (each param group then carries its `weight_decay`, 0.0 for the
    excluded weights), and implement `_make_torch_optimizer(param_groups, lr)`.
    """

    _torch_weight_decay = False

    def __init__(
        self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
        global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
        loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs,
    ):
        if "lr" in kwargs:  # the Keras 2 spelling
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(
                    f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum="
                    f"{ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                    f"ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        if gradient_accumulation_steps:
            if gradient_accumulation_steps < 2:
                raise ValueError(
                    "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                    f"gradient_accumulation_steps={gradient_accumulation_steps}"
                )
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.name = name if name is not None else unique_name(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        # The step count lives on the host, so schedules and bias corrections never wait for
        # the device.
        self._iterations, self._iterations_view = self._host_variable(0, "int64", "iteration")
        self._rate_view = None  # the learning-rate variable's memory, when the rate is one
        self._written_rate = None  # the rate last written into the torch param groups
        self._learning_rate = None
        self._set_learning_rate(_check_learning_rate(learning_rate))
        self.built = False
        self.torch_optimizer = None
        self._params = []
        self._averages = None
        self._accumulated = None  # gradient_accumulation_steps: the running sums
        self._paths = {}
        self._decayed = []
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._pending_state = None

    def _host_variable(self, value, dtype, name):
        """A scalar `Variable` on the CPU, and a NumPy view of its memory for the hot path."""
        with name_scope(self.name):
            variable = Variable(torch.tensor(value, dtype=getattr(torch, dtype), device="cpu"),
                                trainable=False, name=name)
        return variable, variable.detach().numpy()

    def __getstate__(self):
        # A view does not survive pickling or deepcopy as a view: made again from the copy.
        state = dict(self.__dict__)
        state["_iterations_view"] = state["_rate_view"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._iterations_view = self._iterations.detach().numpy()
        if isinstance(self._learning_rate, torch.Tensor):
            self._rate_view = self._learning_rate.detach().numpy()

    @property
    def iterations(self):
        """The number of steps taken: an int64 scalar `Variable`, as Keras's; with
        `gradient_accumulation_steps`, the number of updates (the steps divided by it), a
        tensor, as Keras gives it."""
        if self.gradient_accumulation_steps:
            return torch.div(self._iterations, self.gradient_accumulation_steps,
                             rounding_mode="floor")
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations_view[()] = int(value)

    @property
    def iteration_count(self) -> int:
        """The steps taken as a Python int, read without a torch call (for the step's host
        arithmetic: learning-rate schedules). With `gradient_accumulation_steps` it counts
        every step, as Keras's schedules see them; `update_count` counts updates."""
        return self._iterations_view.item()

    @property
    def update_count(self) -> int:
        """The updates made, a Python int: `iteration_count`, or with
        `gradient_accumulation_steps` the steps divided by it (what bias corrections and the
        moving average's schedule count, as in Keras)."""
        if self.gradient_accumulation_steps:
            return self._iterations_view.item() // self.gradient_accumulation_steps
        return self._iterations_view.item()

    # -- learning rate ---------------------------------------------------------------------

    @property
    def learning_rate(self):
        """As Keras: a float32 scalar `Variable` when the rate is a number (`assign` to it,
        or set `learning_rate` to a number, and the next step uses it), a schedule's value
        at the current step as a tensor, or what a callable rate returns. Setting a schedule
        replaces the rate."""
        lr = self._learning_rate
        if self._rate_view is not None:
            return lr
        if _is_schedule(lr):
            return torch.as_tensor(lr(self.iteration_count), dtype=torch.float32)
        return lr()

    @learning_rate.setter
    def learning_rate(self, value):
        value = _check_learning_rate(value)
        if isinstance(value, float) and _is_schedule(self._learning_rate):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. "
                "If you need the learning rate to be settable, you should instantiate the "
                "optimizer with a float `learning_rate` argument."
            )
        self._set_learning_rate(value)
        self._write_param_groups("lr", self.current_learning_rate())

    def _set_learning_rate(self, value):
        if not isinstance(value, float):  # a schedule or a callable
            self._learning_rate, self._rate_view = value, None
        elif self._rate_view is not None:  # as Keras: the same variable takes the value
            self._rate_view[()] = value
        else:
            self._learning_rate, self._rate_view = self._host_variable(
                value, "float32", "learning_rate")

    def current_learning_rate(self) -> float:
        """The rate of the coming step as a Python float (a schedule is called with the
        step count)."""
        if self._rate_view is not None:  # the common case, read at every step
            return self._rate_view.item()
        lr = self._learning_rate
        if _is_schedule(lr):
            return float(lr(self.iteration_count))
        return float(lr())

    @property
    def lr(self):
        """Keras 2's name for `learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, value):
        self.learning_rate = value

    def _write_param_groups(self, key, value):
        if key == "lr":
            self._written_rate = value
        if self.torch_optimizer is not None:
            for group in self.torch_optimizer.param_groups:
                group[key] = value

    # -- building --------------------------------------------------------------------------

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Keeps some weights out of weight decay. Call before `build`.

        Args:
            var_list: weights (tensors) to exclude.
            var_names: strings; a weight is excluded when one of them occurs in its name. Names
                come from `build(model.named_parameters())`, or a weight's `name` attribute.
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer is "
                "built."
            )
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _variable_path(self, variable):
        """The weight's name: from `build`'s `(name, weight)` pairs, else its `path` or `name`
        attribute, else None. For subclasses that pick rules by name (Muon)."""
        name = self._paths.get(id(variable))
        if name is None:
            name = getattr(variable, "path", None) or getattr(variable, "name", None)
        return name

    def _use_weight_decay(self, name, variable):
        if id(variable) in self._exclude_ids:
            return False
        name = name if name is not None else getattr(variable, "name", None)
        if self._exclude_pattern is not None and name is not None:
            return self._exclude_pattern.search(name) is None
        return True

    def build(self, variables):
        """Creates `torch_optimizer` for `variables`; later calls do nothing.

        Args:
            variables: the trainable weights (e.g. `model.trainable_weights`), or
                `(name, weight)` pairs such as `model.named_parameters()`.
        """
        if self.built:
            return
        named, seen = [], set()
        for item in variables:
            name, weight = item if isinstance(item, tuple) else (None, item)
            if not isinstance(weight, torch.Tensor):
                raise TypeError(
                    f"{type(self).__name__}.build() expects torch tensors (the model's trainable "
                    f"weights); got {type(weight).__name__}."
                )
            if id(weight) not in seen:  # shared weights are listed once
                seen.add(id(weight))
                named.append((name, weight))
        self._params = [w for _, w in named]
        self._paths = {id(w): n for n, w in named if n is not None}
        if self.use_ema:
            # Zeros, as Keras: the first step's momentum is 0, which copies the weights in.
            self._averages = [torch.zeros_like(w, requires_grad=False) for w in self._params]
        if self.gradient_accumulation_steps:
            self._accumulated = [torch.zeros_like(w, requires_grad=False) for w in self._params]
        decayed = [w for n, w in named if self.weight_decay and self._use_weight_decay(n, w)]
        if self._torch_weight_decay:
            decayed_ids = {id(w) for w in decayed}
            rest = [w for w in self._params if id(w) not in decayed_ids]
            groups = [
                {"params": decayed, "weight_decay": float(self.weight_decay or 0.0)},
                {"params": rest, "weight_decay": 0.0},
            ]
            groups = [g for g in groups if g["params"]]
        else:
            self._decayed = decayed
            groups = [{"params": self._params}]
        if self._params:
            self.torch_optimizer = self._make_torch_optimizer(groups,
                                                              self.current_learning_rate())
        self.built = True
        if self._pending_state is not None:
            state, self._pending_state = self._pending_state, None
            self.load_state_dict(state)

    def _make_torch_optimizer(self, param_groups, lr):
        raise NotImplementedError(
            f"{type(self).__name__} does not create a torch optimizer: use one of sloi's "
            "optimizers (SGD, Adam, AdamW, RMSprop, ...) or implement _make_torch_optimizer()."
        )

    # -- stepping --------------------------------------------------------------------------

    def apply(self, grads=None, trainable_variables=None):
        """One update. With `grads` (a list aligned with `trainable_variables`, or with the
        weights given to `build`) they become the weights' `.grad` first; weights left out
        of the list get no update. Without `grads`, the weights' `.grad` are used."""
        if trainable_variables is not None:
            trainable_variables = list(trainable_variables)
            self.build(trainable_variables)
        if not self.built:
            raise ValueError(
                "When passing `grads` without `variables`, the optimizer must already be built "
                "on a list of variables. Call `optimizer.build(trainable_variables)` first."
            )
        if grads is not None:
            grads = list(grads)
            if not grads:
                return
            targets = trainable_variables if trainable_variables is not None else self._params
            if len(grads) != len(targets):
                raise ValueError(
                    f"Received {len(grads)} gradients for {len(targets)} variables; they must "
                    "match one to one."
                )
            known = {id(p) for p in self._params}
            if any(id(v) not in known for v in targets):
                raise ValueError("Some variables were not seen by the optimizer's build().")
            for p in self._params:
                p.grad = None
            # Clipping and unscaling work in place on .grad: keep the caller's tensors intact.
            copy = self.changes_gradients()
            for p, g in zip(targets, grads):
                if g is not None:
                    g = torch.as_tensor(g, dtype=p.dtype, device=p.device).detach()
                    p.grad = g.clone() if copy else g
        self.step()

    def apply_gradients(self, grads_and_vars):
        """`apply` from `(gradient, variable)` pairs (the tf.keras spelling); returns
        `iterations`."""
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self.iterations

    def changes_gradients(self) -> bool:
        """Whether ``step`` rewrites the weights' ``.grad`` in place (clipping, loss-scale
        unscaling): ``apply`` then copies the gradients it is given, keeping the caller's."""
        return (
            self.loss_scale_factor is not None or bool(self.gradient_accumulation_steps)
            or any(c and c > 0 for c in (self.clipnorm, self.global_clipnorm, self.clipvalue))
        )

    @torch.no_grad()
    def step(self):
        """One update from the weights' `.grad` (see the module docstring for the order)."""
        if not self.built:
            raise ValueError(
                "The optimizer is not built: call `optimizer.build(model.trainable_weights)` "
                "before `step()`."
            )
        if self.torch_optimizer is None:  # nothing trainable
            return
        grads = [p.grad for p in self._params if p.grad is not None]
        if not grads:
            raise ValueError("No gradients provided for any variable.")
        if self.loss_scale_factor is not None:
            torch._foreach_div_(grads, float(self.loss_scale_factor))
        if self.gradient_accumulation_steps and not self._accumulate(grads):
            self._update_moving_average()  # Keras's moving average follows every step
            self._iterations_view[()] = self._iterations_view.item() + 1
            return
        self._clip_gradients(grads)
        lr = self.current_learning_rate()
        # torch reads the rate from its param groups; one assigned to the variable since
        # the last step is written there now
        if lr != self._written_rate:
            self._write_param_groups("lr", lr)
        if self._decayed:
            decayed = [p for p in self._decayed if p.grad is not None]
            if decayed:
                torch._foreach_mul_(decayed, 1.0 - lr * self.weight_decay)
        self._prepare_torch_step()
        self._torch_step()
        self._update_moving_average()
        self._iterations_view[()] = self._iterations_view.item() + 1

    def _accumulate(self, grads) -> bool:
        """With `gradient_accumulation_steps`: adds this step's gradients to the running sums
        and returns False, or on every n-th step turns the weights' gradients into the mean of
        the n steps', clears the sums and returns True (the caller updates)."""
        steps = self.gradient_accumulation_steps
        pairs = [(p.grad, a) for p, a in zip(self._params, self._accumulated)
                 if p.grad is not None]
        grads, sums = [g for g, _ in pairs], [a for _, a in pairs]
        if (self._iterations_view.item() + 1) % steps:
            torch._foreach_add_(sums, grads)
            return False
        torch._foreach_add_(grads, sums)
        torch._foreach_div_(grads, float(steps))
        torch._foreach_zero_(sums)
        return True

    @property
    def accumulated_gradients(self):
        """With `gradient_accumulation_steps`: the gradients summed since the last update, one
        tensor per weight in `build` order (Keras's ``gradient_accumulator`` variables);
        else None."""
        return self._accumulated

    def _update_moving_average(self):
        """Keras's EMA step over every weight, stepped or not; runs before `iterations` counts
        the step, so `iterations == 0` marks the first one."""
        if not self.use_ema:
            return
        iterations = self.update_count
        if iterations == 0:
            torch._foreach_copy_(self._averages, self._params)
        else:
            torch._foreach_lerp_(self._averages, self._params, 1.0 - self.ema_momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (iterations + 1) % frequency == 0:
            torch._foreach_copy_(self._params, self._averages)

    @property
    def variables(self):
        """The optimizer's variables, as Keras lists them: `iterations`, the learning-rate
        variable (when the rate is a number), the moving averages (`use_ema`), then each
        weight's state tensors in `build` order (Adam's `m` and `v`), which torch creates at
        a weight's first update."""
        found = [self._iterations]
        if self._rate_view is not None:
            found.append(self._learning_rate)
        found += list(self._averages or ())
        state = self.torch_optimizer.state if self.torch_optimizer is not None else {}
        for p in self._params:
            found += [v for key, v in state.get(p, {}).items()
                      if key != "step" and isinstance(v, torch.Tensor)]
        return found

    @property
    def trainable_variables(self):
        """The weights the optimizer was built on, in `build` order."""
        return list(self._params)

    @property
    def model_variables_moving_average(self):
        """With `use_ema`, the moving averages aligned with `trainable_variables` (tensors
        the caller may swap values with); None otherwise or before `build`."""
        return self._averages

    def _clip_gradients(self, grads):
        # Keras allows only one of the three; the checks mirror its order.
        if self.clipnorm and self.clipnorm > 0:
            gradient_clipping.clip_by_norm_(grads, float(self.clipnorm))
        elif self.global_clipnorm and self.global_clipnorm > 0:
            gradient_clipping.clip_by_global_norm_(grads, float(self.global_clipnorm))
        elif self.clipvalue and self.clipvalue > 0:
            gradient_clipping.clip_by_value_(grads, float(self.clipvalue))

    def _prepare_torch_step(self):
        """Hook: write per-step hyperparameters into the torch param_groups."""

    def _torch_step(self):
        """Hook: the torch optimizer's update (a subclass may run its kernel directly)."""
        self.torch_optimizer.step()

    def zero_grad(self, set_to_none=True):
        """Clears the weights' gradients (to None by default, as torch does)."""
        if self.torch_optimizer is None:
            return
        if set_to_none:  # what torch's zero_grad does then, without its per-call profiler scope
            for p in self._params:
                p.grad = None
        else:
            self.torch_optimizer.zero_grad(set_to_none=False)

    def scale_loss(self, loss):
        """`loss * loss_scale_factor` (unchanged without a factor)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    @torch.no_grad()
    def finalize_variable_values(self, var_list):
        """Keras's end-of-training hook: with `use_ema`, the weights in `var_list` take their
        moving averages' values (weights the optimizer does not know are left alone)."""
        if not self.use_ema or self._averages is None:
            return
        index = {id(p): i for i, p in enumerate(self._params)}
        for variable in var_list:
            i = index.get(id(variable))
            if i is not None:
                variable.copy_(self._averages[i])

    # -- state and config ------------------------------------------------------------------

    def state_dict(self):
        """The torch optimizer's state, the iteration count, a float learning rate and, with
        `use_ema`, the moving averages."""
        return {
            "iterations": self.iteration_count,
            "learning_rate": self._rate_view.item() if self._rate_view is not None else None,
            "torch_optimizer": (
                self.torch_optimizer.state_dict() if self.torch_optimizer is not None else None
            ),
            "moving_average": (
                [a.clone() for a in self._averages] if self._averages is not None else None
            ),
            "accumulated_gradients": (
                [a.clone() for a in self._accumulated] if self._accumulated is not None
                else None),
        }

    def load_state_dict(self, state_dict):
        """Restores `state_dict()`. The step count and learning rate are restored at once;
        before `build`, the per-weight state is kept and restored by `build` (on the weights'
        device then)."""
        self.iterations = int(state_dict["iterations"])
        lr = state_dict.get("learning_rate")
        if lr is not None and self._rate_view is not None:
            self._rate_view[()] = float(lr)  # Keras saves its learning-rate variable too
        if not self.built:
            self._pending_state = state_dict
            return
        saved = state_dict.get("torch_optimizer")
        if saved is not None and self.torch_optimizer is not None:
            self.torch_optimizer.load_state_dict(saved)
        averages = state_dict.get("moving_average")
        if averages is not None and self._averages is not None:
            if len(averages) != len(self._averages):
                raise ValueError(
                    f"The saved state has {len(averages)} moving averages; this optimizer "
                    f"keeps {len(self._averages)}."
                )
            with torch.no_grad():
                torch._foreach_copy_(self._averages, [a.to(p.device) for a, p in
                                                      zip(averages, self._averages)])
        accumulated = state_dict.get("accumulated_gradients")
        if accumulated is not None and self._accumulated is not None:
            if len(accumulated) != len(self._accumulated):
                raise ValueError(
                    f"The saved state has {len(accumulated)} accumulated gradients; this "
                    f"optimizer keeps {len(self._accumulated)}.")
            with torch.no_grad():
                torch._foreach_copy_(self._accumulated, [a.to(p.device) for a, p in
                                                         zip(accumulated, self._accumulated)])
        # torch restored the saved param_groups' lr; make them agree with ours again.
        self._write_param_groups("lr", self.current_learning_rate())

    def get_config(self):
        """Constructor arguments, with Keras 3's keys; a schedule is serialized to a dict."""
        lr = self._learning_rate
        if self._rate_view is not None:
            lr = self._rate_view.item()
        elif _is_schedule(lr):
            lr = _schedules.serialize(lr)
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)

    def __repr__(self):
        lr = self._rate_view.item() if self._rate_view is not None else self._learning_rate
        return f"<{type(self).__name__} name={self.name!r} learning_rate={lr!r}>"
