"""An optimizer's state as Keras 3 keeps it in a ``.keras`` file, both ways.

Keras stores its optimizer's variables as ``optimizer/vars/0, 1, ...`` in
``model.weights.h5``, in the order the optimizer created them:

1. ``iterations`` (an integer scalar);
2. ``learning_rate`` (a float scalar), only when the rate is a number (a schedule is part of
   the config, and keeps no variable);
3. with ``use_ema``, one moving average per trainable weight;
4. with ``gradient_accumulation_steps``, one gradient accumulator per trainable weight;
5. the slot variables, by groups (``_keras_slots``): within a group the slots of one weight
   follow each other (Adam: ``m_0, v_0, m_1, v_1, ...``), and the groups follow one another
   (RMSprop: every velocity, then every momentum).

The file names none of them: a reader must know the layout from the optimizer's class and
config, as Keras itself does. sloi's optimizers keep the same quantities, under torch's or
Keras's names, in their torch optimizer's per-weight state.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from sloi.optimizers.foreach_rule import ForeachRule
from sloi.saving import h5_reading, keras_h5
from sloi.saving.errors import FileFormatError


# Keras's slot variables, in Keras's order: groups of (Keras name, sloi's state key).
def _keras_slots(name: str, config: dict):
    if name in ("Adam", "AdamW"):
        groups = [[("momentum", "exp_avg"), ("velocity", "exp_avg_sq")]]
        return groups + ([[("velocity_hat", "max_exp_avg_sq")]] if config.get("amsgrad") else [])
    if name == "SGD":
        return [[("momentum", "momentum_buffer")]] if config.get("momentum") else []
    if name == "RMSprop":
        return ([[("velocity", "velocity")]]
                + ([[("momentum", "momentum")]] if config.get("momentum") else [])
                + ([[("average_gradient", "average_gradient")]] if config.get("centered")
                   else []))
    return {"Adagrad": [[("accumulator", "accumulator")]],
            "Adadelta": [[("accumulated_grad", "square_avg"),
                          ("accumulated_delta_var", "acc_delta")]],
            "Adamax": [[("momentum", "momentum"), ("norm", "norm")]],
            "Lion": [[("momentum", "momentum")]],
            "Ftrl": [[("accumulator", "accumulator"), ("linear", "linear")]],
            }.get(name)


def keras_layout(optimizer, weights: list):
    """Keras's variables of ``optimizer`` built on ``weights``, in Keras's order, as
    ``("iterations", None, None)``, ``("learning_rate", None, None)``,
    ``("average", None, i)`` and ``(keras_slot, sloi_state_key, i)`` (``i``: the weight's
    index); None where sloi does not know the layout.

    Known: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Lion and Ftrl. Not Nadam
    (Keras keeps its running product of momenta outside its variables, so a Keras file
    cannot give it back), nor Lamb, Muon, ... (whose state sloi keeps in other forms), nor a
    learning rate given as a plain function (Keras cannot save it).
    """
    config = optimizer.get_config()
    groups = _keras_slots(type(optimizer).__name__, config)
    rate = config.get("learning_rate")
    if groups is None or callable(rate):
        return None
    layout = [("iterations", None, None)]
    if not isinstance(rate, dict):  # a number, not a serialized schedule
        layout.append(("learning_rate", None, None))
    if config.get("use_ema"):
        layout += [("average", None, i) for i in range(len(weights))]
    if config.get("gradient_accumulation_steps"):
        layout += [("gradient_accumulator", None, i) for i in range(len(weights))]
    for group in groups:
        for i in range(len(weights)):
            layout += [(keras_name, key, i) for keras_name, key in group]
    return layout


def _initial_value(optimizer, keras_name: str) -> float:
    """What Keras fills a slot with when the optimizer is built: zeros, but Adagrad's and
    Ftrl's accumulators start at ``initial_accumulator_value``."""
    if keras_name == "accumulator":
        return float(optimizer.get_config().get("initial_accumulator_value", 0.0))
    return 0.0


# ---------------------------------------------------------------------------- writing
def keras_optimizer_values(optimizer, weights: list):
    """The arrays Keras keeps for ``optimizer`` built on ``weights`` (the model's trainable
    weights), in Keras's order, or None where sloi does not know the layout. A weight not
    updated yet has Keras's initial values."""
    layout = keras_layout(optimizer, weights)
    if layout is None:
        return None
    torch_optimizer = optimizer.torch_optimizer
    torch_state = torch_optimizer.state if torch_optimizer is not None else {}
    averages = optimizer.model_variables_moving_average
    accumulated = optimizer.accumulated_gradients
    values = []
    for keras_name, key, i in layout:
        if keras_name == "iterations":
            # every step, as Keras's variable counts them (``iterations`` may count updates)
            values.append(np.asarray(optimizer.iteration_count, dtype="int64"))
        elif keras_name == "learning_rate":
            values.append(np.asarray(float(optimizer.learning_rate), dtype="float32"))
        elif keras_name == "average" and averages is not None:
            values.append(_numpy(averages[i]))
        elif keras_name == "gradient_accumulator" and accumulated is not None:
            values.append(_numpy(accumulated[i]))
        else:
            slot = torch_state.get(weights[i], {}).get(key) if key is not None else None
            if slot is not None:
                values.append(_numpy(slot))
            else:
                fill = _initial_value(optimizer, keras_name)
                values.append(np.full(tuple(weights[i].shape), fill, _numpy(weights[i]).dtype))
    return values


def _numpy(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


# ---------------------------------------------------------------------------- reading
def read_keras_optimizer(root, source: str) -> list | None:
    """The checked declarations (``h5_reading.Declared``, nothing read) of the arrays under
    ``optimizer/vars`` of an open Keras 3 weights file, in order; None when it has none."""
    group = keras_h5.child(root, "optimizer", source, "group")
    group = keras_h5.child(group, "vars", source, "group") if group is not None else None
    if group is None:
        return None
    with keras_h5.reading(source):
        keys = sorted(group.keys(), key=lambda k: (len(k), k))
        if keys != [str(i) for i in range(len(keys))]:
            raise FileFormatError(f'"{source}": "optimizer/vars" should hold arrays named 0, '
                                  f"1, ...; it holds {keys[:10]}")
        return keras_h5.declared_arrays(
            [keras_h5.child(group, k, source, "dataset") for k in keys], source)


def restore_keras_optimizer(optimizer, weights: list, found: list, source: str) -> bool:
    """Give ``optimizer`` (compiled, maybe not built yet) the state of ``found`` (from
    ``read_keras_optimizer``), as if it had been built on ``weights`` and trained.

    As Keras does, an optimizer whose variables do not match the file's in number (another
    class, other options, a file saved before training built the optimizer) keeps its fresh
    state, with a warning; returns whether the state was restored. Arrays that match in
    number but not in shape or kind raise ``FileFormatError``, before anything changes.
    Values are read only once their shapes are known to fit, so no more than the model's
    own weights justify is ever read.
    """
    layout = keras_layout(optimizer, weights)
    if layout is None:
        warnings.warn(f'"{source}": the state of optimizer "{optimizer.name}" '
                      f"({type(optimizer).__name__}) is not restored: sloi does not know how "
                      "Keras lays it out in a .keras file. It restarts from its first step; "
                      "save as .sloi to keep it", stacklevel=3)
        return False
    if len(found) != len(layout):
        warnings.warn(f'"{source}": skipping the state of optimizer "{optimizer.name}", '
                      f"because it has {len(layout)} variables whereas the saved optimizer has "
                      f"{len(found)} variables (another optimizer class or options, or a file "
                      "saved before the optimizer was built). It restarts from its first step",
                      stacklevel=3)
        return False
    for (keras_name, _, i), declared in zip(layout, found):
        _check_declared(keras_name, declared, () if i is None else tuple(weights[i].shape),
                        source)
    values = [h5_reading.read(d, source) for d in found]
    named = dict(zip([entry[0] for entry in layout[:2]], values[:2]))
    iterations = _count(named["iterations"], source)
    learning_rate = named.get("learning_rate")
    if learning_rate is not None:
        learning_rate = float(learning_rate)
        if not np.isfinite(learning_rate) or learning_rate < 0:
            raise FileFormatError(f'"{source}": the optimizer\'s learning rate is '
                                  f"{learning_rate}; expected a finite number >= 0")
    optimizer.load_state_dict(_sloi_state(optimizer, weights, layout, values, iterations,
                                          learning_rate))
    return True


def _check_declared(keras_name: str, declared, shape: tuple, source: str) -> None:
    kind = declared.dtype.kind
    wanted_kind = "iu" if keras_name == "iterations" else "f"
    if tuple(declared.shape) != shape or kind not in wanted_kind:
        what = "an integer" if keras_name == "iterations" else "a float"
        raise FileFormatError(f'"{source}": the optimizer\'s "{declared.name}" ({keras_name}) '
                              f"is {declared.dtype} of shape {tuple(declared.shape)}; expected "
                              f"{what} array of shape {shape}")


def _count(value, source: str) -> int:
    count = int(value)
    if count < 0:
        raise FileFormatError(f'"{source}": the optimizer\'s iteration count is {count}; '
                              "expected an integer >= 0")
    return count


def _sloi_state(optimizer, weights, layout, values, iterations, learning_rate) -> dict:
    """``optimizer.state_dict()`` as it would be after the file's training: a throwaway
    optimizer of the same class and config, built on copies of the weights, takes the
    values, and its state dict (which numbers weights by position) is what ``optimizer``
    loads. So the real optimizer, built later by ``fit``, gets torch's own state layout,
    on whatever device the model is then."""
    shadow = type(optimizer).from_config(optimizer.get_config())
    shadow.build([torch.zeros_like(w, requires_grad=True) for w in weights])
    params = shadow.trainable_variables
    slots = [{} for _ in weights]
    averages, accumulated = [], []
    for (keras_name, key, i), value in zip(layout, values):
        if keras_name == "average":
            averages.append(torch.from_numpy(value))
        elif keras_name == "gradient_accumulator":
            accumulated.append(torch.from_numpy(value))
        elif key is not None:
            slots[i][key] = torch.from_numpy(value).to(params[i].dtype)
    torch_optimizer = shadow.torch_optimizer
    # the updates made: with gradient accumulation, one every so many steps
    updates = iterations // (optimizer.gradient_accumulation_steps or 1)
    if torch_optimizer is not None and updates > 0:
        # Keras steps every weight at every update: each weight's own step count (torch
        # keeps one, for Adam's bias corrections) is the optimizer's.
        counts_in_python = isinstance(torch_optimizer, ForeachRule)
        for p, state in zip(params, slots):
            step = updates if counts_in_python else torch.tensor(float(updates))
            torch_optimizer.state[p] = {"step": step, **state}
    state = shadow.state_dict()
    state["iterations"] = iterations
    if learning_rate is not None:
        state["learning_rate"] = learning_rate
    if averages:
        state["moving_average"] = averages
    if accumulated:
        state["accumulated_gradients"] = accumulated
    return state
