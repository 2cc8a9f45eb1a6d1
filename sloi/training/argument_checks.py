"""The arguments of ``fit`` / ``evaluate`` / ``predict`` / ``train_on_batch`` /
``test_on_batch``, checked before any work: before the data moves to the device, before the
first step, before a whole epoch has run to find a bad validation label.

Each ``check_*`` raises ``ValueError`` naming the method, the argument, the value and what was
expected, or returns nothing. What they check:

- counts (``batch_size``, ``epochs``, ``steps_per_epoch``, ``validation_steps``, ``steps``,
  ...): positive integers (``initial_epoch`` may be 0); ``1.5``, ``"32"`` and ``True`` are
  refused, as Keras 3 refuses them;
- data given as arrays: at least one sample; targets present for a model compiled with a loss;
  a dict of targets keyed by output names, a list with one target per output; no strings among
  targets or sample weights (a loss compares numbers);
- ``validation_data``: ``(x, y)`` or ``(x, y, sample_weight)``, whose parts get the same checks
  as ``x`` / ``y``, their labels checked against the outputs (``targets.check_targets``);
- ``class_weight``: a dict from integer class ids to finite numbers, each class one the output
  can give.

Data that is not arrays (generators, DataLoaders, PyDatasets) yields its targets batch by
batch; it is checked as it comes. The checks read each array once on the host (a label range is
a min and a max), once per call, never per step.

``train_on_batch``, ``test_on_batch`` and ``predict_on_batch`` run in loops, once a batch:
what their checks read of arrays and tensors is only their structure, types, shapes, dtypes and
devices (the *signature*), except a sparse loss's label range. So a call whose signature the
last accepted call of the same method had (same compiled loss, model built or not alike, same
counts) skips them, all but the label range; any other call (other shapes, a list instead of
an array, ``class_weight``) is checked in full.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

from sloi import losses as losses_mod
from sloi.engine import tree
from sloi.training import data_adapters
from sloi.training.compile_utils import output_keys
from sloi.training.targets import check_targets


# ---------------------------------------------------------------------------- the entry points
def check_fit(trainer, x, y, *, batch_size, epochs, sample_weight, class_weight, initial_epoch,
              steps_per_epoch, validation_data, validation_steps, validation_batch_size,
              validation_freq) -> None:
    """``Trainer.fit``'s arguments (see the module docstring)."""
    _counts("fit", batch_size=batch_size, epochs=epochs, steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps, validation_batch_size=validation_batch_size)
    _count("fit", "initial_epoch", initial_epoch, minimum=0, optional=False)
    _check_validation_freq(validation_freq)
    if not _has_loss(trainer) or x is None:
        return  # Trainer.fit says what is missing
    _check_data(trainer, "fit", x, y, sample_weight)
    _check_class_weight(trainer, "fit", y, class_weight)
    if validation_data is not None:
        _check_validation_data(trainer, validation_data)


def check_evaluate(trainer, x, y, *, batch_size, steps, sample_weight) -> None:
    """``Trainer.evaluate``'s arguments."""
    _counts("evaluate", batch_size=batch_size, steps=steps)
    if _has_loss(trainer) and x is not None:
        _check_data(trainer, "evaluate", x, y, sample_weight)


def check_predict(trainer, x, *, batch_size, steps) -> None:
    """``Trainer.predict``'s arguments: counts, and arrays of at least one sample. Skipped
    for the counts and the signature of ``x`` the last accepted call had (``predict_on_batch``
    runs in loops)."""
    signature = _signature(x)
    key = None if signature is None else (
        type(batch_size), batch_size, type(steps), steps, signature)
    if _seen(trainer, "predict", key, None):
        return
    _counts("predict", batch_size=batch_size, steps=steps)
    if x is not None and _is_arrays(x):
        _check_not_empty("predict", "x", x)
    _remember(trainer, "predict", key, sparse=False)


def check_train_on_batch(trainer, x, y, *, sample_weight, class_weight) -> None:
    """``Trainer.train_on_batch``'s arguments; labels are range-checked when they are on the
    host (numpy, lists, CPU tensors), so that a loop of calls on the GPU syncs for none.
    Skipped, all but the label range, for the signature the last accepted call had."""
    if not _has_loss(trainer):
        return
    key = _signature_key(trainer, x, y, sample_weight) if class_weight is None else None
    if _seen(trainer, "train_on_batch", key, y):
        return
    _check_data(trainer, "train_on_batch", x, y, sample_weight)
    _check_class_weight(trainer, "train_on_batch", y, class_weight)
    _check_labels_on_host(trainer, "train_on_batch", y)
    _remember(trainer, "train_on_batch", key)


def check_test_on_batch(trainer, x, y, *, sample_weight) -> None:
    """``Trainer.test_on_batch``'s arguments (as ``train_on_batch``'s)."""
    if not _has_loss(trainer):
        return
    key = _signature_key(trainer, x, y, sample_weight)
    if _seen(trainer, "test_on_batch", key, y):
        return
    _check_data(trainer, "test_on_batch", x, y, sample_weight)
    _check_labels_on_host(trainer, "test_on_batch", y)
    _remember(trainer, "test_on_batch", key)


# ---------------------------------------------------------------------------- signatures
def _signature(value):
    """What the checks read of ``value``: its structure, and each array's or tensor's type,
    shape and dtype (and a tensor's device). None where they read more (lists of numbers or
    strings, numpy object arrays, scalars, anything else): such a call is checked in full."""
    if isinstance(value, torch.Tensor):
        return type(value), value.shape, value.dtype, value.device.type
    if isinstance(value, np.ndarray):
        return None if value.dtype.kind == "O" else (type(value), value.shape, value.dtype)
    kind = type(value)
    if kind is list or kind is tuple:
        parts = tuple(map(_signature, value))
    elif kind is dict:
        parts = tuple(zip(value, map(_signature, value.values())))
        if any(part is None for _, part in parts):
            return None
        return kind, parts
    else:
        return None
    return None if None in parts else (kind, parts)


def _signature_key(trainer, x, y, sample_weight):
    """The signature of a call's data with what else the checks depend on (the compiled loss,
    whether the model is built); None when the call is to be checked in full."""
    parts = (_signature(x), _signature(y),
             () if sample_weight is None else _signature(sample_weight))
    if None in parts or y is None:
        return None
    return trainer.loss, bool(getattr(trainer.model, "built", False)), parts


def _seen(trainer, method: str, key, y) -> bool:
    """Whether ``key`` is the signature of the last call of ``method`` that passed its checks;
    then only a sparse loss's label range is checked again (it reads values)."""
    if key is None:
        return False
    last = trainer.__dict__.get("_checked_signatures", {}).get(method)
    if last is None or last[0] != key:
        return False
    if last[1]:
        _check_labels_on_host(trainer, method, y)
    return True


def _remember(trainer, method: str, key, sparse=None) -> None:
    """Keep ``key`` as ``method``'s last accepted signature, with whether a sparse loss reads
    the labels' values (``sparse``: known to the caller)."""
    if key is not None:
        if sparse is None:
            sparse = any(fn is not None and losses_mod.is_sparse(fn)
                         for fn in trainer.loss.losses)
        trainer.__dict__.setdefault("_checked_signatures", {})[method] = (key, sparse)


# ---------------------------------------------------------------------------- counts
def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _count(method: str, name: str, value, minimum: int = 1, optional: bool = True) -> None:
    if (optional and value is None) or (_is_int(value) and value >= minimum):
        return
    expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    raise ValueError(f"{method}({name}=...) must be {expected}{' or None' if optional else ''}; "
                     f"got {value!r} ({type(value).__name__})")


def _counts(method: str, **counts) -> None:
    for name, value in counts.items():
        if name == "epochs":  # Keras trains no epoch for 0 and returns an empty History
            _count(method, name, value, minimum=0, optional=False)
        else:
            _count(method, name, value)


def _check_validation_freq(freq) -> None:
    if _is_int(freq) and freq >= 1:
        return
    if isinstance(freq, (list, tuple, set, range)) and freq and all(
            _is_int(e) and e >= 1 for e in freq):
        return
    raise ValueError("fit(validation_freq=...) must be a positive integer (validate every n "
                     "epochs) or a collection of epoch numbers from 1; got "
                     f"{freq!r} ({type(freq).__name__})")


# ---------------------------------------------------------------------------- data
def _has_loss(trainer) -> bool:
    """Whether the data checks apply: a model compiled with a loss (the trainer itself refuses
    an uncompiled model; one compiled without a loss trains on its add_loss losses alone)."""
    return bool(getattr(trainer, "compiled", False)) and trainer.loss is not None


def _is_arrays(x) -> bool:
    leaves = tree.flatten(x)
    return bool(leaves) and all(isinstance(a, (np.ndarray, torch.Tensor)) for a in leaves)


def _output_names(trainer) -> list[str]:
    return output_keys(trainer.model)


def _describe(value) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"{type(value).__name__} of shape {tuple(shape)} and dtype {value.dtype}"
    return f"{value!r} ({type(value).__name__})" if np.isscalar(value) or value is None else (
        type(value).__name__)


def _check_not_empty(method: str, role: str, x) -> None:
    if data_adapters.num_samples(x, role) == 0:
        raise ValueError(f"{method}: {role} has 0 samples; {method} needs at least one (a "
                         f"filter or a split may have left none)")


def _check_data(trainer, method: str, x, y, sample_weight, role: str = "") -> None:
    """x, y and sample_weight given as arrays: samples, targets, structure, strings."""
    x_role, y_role, sw_role = (f"{role}{r}" for r in ("x", "y", "sample_weight"))
    if not _is_arrays(x):
        return  # generators and datasets yield their own targets
    _check_not_empty(method, x_role, x)
    if y is None:
        raise ValueError(
            f"{method}: {y_role} is None, but the model was compiled with a loss "
            f"({_loss_names(trainer)}), which needs targets: pass {y_role} (one per sample of "
            f"{x_role}), or compile without a loss to only predict")
    targets = _targets_by_output(trainer, method, y, y_role)
    for name, target in targets.items():
        _check_numbers(method, _named(y_role, name, len(targets)), target)
    if sample_weight is not None:
        for leaf in tree.flatten(sample_weight):
            _check_numbers(method, sw_role, leaf)


def _loss_names(trainer) -> str:
    names = {getattr(fn, "name", None) or type(fn).__name__
             for fn in trainer.loss.losses if fn is not None}
    return ", ".join(sorted(names))


def _named(role: str, output: str, count: int) -> str:
    return role if count == 1 else f'{role}["{output}"]'


def _targets_by_output(trainer, method: str, y, role: str) -> dict:
    """The targets keyed by output name; a wrong key, a wrong count or a missing target for an
    output with a loss raises."""
    names = _output_names(trainer)
    if isinstance(y, dict):
        unknown = sorted(set(y) - set(names), key=str)
        if unknown:
            raise ValueError(f"{method}: {role} is a dict with key(s) {unknown}, but the "
                             f"model's outputs are {names}; key the targets by output name")
        by_name = {n: y[n] for n in names if n in y}
    elif len(names) == 1:
        if isinstance(y, (list, tuple)) and len(y) == 1 and not isinstance(y[0], numbers.Number):
            y = y[0]
        return {names[0]: y}
    elif isinstance(y, (list, tuple)):
        if len(y) != len(names):
            raise ValueError(f"{method}: {role} is a {type(y).__name__} of {len(y)} targets, "
                             f"but the model has {len(names)} outputs {names}")
        by_name = {n: t for n, t in zip(names, y) if t is not None}
    else:
        raise ValueError(f"{method}: the model has {len(names)} outputs {names}, so {role} must "
                         f"be a list or a dict of {len(names)} targets; got one "
                         f"{_describe(y)}")
    missing = [n for n, fn in zip(names, trainer.loss.losses) if fn is not None
               and n not in by_name]
    if missing:
        raise ValueError(f"{method}: {role} has no targets for output(s) {missing}, which were "
                         f"compiled with a loss; give {role} a target for each of them")
    return by_name


def _check_numbers(method: str, role: str, value) -> None:
    """Targets and sample weights must be numbers: strings get a message saying so before a
    loss meets them."""
    if value is None or isinstance(value, torch.Tensor):
        return
    if isinstance(value, (str, bytes)):
        kind = type(value).__name__
    elif isinstance(value, np.ndarray):
        if value.dtype.kind in "USO" and not (value.dtype.kind == "O" and _numeric_objects(
                value)):
            kind = f"numpy dtype {value.dtype}"
        else:
            return
    elif isinstance(value, (list, tuple)):
        first = next(iter(tree.flatten(list(value))), None)
        if not isinstance(first, (str, bytes)):
            return
        kind = f"a list of {type(first).__name__}"
    else:
        return
    raise ValueError(
        f"{method}: {role} holds strings ({kind}), but a loss compares numbers: map the labels "
        "to integer class ids first (e.g. with sloi.layers.StringLookup, or a dict from label "
        "to id)")


def _numeric_objects(array: np.ndarray) -> bool:
    """An object array of numbers (not strings): ragged or mixed, refused later as such."""
    return all(not isinstance(v, (str, bytes)) for v in array.ravel()[:16])


def _check_labels_on_host(trainer, method: str, y) -> None:
    model = trainer.model
    if y is None or not getattr(model, "built", False) or not hasattr(model, "outputs"):
        return
    targets = _targets_by_output(trainer, method, y, "y")
    flat = [targets.get(n) for n in _output_names(trainer)]
    if all(t is None or not isinstance(t, torch.Tensor) or t.device.type == "cpu"
           for t in flat):
        check_targets(model, trainer.loss, flat)


# ---------------------------------------------------------------------------- validation data
def _check_validation_data(trainer, validation_data) -> None:
    if isinstance(validation_data, tuple):
        if len(validation_data) not in (2, 3):
            raise ValueError(
                "fit: validation_data must be (x_val, y_val) or (x_val, y_val, "
                f"val_sample_weight); got a tuple of {len(validation_data)} item(s)")
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
    elif _is_arrays(validation_data) and not isinstance(validation_data, (list, dict)):
        raise ValueError(
            "fit: validation_data must be (x_val, y_val) or (x_val, y_val, val_sample_weight) "
            f"for a model compiled with a loss; got {_describe(validation_data)} alone")
    else:
        return  # a generator or a dataset yields its own targets
    _check_data(trainer, "fit", vx, vy, vsw, role="validation_data ")
    model = trainer.model
    if _is_arrays(vx) and getattr(model, "built", False) and hasattr(model, "outputs"):
        targets = _targets_by_output(trainer, "fit", vy, "validation_data y")
        try:
            check_targets(model, trainer.loss, [targets.get(n) for n in _output_names(trainer)])
        except ValueError as e:
            raise ValueError(f"fit: validation_data: {e}") from None


# ---------------------------------------------------------------------------- class_weight
def _check_class_weight(trainer, method: str, y, class_weight) -> None:
    if class_weight is None:
        return
    if not isinstance(class_weight, dict):
        raise ValueError(f"{method}(class_weight=...) must be a dict from class id to weight, "
                         f"e.g. {{0: 1.0, 1: 5.0}}; got {_describe(class_weight)}")
    if y is None:
        raise ValueError(f"{method}: class_weight weighs samples by their class in y, but y is "
                         "None (data that yields batches may yield (x, y, sample_weight) "
                         "instead)")
    for key, weight in class_weight.items():
        if not _is_int(key) or key < 0:
            raise ValueError(f"{method}(class_weight=...) keys must be class ids (integers >= "
                             f"0); got key {key!r} ({type(key).__name__})")
        if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real) or (
                not math.isfinite(weight)):
            raise ValueError(f"{method}(class_weight=...) values must be finite numbers; got "
                             f"{weight!r} for class {key}")
    classes = _output_classes(trainer)
    if classes is not None:
        outside = sorted(k for k in class_weight if k >= classes)
        if outside:
            raise ValueError(
                f"{method}(class_weight=...) gives weights for class(es) {outside}, but the "
                f"model's output has {classes} classes (ids 0 to {classes - 1})")


def _output_classes(trainer):
    """The number of classes of a single-output model's output, once built: its units, or 2 for
    a single unit (binary); None when unknown."""
    model = trainer.model
    outputs = getattr(model, "outputs", None) if getattr(model, "built", False) else None
    if not outputs or len(outputs) != 1:
        return None
    units = tuple(outputs[0].shape)[-1]
    if units is None:
        return None
    return 2 if units == 1 else int(units)
