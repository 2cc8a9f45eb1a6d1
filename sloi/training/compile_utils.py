"""What ``compile`` binds: the losses and metrics of every output, and their names in the logs.

Keras's conventions:
- one loss for every output, or a list (by position) or dict (by output name) of losses;
  ``loss_weights`` weigh them into the total ``loss``; with several outputs the logs also
  show ``<output>_loss``;
- metrics as a flat list (for every output), a list of lists or a dict by output name; with
  several outputs their names get the output's name in front (``dense_1_accuracy``);
- ``"accuracy"`` / ``"acc"`` means binary, categorical or sparse categorical accuracy,
  decided from the shapes of the targets and outputs as Keras 3 does (``sloi.metrics.resolve``).
"""

from __future__ import annotations

import torch

from sloi import losses as losses_mod
from sloi import metrics as metrics_mod
from sloi.engine import SymbolicTensor, tree
from sloi.engine.keras_mask import get_keras_mask, set_keras_mask


def output_keys(model) -> list[str]:
    """The names ``compile`` and ``fit`` key a model's outputs by, in ``model.outputs`` order:
    a dict of outputs' own keys (as Keras keys losses, targets and logs), else the output
    layers' names; ``["output"]`` for a model that does not say."""
    output = getattr(model, "output", None)
    if isinstance(output, dict) and all(isinstance(t, SymbolicTensor) for t in output.values()):
        return [str(k) for k in tree.dict_keys(output)]
    names = getattr(model, "output_names", None)
    return list(names) if names else ["output"]


def _per_output(value, names: list[str], what: str, allow_single=True):
    """``value`` as a list with one entry per output."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"compile: {what} names outputs {unknown}, but the model's outputs "
                             f"are {names}")
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1 and not (
            what == "metrics" and not any(isinstance(v, (list, tuple, dict)) for v in value)):
        if len(value) != len(names):
            raise ValueError(f"compile: {len(value)} {what} given for {len(names)} outputs "
                             f"{names}")
        return list(value)
    if not allow_single and len(names) > 1:
        raise ValueError(f"compile: give one {what} per output {names}")
    return [value] * len(names)


class CompileLoss:
    """The total loss of a batch: ``sum(weight_i * loss_i(y_i, pred_i))``."""

    def __init__(self, loss, loss_weights, output_names: list[str]):
        self.output_names = output_names
        entries = _per_output(loss, output_names, "loss")
        weights = _per_output(loss_weights, output_names, "loss_weights") if (
            loss_weights is not None) else [1.0] * len(output_names)
        self.losses = [None if e is None else _loss_object(e) for e in entries]
        self.weights = [1.0 if w is None else float(w) for w in weights]
        if all(loss is None for loss in self.losses):
            raise ValueError("compile: a loss is needed to train; got loss=None")
        self.names = [f"{n}_loss" for n in output_names] if len(output_names) > 1 else []

    def __call__(self, y_true: list, y_pred: list, sample_weight: list):
        total, parts = None, []
        for fn, w, t, p, sw in zip(self.losses, self.weights, y_true, y_pred, sample_weight):
            if fn is None or t is None:
                parts.append(None)
                continue
            value = fn(t, p, sample_weight=sw)
            parts.append(value)
            total = value * w if total is None else total + value * w
        if total is None:  # data that yields batches of x alone, for a model with a loss
            raise ValueError(
                f"The batch has no target for any output with a loss (outputs "
                f"{self.output_names}); data that yields batches must yield (x, y) or "
                "(x, y, sample_weight)")
        return total, parts


def _loss_object(identifier):
    """A ``Loss``: as Keras's compile does, a plain function (``"mse"`` resolves to one) is
    wrapped so that reductions and sample weights apply to it. A built-in function becomes its
    own class with default arguments instead: the same numbers, but the common case (no
    weights, no mask) runs as one fused torch loss rather than three or four kernels, about
    20 us a step on a small model's CPU step."""
    loss = losses_mod.get(identifier)
    if isinstance(loss, losses_mod.Loss):
        return loss
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", None)
    builtin = losses_mod.class_of(loss)
    if builtin is not None:
        return builtin(name=name)
    return losses_mod.LossFunctionWrapper(loss, name=name)


def resolve_metric(identifier, y_true, y_pred):
    """A metric object for ``identifier``, named as Keras 3 names it (a string keeps the user's
    spelling: ``"mae"`` logs as ``mae``); ``"accuracy"`` / ``"acc"`` by Keras 3's shape rule."""
    return metrics_mod.resolve(identifier, y_true, y_pred)


class CompileMetrics:
    """Every output's metrics (weighted or not); built at the first batch, when the shapes that
    decide what ``"accuracy"`` means are known."""

    def __init__(self, metrics, weighted_metrics, output_names: list[str]):
        self.output_names = output_names
        self.specs = [
            _as_list(m) for m in _per_output(metrics, output_names, "metrics")
        ] if metrics is not None else [[] for _ in output_names]
        self.weighted_specs = [
            _as_list(m) for m in _per_output(weighted_metrics, output_names, "weighted_metrics")
        ] if weighted_metrics is not None else [[] for _ in output_names]
        for spec in self.specs + self.weighted_specs:
            for identifier in spec:  # unknown names fail at compile, not at the first batch
                if not (isinstance(identifier, str) and identifier.lower() in ("accuracy",
                                                                                "acc")):
                    metrics_mod.get(identifier)
        self.built = False
        self.entries: list[tuple[str, object, int, bool]] = []  # (log name, metric, output, w)

    def build(self, y_true: list, y_pred: list, device) -> None:
        prefix = len(self.output_names) > 1
        for i, (t, p) in enumerate(zip(y_true, y_pred)):
            if t is None:
                continue
            for weighted, specs in ((False, self.specs[i]), (True, self.weighted_specs[i])):
                for identifier in specs:
                    metric = resolve_metric(identifier, t, p)
                    name = metric.name
                    if weighted and any(e[0] == name for e in self.entries):
                        name = f"weighted_{name}"
                    if prefix:
                        name = f"{self.output_names[i]}_{name}"
                    if hasattr(metric, "to"):
                        metric.to(device)
                    self.entries.append((name, metric, i, weighted))
        self.built = True

    @torch.no_grad()
    def update(self, y_true: list, y_pred: list, sample_weight: list) -> None:
        for _, metric, i, weighted in self.entries:
            sw = sample_weight[i] if weighted else None
            metric.update_state(y_true[i], _detached(y_pred[i]), sample_weight=sw)

    def reset(self) -> None:
        for _, metric, _, _ in self.entries:
            metric.reset_state()

    def results(self) -> dict:
        return {name: metric.result() for name, metric, _, _ in self.entries}

    @property
    def names(self) -> list[str]:
        return [e[0] for e in self.entries]


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _detached(y_pred: torch.Tensor) -> torch.Tensor:
    """``y_pred`` cut from the graph, still carrying its mask: metrics leave the masked
    time steps out, as Keras's do."""
    detached = y_pred.detach()
    mask = get_keras_mask(y_pred)
    if mask is not None:
        set_keras_mask(detached, mask)
    return detached
