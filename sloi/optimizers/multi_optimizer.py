"""`MultiOptimizer` and `OptimizerMap`: different optimizers for different weights, as Keras."""

import re
from collections.abc import MutableMapping

from sloi.optimizers.base_optimizer import Optimizer, serialize
from sloi.optimizers.loss_scale_optimizer import LossScaleOptimizer


def _deserialize(config, custom_objects):
    # Deferred: the lookup table imports every optimizer, this one included.
    from sloi.optimizers.serialization import deserialize

    return deserialize(config, custom_objects=custom_objects)


def _path(variable):
    return getattr(variable, "path", None) or getattr(variable, "name", None)


class OptimizerMap(MutableMapping):
    """Maps weight paths (exact strings, else regular expressions matched in full) to
    optimizers; unmatched weights get `default_optimizer`.

    Args:
        default_optimizer: the `Optimizer` of every weight no key matches.
        optimizer_map: optional dict of `{path or pattern: Optimizer}`.

    Example:
        ```python
        optimizer_map = OptimizerMap(default_optimizer=sloi.optimizers.SGD())
        optimizer_map["encoder/.*"] = sloi.optimizers.Adam()
        optimizer_map["encoder/dense/kernel"]  # the Adam
        ```
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(
                f"default_optimizer must be a sloi Optimizer instance. Received: "
                f"{default_optimizer}"
            )
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        """The optimizer of the exact key, else of the one pattern that `re.fullmatch`es it,
        else the default; a key matched by two patterns raises ValueError."""
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys."
            )
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a sloi Optimizer instance. Received: {optimizer}")
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        """The optimizer of a weight, by its `path` (or `name`) attribute."""
        return self[_path(variable) or ""]

    def get_config(self):
        return {
            "default_optimizer": serialize(self._default_optimizer),
            "optimizer_map": {key: serialize(opt) for key, opt in self._optimizer_map.items()},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        default = _deserialize(config["default_optimizer"], custom_objects)
        mapping = {
            key: _deserialize(value, custom_objects)
            for key, value in (config.get("optimizer_map") or {}).items()
        }
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Hands each weight to its own optimizer.

    Args:
        optimizer_map: an `OptimizerMap`, or a callable taking a weight and returning its
            `Optimizer`.
        loss_scale_factor: set on every inner optimizer (they unscale their gradients).
        name: the optimizer's name.

    Weight paths for an `OptimizerMap` come from `build`'s `(path, weight)` pairs, or the
    weights' `path` / `name` attribute; a map with keys cannot place a weight without one, and
    says so. The inner optimizers are in `optimizers`; `learning_rate` is theirs, not this
    one's (reading or setting it raises AttributeError, as in Keras).

    Example:
        ```python
        optimizer = MultiOptimizer(OptimizerMap(SGD(), {"dense_1/.*": Adam()}))
        optimizer.build([(path, w) for path, w in named_weights])
        ```
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not isinstance(optimizer_map, OptimizerMap) and not callable(optimizer_map):
            raise TypeError(
                "MultiOptimizer expects an OptimizerMap or a callable returning an optimizer "
                f"for a weight; got {type(optimizer_map).__name__}."
            )
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._owner = {}
        if isinstance(optimizer_map, OptimizerMap):
            for optimizer in [*optimizer_map.values(), optimizer_map.default_optimizer]:
                self._adopt(optimizer)

    def _adopt(self, optimizer):
        if not any(optimizer is known for known in self._inner_optimizers):
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(optimizer)
        return next(i for i, known in enumerate(self._inner_optimizers) if known is optimizer)

    @property
    def optimizers(self):
        """The inner optimizers."""
        return self._inner_optimizers

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on "
            "the individual sub-optimizers instead."
        )

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
            "individual sub-optimizers instead."
        )

    @property
    def loss_scale_factor(self):
        return self._loss_scale_factor

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in self._inner_optimizers:
            optimizer.loss_scale_factor = value

    def changes_gradients(self):
        return any(opt.changes_gradients() for opt in self._inner_optimizers)

    def _optimizer_for(self, path, variable):
        if isinstance(self._optimizer_map, OptimizerMap):
            if path is None:
                if len(self._optimizer_map):
                    raise ValueError(
                        "MultiOptimizer with an OptimizerMap needs each weight's path: build it "
                        "with (path, weight) pairs, or give the weights a `path` attribute. "
                        f"Got a weight of shape {tuple(variable.shape)} without one."
                    )
                return self._optimizer_map.default_optimizer
            return self._optimizer_map[path]
        return self._optimizer_map(variable)

    def build(self, variables):
        """Builds each inner optimizer on its weights (tensors or `(path, weight)` pairs)."""
        if self.built:
            return
        per_optimizer, params, seen = {}, [], set()
        for item in variables:
            path, variable = item if isinstance(item, tuple) else (None, item)
            if id(variable) in seen:
                continue
            seen.add(id(variable))
            path = path or _path(variable)
            optimizer = self._optimizer_for(path, variable)
            if not isinstance(optimizer, Optimizer):
                raise ValueError(
                    f"Optimizer for variable {path or tuple(variable.shape)} is not an Optimizer "
                    "instance."
                )
            if isinstance(optimizer, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(optimizer, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            index = self._adopt(optimizer)
            self._owner[id(variable)] = index
            per_optimizer.setdefault(index, []).append((path, variable))
            params.append(variable)
        for index, pairs in per_optimizer.items():
            self._inner_optimizers[index].build(pairs)
        self._params = params
        self.built = True
        if self._pending_state is not None:
            state, self._pending_state = self._pending_state, None
            self.load_state_dict(state)

    def step(self):
        """Steps every inner optimizer that has gradients for some of its weights."""
        if not self.built:
            raise ValueError(
                "The optimizer is not built: call `optimizer.build(model.trainable_weights)` "
                "before `step()`."
            )
        stepping = {self._owner[id(p)] for p in self._params if p.grad is not None}
        if not stepping and self._params:
            raise ValueError("No gradients provided for any variable.")
        for index in sorted(stepping):
            self._inner_optimizers[index].step()
        self.iterations = self.iteration_count + 1

    def zero_grad(self, set_to_none=True):
        for optimizer in self._inner_optimizers:
            optimizer.zero_grad(set_to_none=set_to_none)

    def finalize_variable_values(self, var_list):
        per_optimizer = {}
        for variable in var_list:
            index = self._owner.get(id(variable))
            if index is not None:
                per_optimizer.setdefault(index, []).append(variable)
        for index, variables in per_optimizer.items():
            self._inner_optimizers[index].finalize_variable_values(variables)

    def state_dict(self):
        """The step count and each inner optimizer's state, in `optimizers` order."""
        return {
            "iterations": self.iteration_count,
            "optimizers": [opt.state_dict() for opt in self._inner_optimizers],
        }

    def load_state_dict(self, state_dict):
        if not self.built:
            self._pending_state = state_dict
            return
        saved = state_dict["optimizers"]
        if len(saved) != len(self._inner_optimizers):
            raise ValueError(
                f"The saved state is for {len(saved)} inner optimizers; this MultiOptimizer "
                f"has {len(self._inner_optimizers)}."
            )
        self.iterations = int(state_dict["iterations"])
        for optimizer, state in zip(self._inner_optimizers, saved):
            optimizer.load_state_dict(state)

    def get_config(self):
        if not isinstance(self._optimizer_map, OptimizerMap):
            raise TypeError(
                "A MultiOptimizer made with a callable cannot be serialized in sloi; use an "
                "OptimizerMap."
            )
        return {
            "optimizer_map": {
                "module": "keras.optimizers",
                "class_name": "OptimizerMap",
                "config": self._optimizer_map.get_config(),
                "registered_name": None,
            },
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        mapping = config["optimizer_map"]
        if isinstance(mapping, dict):
            mapping = OptimizerMap.from_config(mapping.get("config", mapping), custom_objects)
        config["optimizer_map"] = mapping
        return cls(**config)
