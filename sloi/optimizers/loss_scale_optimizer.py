"""`LossScaleOptimizer`: Keras's dynamic loss scaling around another optimizer.

The loss is multiplied by a scale (`scale_loss`) so that small float16 gradients survive
`backward`; `step` divides the gradients by it again. A step whose gradients hold an inf or a
NaN is skipped and the scale halved; after `dynamic_growth_steps` good steps in a row it
doubles. Deciding to skip needs one value from the device per step, as torch's GradScaler.
"""

import warnings

import torch

from sloi.optimizers.base_optimizer import Optimizer, serialize

# Base arguments Keras still reads from old configs, but only at their defaults.
_BASE_DEFAULTS = {
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
    "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
    "loss_scale_factor": None, "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling.

    Multiply the loss with `scale_loss(loss)` before `backward`; `step()` then unscales the
    gradients, and runs `inner_optimizer.step()` only if they are all finite.

    Args:
        inner_optimizer: the `Optimizer` that takes the steps (its own `loss_scale_factor`
            is cleared, so that gradients are not unscaled twice).
        initial_scale: the first scale (default 2**15).
        dynamic_growth_steps: good steps after which the scale doubles (default 2000).
        name: the optimizer's name.

    `learning_rate` and `iterations` are the inner optimizer's.
    """

    def __init__(
        self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None,
        **kwargs,
    ):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg}`. Instead, set `{arg}` on the "
                    "`inner_optimizer`."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "LossScaleOptimizer expects a sloi Optimizer as `inner_optimizer`; got "
                f"{type(inner_optimizer).__name__}."
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None
        # Host-side numbers: the scale only ever doubles or halves, exact in float32 as Keras.
        self.dynamic_scale = float(initial_scale)
        self.step_counter = 0
        self._scaled = False
        self._warned = False

    # -- delegated state ---------------------------------------------------------------------

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        self.inner_optimizer.iterations = value

    @property
    def iteration_count(self):
        return self.inner_optimizer.iteration_count

    def current_learning_rate(self):
        return self.inner_optimizer.current_learning_rate()

    @property
    def variables(self):
        return self.inner_optimizer.variables

    @property
    def trainable_variables(self):
        return self.inner_optimizer.trainable_variables

    @property
    def model_variables_moving_average(self):
        return self.inner_optimizer.model_variables_moving_average

    # -- steps -------------------------------------------------------------------------------

    def build(self, variables):
        if self.built:
            return
        self.inner_optimizer.build(variables)
        self._params = self.inner_optimizer.trainable_variables
        self.torch_optimizer = self.inner_optimizer.torch_optimizer
        self.built = True
        if self._pending_state is not None:
            state, self._pending_state = self._pending_state, None
            self.load_state_dict(state)

    def changes_gradients(self):
        return True  # the gradients are unscaled in place

    def scale_loss(self, loss):
        """`loss * scale`, the current dynamic scale (`initial_scale` before `build`)."""
        self._scaled = True
        return loss * (self.dynamic_scale if self.built else float(self.initial_scale))

    @torch.no_grad()
    def step(self):
        """Unscales the gradients; steps the inner optimizer if they are finite; updates the
        scale. Returns whether the step was taken."""
        if not self.built:
            raise ValueError(
                "The optimizer is not built: call `optimizer.build(model.trainable_weights)` "
                "before `step()`."
            )
        if not self._scaled and not self._warned:
            # The gradients will be divided by the scale all the same, as Keras does; a loop
            # that never calls scale_loss (it should, before backward) would train on
            # gradients `scale` times too small, so say it once.
            warnings.warn(
                "LossScaleOptimizer.step() ran without scale_loss() since the last step: the "
                "gradients are divided by the loss scale all the same. Call "
                "`loss = optimizer.scale_loss(loss)` before `loss.backward()`.",
                stacklevel=3,  # the caller of step(), past torch.no_grad's wrapper
            )
            self._warned = True
        self._scaled = False
        grads = [p.grad for p in self._params if p.grad is not None]
        finite = True
        for device, group in _by_device(grads).items():
            found_inf = torch.zeros((), dtype=torch.float32, device=device)
            inverse = torch.full((), 1.0 / self.dynamic_scale, device=device)
            torch._amp_foreach_non_finite_check_and_unscale_(group, found_inf, inverse)
            finite = not bool(found_inf) and finite
        if not finite:
            self.step_counter = 0
            self.dynamic_scale *= 0.5
            return False
        self.inner_optimizer.step()
        if self.step_counter == self.dynamic_growth_steps - 1:
            self.step_counter = 0
            self.dynamic_scale *= 2.0
        else:
            self.step_counter += 1
        return True

    def zero_grad(self, set_to_none=True):
        self.inner_optimizer.zero_grad(set_to_none=set_to_none)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    # -- state and config --------------------------------------------------------------------

    def state_dict(self):
        """The scale, the good-step counter and the inner optimizer's state."""
        return {
            "iterations": self.iteration_count,
            "dynamic_scale": self.dynamic_scale,
            "step_counter": self.step_counter,
            "inner_optimizer": self.inner_optimizer.state_dict(),
        }

    def load_state_dict(self, state_dict):
        if not self.built:
            self._pending_state = state_dict
            return
        self.dynamic_scale = float(state_dict["dynamic_scale"])
        self.step_counter = int(state_dict["step_counter"])
        self.inner_optimizer.load_state_dict(state_dict["inner_optimizer"])

    def get_config(self):
        return {
            "name": self.name,
            "inner_optimizer": serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # Deferred: the lookup table imports every optimizer, this one included.
        from sloi.optimizers.serialization import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)


def _by_device(tensors):
    groups = {}
    for t in tensors:
        groups.setdefault(t.device, []).append(t)
    return groups
