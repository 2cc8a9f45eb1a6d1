"""Learning-rate schedules with Keras 3 names, arguments and formulas.

A schedule maps the optimizer's step count (a Python int, read on the host) to a learning rate
(a Python float). The optimizer calls it once a step and writes the value into its torch
param_groups, so no device value is ever read back.

Keras evaluates schedules in float32 tensors; here the same formulas run in Python floats
(float64), which agrees with Keras to float32 rounding.
"""

import bisect
import math

import torch

__all__ = [
    "CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
    "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "deserialize",
    "serialize",
]


def _step_value(step):
    # The optimizer passes a Python int; a tensor (a user calling the schedule by hand) is read
    # once here, which syncs only if it lives on an accelerator.
    if isinstance(step, torch.Tensor):
        return float(step.item())
    return float(step)


def _check_decay_steps(value, name="decay_steps"):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step) -> float` and `get_config()`."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _RateDecay(LearningRateSchedule):
    """What exponential and inverse-time decay share: their arguments, their config, and the
    number of decay periods passed at a step (whole periods with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = type(self).__name__ if name is None else name  # Keras's default names

    def _decays(self, step):
        p = _step_value(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_RateDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps over which the rate is multiplied by `decay_rate`.
        decay_rate: the decay factor.
        staircase: if True, `step / decay_steps` is floored (the rate drops in steps).
        name: kept for the config.
    """

    def __call__(self, step):
        return float(self.initial_learning_rate) * float(self.decay_rate) ** self._decays(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to and including `boundaries[0]`, `values[1]` up to `boundaries[1]`, ...,
    `values[-1]` after the last boundary.

    Args:
        boundaries: increasing step numbers.
        values: one more value than boundaries.
        name: kept for the config.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        # A boundary belongs to the range below it: step == boundaries[0] still gives values[0].
        index = bisect.bisect_left([float(b) for b in self.boundaries], _step_value(step))
        return float(self.values[index])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, held at `end` after
    `decay_steps` (or restarted with a longer period if `cycle`).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps to reach `end_learning_rate`.
        end_learning_rate: the final rate.
        power: the polynomial's power (1.0 is linear).
        cycle: if True, past `decay_steps` the period grows to the next multiple of
            `decay_steps` above the step, so the rate jumps up and decays again.
        name: kept for the config.
    """

    def __init__(
        self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
        cycle=False, name="PolynomialDecay",
    ):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _step_value(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            # Keras uses a multiplier of 1 at step 0 so the first period is not of length 0.
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        start, end = float(self.initial_learning_rate), float(self.end_learning_rate)
        return (start - end) * (1.0 - p) ** float(self.power) + end

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(_RateDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps per unit of decay.
        decay_rate: the decay factor.
        staircase: if True, `step / decay_steps` is floored.
        name: kept for the config.
    """

    def __call__(self, step):
        return float(self.initial_learning_rate) / (
            1.0 + float(self.decay_rate) * self._decays(step))


def _cosine(fraction, alpha):
    return (1.0 - alpha) * 0.5 * (1.0 + math.cos(math.pi * fraction)) + alpha


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the rate to `alpha * rate` over `decay_steps`, after an optional linear
    warmup from `initial_learning_rate` to `warmup_target` over `warmup_steps`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of decay steps (after the warmup).
        alpha: the final rate as a fraction of the rate the decay starts from.
        name: kept for the config.
        warmup_target: the rate reached at the end of the warmup; None means no warmup.
        warmup_steps: number of warmup steps.
    """

    def __init__(
        self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
        warmup_target=None, warmup_steps=0,
    ):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        step = _step_value(step)
        start, decay_steps = float(self.initial_learning_rate), float(self.decay_steps)
        alpha = float(self.alpha)
        if self.warmup_target is None:
            return start * _cosine(min(step, decay_steps) / decay_steps, alpha)
        target, warmup_steps = float(self.warmup_target), float(self.warmup_steps)
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - start) * (step / warmup_steps) + start
        return target * _cosine((step - warmup_steps) / decay_steps, alpha)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): period i lasts `first_decay_steps * t_mul**i`
    steps and starts from `initial_learning_rate * m_mul**i`.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: positive length of the first period.
        t_mul: factor by which each period is longer than the one before.
        m_mul: factor by which each restart's rate is smaller than the one before.
        alpha: the rate at the end of a period, as a fraction of the restart's rate.
        name: kept for the config.
    """

    def __init__(
        self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
        name="SGDRDecay",
    ):
        _check_decay_steps(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _step_value(step) / float(self.first_decay_steps)
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            # Periods grow geometrically: find the restart from the closed-form sum of periods.
            restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - t_mul**restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul**restart
        alpha = float(self.alpha)
        decayed = (1.0 - alpha) * 0.5 * float(self._m_mul) ** restart * (
            1.0 + math.cos(math.pi * fraction)
        ) + alpha
        return float(self.initial_learning_rate) * decayed

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


_BY_NAME = {
    cls.__name__: cls
    for cls in (
        CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay,
        PiecewiseConstantDecay, PolynomialDecay,
    )
}


def serialize(learning_rate_schedule):
    """Returns `{"module", "class_name", "config", "registered_name"}`, Keras's layout."""
    return {
        "module": "keras.optimizers.schedules",
        "class_name": type(learning_rate_schedule).__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """Inverse of `serialize`; also reads Keras's dicts. `custom_objects` maps class names to
    user schedule classes."""
    custom_objects = custom_objects or {}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret learning rate schedule config: {config!r}")
    name = config["class_name"]
    cls = custom_objects.get(name) or _BY_NAME.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown learning rate schedule {name!r}. Known schedules: "
            f"{', '.join(sorted(_BY_NAME))}."
        )
    return cls.from_config(dict(config.get("config") or {}))

