"""``FeatureSpace``: one-call preprocessing of structured (tabular) data, as
``keras.utils.FeatureSpace``.

```python
feature_space = FeatureSpace(
    features={
        "age": "float_normalized",
        "fare": FeatureSpace.float_discretized(num_bins=4),
        "sex": "string_categorical",
        "pclass": "integer_categorical",
        "ticket": FeatureSpace.string_hashed(num_bins=16),
    },
    crosses=[("sex", "pclass")],
    crossing_dim=8,
    output_mode="concat",
)
feature_space.adapt({"age": ages, "fare": fares, ...})   # a dict of arrays / lists
x = feature_space({"age": ages, "fare": fares, ...})     # float32 (batch, width)
```

Every feature is a column of a dict. As in Keras, each feature's preprocessor is one of
sloi's preprocessing layers (``Identity``, ``Rescaling``, ``Normalization``,
``Discretization``, ``IntegerLookup``, ``StringLookup``, ``Hashing``), crosses are
``HashedCrossing`` layers over the preprocessed values, ``output_mode="one_hot"`` features
go through ``CategoryEncoding``, and ``output_mode="concat"`` concatenates the features in
sorted name order, crosses after them. So hashed features and crosses land in Keras's
(TensorFlow FarmHash) bins, and the adapted vocabularies and quantiles are Keras's.

Differences from Keras: no ``tf.data``: ``adapt`` takes a dict of arrays (read in batches of
32, as Keras batches it) or an iterable of such dicts (the batches as given, as Keras reads
a batched ``tf.data.Dataset``). Strings are numpy arrays, not tensors, so ``get_inputs`` /
``get_encoded_features`` (the symbolic graph) work for feature spaces without string
features. ``float_discretized(num_bins, bin_boundaries=...)`` uses the given boundaries
(Keras passes both arguments to ``Discretization``, which refuses them). ``get_config`` of an
adapted feature space carries what was learned (vocabularies, bin boundaries, and the
normalization statistics as ``Normalization(mean=, variance=)``), so ``from_config`` gives a
ready feature space; Keras keeps the statistics in the ``.keras`` file's weights instead.
"""

from __future__ import annotations

import numpy as np
import torch

from sloi.engine.input_layer import Input
from sloi.layers.core.identity import Identity
from sloi.layers.merging.concatenate import Concatenate
from sloi.layers.preprocessing import (
    CategoryEncoding,
    Discretization,
    HashedCrossing,
    Hashing,
    IntegerLookup,
    Normalization,
    Rescaling,
    StringLookup,
    TextVectorization,
)
from sloi.saving import custom_object_scope, deserialize_keras_object, serialize_keras_object

ADAPT_BATCH_SIZE = 32  # Keras's FeatureSpace adapts each preprocessor over batches of 32


# ---------------------------------------------------------------------------- specs
class Cross:
    """A crossing of features: their preprocessed values hashed together into
    ``crossing_dim`` bins (a ``HashedCrossing`` layer)."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"Cross: output_mode must be 'int' or 'one_hot'; got "
                             f"output_mode={output_mode!r}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self) -> str:
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature: its input dtype (``"float32"``, ``"int32"`` or ``"string"``), its
    preprocessor (a layer, or its serialized config) and ``output_mode`` (``"float"``,
    ``"int"`` or ``"one_hot"``)."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in ("int", "one_hot", "float"):
            raise ValueError(f"Feature: output_mode must be 'int', 'one_hot' or 'float'; got "
                             f"output_mode={output_mode!r}")
        if isinstance(preprocessor, dict) and preprocessor.get("class_name") == "TFDIdentity":
            # Keras's "float" preprocessor, a pass-through layer of its FeatureSpace module
            preprocessor = Identity(name=preprocessor.get("config", {}).get("name"))
        elif isinstance(preprocessor, dict):
            preprocessor = deserialize_keras_object(preprocessor)
        self.dtype = dtype
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype, "preprocessor": serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """``custom_objects`` holds the classes of user-written preprocessor layers (registered
        ones are found without it)."""
        with custom_object_scope(custom_objects):
            return cls(**config)


_SPECS = {"Cross": Cross, "Feature": Feature}


def _spec_from_dict(value, where):
    """A ``Feature`` / ``Cross`` from its serialized form (``{"class_name", "config"}``, as
    ``serialize`` writes it, or the bare config)."""
    if "class_name" in value:
        if value["class_name"] not in _SPECS:
            raise ValueError(f"FeatureSpace: {where} is a serialized "
                             f"{value['class_name']!r}; expected one of {sorted(_SPECS)}")
        return _SPECS[value["class_name"]].from_config(value["config"])
    return (Cross if "feature_names" in value else Feature).from_config(value)


def _serialize(spec):
    return {"module": "keras.src.layers.preprocessing.feature_space",
            "class_name": type(spec).__name__, "config": spec.get_config(),
            "registered_name": type(spec).__name__}


def _preprocessor_name(name):
    return None if name is None else f"{name}_preprocessor"


# ---------------------------------------------------------------------------- FeatureSpace
_FEATURE_TYPES = ("float", "float_normalized", "float_rescaled", "float_discretized",
                  "integer_categorical", "string_categorical", "integer_hashed",
                  "string_hashed")


class FeatureSpace:
    """Preprocesses a dict of feature columns into one float32 tensor (``"concat"``) or a
    dict of tensors (``"dict"``).

    Args:
        features: ``{name: feature}``, a feature being one of the type names
            ``"float"``, ``"float_normalized"``, ``"float_rescaled"``,
            ``"float_discretized"``, ``"integer_categorical"``, ``"string_categorical"``,
            ``"integer_hashed"``, ``"string_hashed"``, or a ``FeatureSpace.<type>(...)``
            object for non-default arguments (or ``FeatureSpace.feature(dtype,
            preprocessor, output_mode)`` around any layer).
        output_mode: ``"concat"`` or ``"dict"``.
        crosses: tuples of feature names to cross (or ``FeatureSpace.cross(...)`` objects).
        crossing_dim: the number of bins of a cross given as a tuple.
        hashing_dim: the number of bins of ``"*_hashed"`` features given by name.
        num_discretization_bins: the number of bins of ``"float_discretized"`` given by name.
        name: a name (kept for Keras's signature).

    Call arguments:
        data: a dict with an entry for every feature: an array, list, tensor or scalar (one
            value per sample). A scalar per feature gives outputs without the batch axis.
    """

    # ---- the feature constructors (Keras's classmethods)
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        return Feature("float32", Identity(name=_preprocessor_name(name)), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        preprocessor = Rescaling(scale=scale, offset=offset, name=_preprocessor_name(name))
        return Feature("float32", preprocessor, "float")

    @classmethod
    def float_normalized(cls, name=None):
        preprocessor = Normalization(axis=-1, name=_preprocessor_name(name))
        return Feature("float32", preprocessor, "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot",
                          name=None):
        if bin_boundaries is not None:
            if num_bins is not None and num_bins != len(bin_boundaries) + 1:
                raise ValueError(f"float_discretized: {len(bin_boundaries)} bin_boundaries "
                                 f"make {len(bin_boundaries) + 1} bins; got num_bins={num_bins}")
            num_bins = None  # Discretization takes one or the other
        preprocessor = Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                      name=_preprocessor_name(name))
        return Feature("float32", preprocessor, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        preprocessor = IntegerLookup(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                                     name=_preprocessor_name(name))
        return Feature("int32", preprocessor, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        preprocessor = StringLookup(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                                    name=_preprocessor_name(name))
        return Feature("string", preprocessor, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        return Feature("string", Hashing(num_bins=num_bins, name=_preprocessor_name(name)),
                       output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        return Feature("int32", Hashing(num_bins=num_bins, name=_preprocessor_name(name)),
                       output_mode)

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None):
        if not features:
            raise ValueError("FeatureSpace: the features argument cannot be None or empty")
        if output_mode not in ("dict", "concat"):
            raise ValueError(f"FeatureSpace: output_mode must be 'dict' or 'concat'; got "
                             f"output_mode={output_mode!r}")
        self.name = name or "feature_space"
        self.output_mode = output_mode
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {n: self._standardize_feature(n, f) for n, f in features.items()}
        self.crosses = []
        for cross in crosses or ():
            if isinstance(cross, dict):
                cross = _spec_from_dict(cross, "a cross")
            if not isinstance(cross, Cross):
                if not crossing_dim:
                    raise ValueError("FeatureSpace: crosses need crossing_dim, the number of "
                                     "bins of the crossing space")
                unknown = [n for n in cross if n not in self.features]
                if unknown:
                    raise ValueError(f"FeatureSpace: the crosses name unknown features "
                                     f"{unknown}; features: {sorted(self.features)}")
                cross = Cross(cross, crossing_dim=crossing_dim)
            self.crosses.append(cross)
        self.crosses_by_name = {c.name: c for c in self.crosses}
        self.preprocessors = {n: f.preprocessor for n, f in self.features.items()}
        self.crossers = {c.name: HashedCrossing(c.crossing_dim, name=c.name)
                         for c in self.crosses}
        self.one_hot_encoders = {}  # made once the cardinalities are known (after adapt)
        self.concat = Concatenate(axis=-1)
        self.inputs = None
        self.encoded_features = None
        self._is_adapted = not self._adaptable_preprocessors()

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _spec_from_dict(feature, f"feature {name!r}")
        if feature == "float_discretized":
            return self.float_discretized(num_bins=self.num_discretization_bins, name=name)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        if feature in _FEATURE_TYPES:
            return getattr(self, feature)(name=name)
        raise ValueError(f"FeatureSpace: invalid feature type {feature!r} for feature "
                         f"{name!r}; expected a Feature or one of {list(_FEATURE_TYPES)}")

    def _adaptable_preprocessors(self):
        """The features whose preprocessor still has something to learn (as Keras: all with
        an ``adapt`` method, but a Normalization given its statistics and lookups / text
        vectorizations given their vocabulary)."""
        names = []
        for name, preprocessor in self.preprocessors.items():
            if isinstance(preprocessor, Normalization) and preprocessor.input_mean is not None:
                continue
            if isinstance(preprocessor, Discretization) and preprocessor.num_bins is None:
                continue  # given its bin_boundaries (Discretization's adapt refuses)
            if isinstance(preprocessor, (IntegerLookup, StringLookup, TextVectorization)) and (
                    preprocessor.get_config()["has_input_vocabulary"]):
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    # ------------------------------------------------------------------ adapt
    def adapt(self, dataset):
        """Learns what the preprocessors need (means, variances, quantiles, vocabularies)
        from ``dataset``: a dict of arrays / lists (one value per sample), read in batches of
        32 as Keras reads it, or an iterable of such dicts (batches, read as given)."""
        batches = self._feature_batches(dataset)
        for name in self._adaptable_preprocessors():
            if name not in batches:
                raise ValueError(f"FeatureSpace.adapt: the data has no feature {name!r}; got "
                                 f"{sorted(batches)}")
            dtype = self.features[name].dtype
            # batches of (batch, 1) columns, as Keras feeds them, so Normalization keeps one
            # statistic (a generator: a list would be one batch to the lookups)
            self.preprocessors[name].adapt(_column(b.reshape(-1, 1), dtype)
                                           for b in batches[name])
        self._is_adapted = True
        self.one_hot_encoders = {}
        self.encoded_features = None

    @staticmethod
    def _feature_batches(dataset):
        """``{name: [batch, ...]}``, each batch a numpy array of one value per sample."""
        if isinstance(dataset, dict):
            columns = {k: _as_array(v).reshape(-1) for k, v in dataset.items()}
            return {k: [v[i:i + ADAPT_BATCH_SIZE] for i in range(0, len(v), ADAPT_BATCH_SIZE)]
                    for k, v in columns.items()}
        if isinstance(dataset, (str, bytes)) or not hasattr(dataset, "__iter__"):
            raise ValueError("FeatureSpace.adapt takes a dict of arrays / lists or an iterable "
                             f"of such dicts; got {type(dataset).__name__}")
        batches = {}
        for batch in dataset:
            if not isinstance(batch, dict):
                raise ValueError("FeatureSpace.adapt: an iterable must yield dicts of arrays; "
                                 f"got a {type(batch).__name__}")
            for k, v in batch.items():
                batches.setdefault(k, []).append(_as_array(v).reshape(-1))
        return batches

    def _check_if_adapted(self):
        if not self._is_adapted:
            raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before "
                             "you can start using it.")

    # ------------------------------------------------------------------ the steps
    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in self.features}

    def _cross_features(self, features):
        return {c.name: self.crossers[c.name]([features[n] for n in c.feature_names])
                for c in self.crosses}

    def _merge_features(self, preprocessed, crossed):
        outputs = {}
        for name in sorted(preprocessed):
            outputs[name] = self._encode(name, self.features[name], preprocessed[name])
        for name in sorted(crossed):
            outputs[name] = self._encode(name, self.crosses_by_name[name], crossed[name])
        if self.output_mode == "dict":
            return outputs
        for name, value in outputs.items():
            if not value.dtype.is_floating_point:
                raise ValueError(f"FeatureSpace: cannot concatenate features because feature "
                                 f"{name!r} has not been encoded (it has dtype {value.dtype})."
                                 " Use output_mode='dict' or a one-hot feature.")
        return self.concat(list(outputs.values()))

    def _encode(self, name, spec, values):
        """One-hot: Keras's multi-hot ``CategoryEncoding`` of the one index per sample."""
        if spec.output_mode != "one_hot":
            return values
        if values.dtype.is_floating_point or values.dtype == torch.bool:
            raise ValueError(f"Feature {name!r} has output_mode='one_hot', so its "
                             f"preprocessor must return integers; it returns {values.dtype}")
        if name not in self.one_hot_encoders:
            self.one_hot_encoders[name] = CategoryEncoding(
                num_tokens=self._cardinality(name), output_mode="multi_hot")
        return self.one_hot_encoders[name](values)

    def _cardinality(self, name):
        preprocessor = self.preprocessors.get(name) or self.crossers.get(name)
        if isinstance(preprocessor, (IntegerLookup, StringLookup)):
            return preprocessor.vocabulary_size()
        if isinstance(preprocessor, CategoryEncoding):
            return preprocessor.num_tokens
        if isinstance(preprocessor, Discretization):
            return (preprocessor.num_bins if preprocessor.num_bins is not None
                    else len(preprocessor.bin_boundaries) + 1)
        if isinstance(preprocessor, (Hashing, HashedCrossing)):
            return preprocessor.num_bins
        raise ValueError(f"Feature {name!r} has output_mode='one_hot', but the size of its "
                         "output space is not known; use output_mode='int'")

    # ------------------------------------------------------------------ calling
    def __call__(self, data):
        """``data`` (a dict of arrays / lists / scalars, one entry per feature) preprocessed:
        a float32 tensor ``(batch, width)`` (``"concat"``) or a dict of tensors."""
        if not isinstance(data, dict):
            raise ValueError(f"FeatureSpace can only be called with a dict; got "
                             f"{type(data).__name__}")
        self._check_if_adapted()
        missing = [n for n in self.features if n not in data]
        if missing:
            raise ValueError(f"FeatureSpace: the data has no features {missing}; got "
                             f"{sorted(data)}")
        columns, single = {}, False
        for name, feature in self.features.items():
            x = _as_array(data[name])
            if x.ndim == 0:
                x, single = x.reshape(1, 1), True
            elif x.ndim == 1:
                x = x[:, None]
            columns[name] = _column(x, feature.dtype)
        preprocessed = self._preprocess_features(columns)
        merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if not single:
            return merged
        if self.output_mode == "concat":
            return merged[0]
        return {n: v[0] if v.ndim == 2 and v.shape[0] == 1 else v for n, v in merged.items()}

    # ------------------------------------------------------------------ the symbolic graph
    def get_inputs(self):
        """``{name: Input(shape=(1,), dtype=...)}``: the inputs of the graph
        ``get_encoded_features`` builds. Only for feature spaces without string features
        (sloi has no string tensors)."""
        self._check_if_adapted()
        if self.inputs is None:
            strings = sorted(n for n, f in self.features.items() if f.dtype == "string")
            if strings:
                raise ValueError(
                    f"FeatureSpace: features {strings} are strings, which torch tensors cannot "
                    "hold, so they have no symbolic Input; call the FeatureSpace on the data "
                    "instead (x = feature_space(data)) and feed its output to the model")
            self.inputs = {n: Input(shape=(1,), dtype=f.dtype, name=n)
                           for n, f in self.features.items()}
        return self.inputs

    def get_encoded_features(self):
        """The encoded features of ``get_inputs()``, as symbolic tensors: ``Model(inputs=
        feature_space.get_inputs(), outputs=...)`` preprocesses inside the model."""
        if self.encoded_features is None:
            inputs = self.get_inputs()
            preprocessed = self._preprocess_features(inputs)
            self.encoded_features = self._merge_features(
                preprocessed, self._cross_features(preprocessed))
        return self.encoded_features

    # ------------------------------------------------------------------ config
    def get_config(self):
        """Keras's keys. Adapted preprocessors carry what they learned: the lookups their
        vocabulary, Discretization its bin boundaries, Normalization its statistics as
        ``mean`` and ``variance``."""
        features = {}
        for name, feature in self.features.items():
            serialized = _serialize(feature)
            preprocessor = feature.preprocessor
            if (self._is_adapted and isinstance(preprocessor, Normalization)
                    and preprocessor.input_mean is None and preprocessor.built):
                layer_config = serialized["config"]["preprocessor"]["config"]
                layer_config["mean"] = preprocessor.adapt_mean.detach().cpu().tolist()
                layer_config["variance"] = preprocessor.adapt_variance.detach().cpu().tolist()
            features[name] = serialized
        return {
            "features": features,
            "output_mode": self.output_mode,
            "crosses": [_serialize(c) for c in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A FeatureSpace of the same features; ready to use when the configured one was
        adapted (its preprocessors' configs carry what they learned). ``custom_objects``
        holds the classes of user-written preprocessor layers (registered ones are found
        without it)."""
        with custom_object_scope(custom_objects):
            space = cls(**config)
        if all(_has_learned(space.preprocessors[n]) for n in space._adaptable_preprocessors()):
            space._is_adapted = True
        return space


def _has_learned(preprocessor):
    """Whether an adaptable preprocessor rebuilt from a config already has its state."""
    if isinstance(preprocessor, Discretization):
        return preprocessor.bin_boundaries is not None
    if isinstance(preprocessor, (IntegerLookup, StringLookup, TextVectorization)):
        return bool(preprocessor.get_vocabulary(include_special_tokens=False))
    return False


def _column(x, dtype):
    """One feature's values as its preprocessor takes them: strings as a numpy array,
    numbers as a tensor of the feature's dtype (integers keep theirs)."""
    if dtype == "string":
        return x
    tensor = torch.as_tensor(x)
    if dtype == "float32":
        return tensor.to(torch.float32)
    return tensor


def _as_array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)
