"""A Keras 3 model config rewritten in tf.keras 2's dialect, for the legacy ``.h5`` file.

tf.keras 2 (the ``tf_keras`` package) refuses the configs Keras 3 writes ("Unrecognized keyword
arguments: ['batch_shape']"), while Keras 3's legacy loader reads the configs tf.keras 2 wrote.
So the legacy ``.h5`` is written in the dialect both read:

- ``InputLayer(batch_input_shape=..., ragged=False)`` instead of ``batch_shape``;
- a dtype as a string (``"float32"``), a mixed policy as tf.keras 2's ``Policy``;
- a layer entry without Keras 3's ``module`` / ``registered_name`` / ``build_config``;
- Keras 2's calls: ``[["layer", node, tensor, {kwargs}], ...]`` per call, one entry per tensor
  of the call's single argument, and ``input_layers`` / ``output_layers`` as lists of those;
- Keras 3's arguments tf.keras 2 does not take, dropped where their value is the behaviour
  tf.keras 2 has anyway (``quantization_config=None``, ``rms_scaling=False``, an initializer's
  ``input_axes=None``), and Bidirectional's ``backward_layer`` when it only mirrors ``layer``;
- a Sequential model inside a functional one without its ``InputLayer``: tf.keras 2 counts the
  node that built a Sequential model on an input among its calls, Keras 3 does not; built on
  its first call, it numbers its calls from 0 in both.

What has no form both read is reported (``Keras2Unavailable``), and the caller writes Keras 3's
dialect instead: an op node (``x + y``, ``ops.mean``; tf.keras 2 stored TensorFlow operations,
``TFOpLambda``, which Keras 3 cannot read), a layer tf.keras 2 does not have, a Keras 3 option
set to what tf.keras 2 cannot do, a call with several positional arguments or with tensors
among its keyword arguments (``MultiHeadAttention(query, value)``: Keras 3's legacy loader
cannot read tf.keras 2's form of it), and a functional model called inside another one whose
output feeds a further layer (tf.keras 2 numbers that model's calls from 1, Keras 3's legacy
loader from 0: no one file satisfies both).
"""

from __future__ import annotations

import copy

from sloi.engine.operation import is_operation

# The Keras version the tf.keras 2 files claim: the last Keras 2 that TensorFlow shipped as
# tf.keras (2.15); tf.keras 2 and Keras 3 convert weights only for Keras 1 files.
KERAS2_VERSION = "2.15.0"
# Layers Keras 3 has and tf.keras 2 does not (tf_keras 2.21 exports a SpectralNormalization,
# but it cannot build one, nor read it from a file, even one it wrote itself).
NO_KERAS2_LAYER = frozenset({
    "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
    "GroupQueryAttention", "GroupedQueryAttention", "MelSpectrogram", "RMSNormalization",
    "ReversibleEmbedding", "STFTSpectrogram", "SpectralNormalization",
})
# Keras 3's layer arguments that tf.keras 2 does not take, with the value that means what
# tf.keras 2 does anyway (dropped); any other value has no tf.keras 2 form.
_KERAS3_ONLY = {
    "quantization_config": None,  # Dense, EinsumDense, Embedding
    "rms_scaling": False,  # LayerNormalization
    "use_cudnn": "auto",  # LSTM, GRU
    "lora_rank": None,
    "lora_alpha": None,
}
# The same, for one class only (tf.keras 2's LSTM and GRU take a seed, its SimpleRNN and
# ConvLSTMs do not).
_KERAS3_ONLY_IN = {"SimpleRNN": {"seed": None}, "ConvLSTM1D": {"seed": None},
                   "ConvLSTM2D": {"seed": None}, "ConvLSTM3D": {"seed": None},
                   "ZeroPadding1D": {"data_format": "channels_last"},
                   "Cropping1D": {"data_format": "channels_last"},
                   "UpSampling1D": {"data_format": "channels_last"}}
# Arguments Keras 3 renamed: (class, Keras 3's name) -> tf.keras 2's name.
_RENAMED = {("LeakyReLU", "negative_slope"): "alpha"}
# tf.keras 2 omits these RNN arguments when they have their usual value; Keras 3 takes them.
_DEFAULT_OMITTED = {"zero_output_for_mask": False}
_INITIALIZER_KERAS3_ONLY = {"input_axes": None, "output_axes": None}
# Keras 3's optimizer arguments, with their usual values, that tf.keras 2's legacy optimizers
# (which it builds from a legacy file) do not take.
_OPTIMIZER_KERAS3_ONLY = {
    "weight_decay": None, "use_ema": False, "ema_momentum": 0.99,
    "ema_overwrite_frequency": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None, "clipnorm": None, "clipvalue": None,
    "global_clipnorm": None,
}
_WRAPPED = ("layer", "backward_layer", "cell")
_ENTRY_KEYS = ("class_name", "config", "name", "inbound_nodes")


class Keras2Unavailable(ValueError):
    """The model has no config tf.keras 2 and Keras 3's legacy loader both read."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def keras2_model_config(config: dict) -> dict:
    """tf.keras 2's spelling of ``config`` (a Keras 3 model config, as ``keras_writer``
    writes it); ``Keras2Unavailable`` naming every layer that has none."""
    state = _State()
    result = state.layer(copy.deepcopy(config), entry=False, nested=False)
    reasons = list(state.reasons)
    if state.operations:
        names = ", ".join(f'"{n}"' for n in state.operations)
        reasons.insert(0, f"the operations on tensors {names} (x + y, ops.mean(x), ...): tf.keras "
                       "2 kept operations as TensorFlow's TFOpLambda layers, which Keras 3 "
                       "cannot read; a layer (layers.Add, ...) in their place is read by both")
    if reasons:
        raise Keras2Unavailable(reasons)
    return result


class _State:
    def __init__(self):
        self.reasons: list[str] = []
        self.operations: list[str] = []

    def refuse(self, name, class_name, why: str) -> None:
        reason = f'layer "{name}" ({class_name}) {why}'
        if reason not in self.reasons:
            self.reasons.append(reason)

    # ------------------------------------------------------------------ layers
    def layer(self, data: dict, *, entry: bool, nested: bool) -> dict:
        """One layer; ``entry``: an item of a model's ``layers`` list (tf.keras 2 writes those
        without a module); ``nested``: inside a functional model's layers."""
        class_name = data.get("class_name")
        inner = data.get("config")
        name = data.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
        if is_operation(data):
            self.operations.append(name)
            return data
        if class_name in NO_KERAS2_LAYER:
            self.refuse(name, class_name, "is a Keras 3 layer that tf.keras 2 does not have")
            return data
        if entry:
            data = {k: v for k, v in data.items() if k in _ENTRY_KEYS}
        if not isinstance(inner, dict):
            return data
        if class_name in ("Functional", "Model"):
            data["class_name"] = "Functional"
            data["config"] = self.functional(inner)
        elif class_name == "Sequential":
            data["config"] = self.sequential(inner, nested)
        else:
            data["config"] = self.arguments(class_name, name, inner)
        if entry and "inbound_nodes" in data:
            data["inbound_nodes"] = [self.call(node, name, class_name)
                                     for node in data["inbound_nodes"]]
        return data

    def arguments(self, class_name, name, inner: dict) -> dict:
        inner = {k: _initializer(v) if k.endswith("_initializer") else v
                 for k, v in inner.items()}
        if isinstance(inner.get("dtype"), dict):
            inner["dtype"] = _dtype(inner["dtype"])
        for key, usual in {**_KERAS3_ONLY, **_KERAS3_ONLY_IN.get(class_name, {})}.items():
            if key not in inner:
                continue
            if inner[key] != usual:
                self.refuse(name, class_name, f"sets {key}={inner[key]!r}, which tf.keras 2 "
                            "does not have")
            del inner[key]
        for (renamed_in, key), keras2_key in _RENAMED.items():
            if class_name == renamed_in and key in inner:
                inner[keras2_key] = inner.pop(key)
        for key, usual in _DEFAULT_OMITTED.items():
            if inner.get(key, usual) == usual:
                inner.pop(key, None)
        if class_name == "InputLayer":
            inner = {"batch_input_shape": inner.get("batch_shape"),
                     "dtype": _dtype(inner.get("dtype", "float32")),
                     "sparse": bool(inner.get("sparse", False)), "ragged": False,
                     "name": inner.get("name")}
        if class_name == "Bidirectional" and _mirrors(inner.get("layer"),
                                                      inner.get("backward_layer")):
            inner.pop("backward_layer")
        for key in _WRAPPED:
            if isinstance(inner.get(key), dict) and "class_name" in inner[key]:
                inner[key] = self.layer(inner[key], entry=False, nested=False)
        if isinstance(inner.get("cells"), list):
            inner["cells"] = [self.layer(c, entry=False, nested=False) if isinstance(c, dict)
                              else c for c in inner["cells"]]
        return inner

    # ------------------------------------------------------------------ models
    def sequential(self, inner: dict, nested: bool) -> dict:
        layers = [self.layer(e, entry=True, nested=False) for e in inner.get("layers", [])]
        inner = {**inner, "layers": layers}
        if nested:  # built on its first call, so that both number its calls from 0
            inner["layers"] = [e for e in layers if e.get("class_name") != "InputLayer"]
            inner.pop("build_input_shape", None)
        return inner

    def functional(self, inner: dict) -> dict:
        entries = inner.get("layers", [])
        nested_functional = {e.get("name") for e in entries
                             if e.get("class_name") in ("Functional", "Model")}
        for e in entries:
            for node in e.get("inbound_nodes") or []:
                used = nested_functional & _history_names(node)
                for model_name in sorted(used):
                    self.refuse(model_name, "Functional", "is a functional model nested in "
                                f'another, and layer "{e.get("name")}" takes its output: tf.keras '
                                "2 numbers its calls from 1, Keras 3's legacy loader from 0")
        layers = [self.layer(e, entry=True, nested=True) for e in entries]
        out = {**inner, "layers": layers}
        for key in ("input_layers", "output_layers"):
            refs = inner.get(key)
            if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
                refs = [refs]
            out[key] = refs
        return out

    def call(self, node, name, class_name):
        """Keras 3's ``{"args": [...], "kwargs": {...}}`` as Keras 2's list of references."""
        if isinstance(node, list):
            return node
        args, kwargs = node.get("args", []), node.get("kwargs", {})
        if _history_names(kwargs):
            self.refuse(name, class_name, "is called with tensors as keyword arguments, "
                        "which Keras 3's legacy loader cannot read in tf.keras 2's form")
            return node
        tensors = args[0] if len(args) == 1 else None
        if _is_tensor(tensors):
            tensors = [tensors]
        if not (isinstance(tensors, list) and tensors and all(map(_is_tensor, tensors))):
            self.refuse(name, class_name, f"is called with {len(args)} positional "
                        "arguments or with values that are not tensors; tf.keras 2 writes "
                        "one tensor or a list of tensors")
            return node
        return [[*t["config"]["keras_history"], dict(kwargs)] for t in tensors]


def keras2_training_config(training: dict) -> dict:
    """A legacy ``training_config`` whose optimizer tf.keras 2 builds: tf.keras 2 reads an
    optimizer of a legacy file as its legacy optimizer, which refuses Keras 3's arguments
    (``weight_decay``, ``use_ema``, ...); they are left out where they have their usual value."""
    optimizer = training.get("optimizer_config")
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("config"), dict):
        return training
    config = {k: v for k, v in optimizer["config"].items()
              if not (k in _OPTIMIZER_KERAS3_ONLY and v == _OPTIMIZER_KERAS3_ONLY[k])}
    return {**training, "optimizer_config": {"class_name": optimizer["class_name"],
                                             "config": config}}


def _is_tensor(value) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _history_names(value) -> set:
    """The layers whose outputs a call takes."""
    if _is_tensor(value):
        return {value["config"]["keras_history"][0]}
    if isinstance(value, dict):
        return set().union(*map(_history_names, value.values()))
    if isinstance(value, list):
        return set().union(*map(_history_names, value))
    return set()


def _dtype(value):
    """A DTypePolicy as tf.keras 2 writes a dtype: a string, a mixed policy a ``Policy``."""
    if not isinstance(value, dict):
        return value
    policy = (value.get("config") or {}).get("name")
    if isinstance(policy, str) and policy.startswith("mixed_"):
        return {"class_name": "Policy", "config": {"name": policy}}
    return policy


def _initializer(value):
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict):
        return value
    config = {k: v for k, v in value["config"].items()
              if not (k in _INITIALIZER_KERAS3_ONLY and v == _INITIALIZER_KERAS3_ONLY[k])}
    return {**value, "config": config}


def _mirrors(forward, backward) -> bool:
    """Whether ``backward`` is the layer Bidirectional builds from ``forward`` by itself."""
    if not (isinstance(forward, dict) and isinstance(backward, dict)):
        return backward is None
    if forward.get("class_name") != backward.get("class_name"):
        return False
    a, b = dict(forward.get("config") or {}), dict(backward.get("config") or {})
    for c in (a, b):
        c.pop("name", None)
    return b.pop("go_backwards", None) == (not a.pop("go_backwards", False)) and a == b
