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

Every feature is a column of a dict: the preprocessor turns it into floats (``float*``) or
integer indices (categorical, hashed, discretized), the indices are one-hot encoded
(``output_mode="one_hot"``, the default) or kept (``"int"``), crosses hash the pairs of
preprocessed values into ``crossing_dim`` bins, and ``output_mode="concat"`` concatenates the
features in sorted name order, crosses after them.

The preprocessors are small numpy objects in this file (sloi's preprocessing layers are not all
written yet); they follow Keras's Normalization, Discretization (its quantile summaries, over
batches of 32 as Keras's FeatureSpace adapts), StringLookup / IntegerLookup (vocabulary by
falling frequency, ties by falling value, index 0 for out-of-vocabulary) and Rescaling.
Differences from Keras, by design: hashing (``*_hashed`` features and crosses) uses a stable
64-bit BLAKE2 hash instead of TensorFlow's FarmHash, so the bins differ from Keras's; sloi's
FeatureSpace runs eagerly on arrays (no ``get_inputs`` / ``get_encoded_features`` symbolic
graph, no ``tf.data``), and ``adapt`` takes a dict of arrays or an iterable of such dicts.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np
import torch

from sloi import settings

_ADAPT_BATCH = 32  # Keras's FeatureSpace adapts each preprocessor over batches of 32


# ---------------------------------------------------------------------------- specs
class Cross:
    """A crossing of features: their preprocessed values hashed together into
    ``crossing_dim`` bins."""

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
    """One feature: its input dtype, its preprocessor, and ``output_mode`` (``"float"``,
    ``"int"`` or ``"one_hot"``)."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in ("int", "one_hot", "float"):
            raise ValueError(f"Feature: output_mode must be 'int', 'one_hot' or 'float'; got "
                             f"output_mode={output_mode!r}")
        self.dtype = dtype
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype, "output_mode": self.output_mode,
                "preprocessor": {"class_name": type(self.preprocessor).__name__,
                                 "config": self.preprocessor.get_config()}}

    @classmethod
    def from_config(cls, config):
        spec = config["preprocessor"]
        kinds = {k.__name__: k for k in (Identity, Rescaling, Normalization, Discretization,
                                         Lookup, Hashing)}
        if spec["class_name"] not in kinds:
            raise ValueError(f"Feature.from_config: unknown preprocessor {spec['class_name']!r};"
                             f" known: {sorted(kinds)}")
        return cls(config["dtype"], kinds[spec["class_name"]](**spec["config"]),
                   config["output_mode"])


# ---------------------------------------------------------------------------- preprocessors
class Identity:
    """The float column as it is."""

    adaptable = False

    def __call__(self, x):
        return x.astype("float32")

    def get_config(self):
        return {}


class Rescaling:
    """``x * scale + offset`` (Keras's Rescaling)."""

    adaptable = False

    def __init__(self, scale=1.0, offset=0.0):
        self.scale, self.offset = scale, offset

    def __call__(self, x):
        return (x.astype("float32") * np.float32(self.scale) + np.float32(self.offset))

    def get_config(self):
        return {"scale": self.scale, "offset": self.offset}


class Normalization:
    """``(x - mean) / max(sqrt(variance), epsilon)`` with the mean and (population) variance
    of the adapted data (Keras's Normalization)."""

    adaptable = True

    def __init__(self):
        self.mean = self.variance = None

    def adapt(self, values):
        values = np.asarray(values, dtype="float64").reshape(-1)
        self.mean = np.float32(values.mean())
        self.variance = np.float32(values.var())

    def __call__(self, x):
        std = np.maximum(np.sqrt(self.variance), np.float32(settings.epsilon()))
        return ((x.astype("float32") - self.mean) / std).astype("float32")

    def get_config(self):
        return {}


class Discretization:
    """The index of the bin each value falls in (``np.digitize``): bins from
    ``bin_boundaries`` or from the quantiles of the adapted data, summarized as Keras's
    Discretization summarizes them (``epsilon=0.01``)."""

    adaptable = True
    epsilon = 0.01

    def __init__(self, num_bins=None, bin_boundaries=None):
        if num_bins is None and bin_boundaries is None:
            raise ValueError("float_discretized: give num_bins or bin_boundaries")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins = len(self.bin_boundaries) + 1 if bin_boundaries is not None else num_bins
        self.adaptable = bin_boundaries is None

    def adapt(self, values):
        values = np.asarray(values, dtype="float32").reshape(-1)
        summary = np.zeros((2, 0), dtype="float32")
        for start in range(0, len(values), _ADAPT_BATCH):
            batch = _summarize(values[start:start + _ADAPT_BATCH], self.epsilon)
            merged = np.concatenate((batch, summary), axis=1)
            summary = _compress(np.take(merged, np.argsort(merged[0]), axis=1), self.epsilon)
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def __call__(self, x):
        return np.digitize(x.astype("float32"), np.asarray(self.bin_boundaries, "float32"))

    def get_config(self):
        return {"num_bins": self.num_bins,
                "bin_boundaries": None if self.adaptable else self.bin_boundaries}


def _summarize(values, epsilon):
    """Every ``len / (1 / epsilon)``-th sorted value with its weight (Keras's summary)."""
    values = np.sort(values)
    step = max(len(values) / (1.0 / epsilon), 1)
    points = values[int(step - 1)::int(step)]
    return np.stack([points, np.ones_like(points) * step])


def _compress(summary, epsilon):
    """The summary re-cut at the cumulative-weight fractions ``epsilon, 2 epsilon, ...``."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    fraction = cum / cum[-1]
    bins = np.interp(percents, fraction, summary[0])
    cum = np.interp(percents, fraction, cum)
    return np.stack((bins, cum - np.concatenate(([0], cum[:-1])))).astype("float32")


class Lookup:
    """Each value's index in the adapted vocabulary (``kind`` ``"string"`` or ``"int"``):
    out-of-vocabulary values get index 0 (``num_oov_indices=1``), known ones 1, 2, ... in
    order of falling frequency, ties by falling value (Keras's StringLookup / IntegerLookup
    order). ``max_tokens`` caps the vocabulary, the out-of-vocabulary index included."""

    adaptable = True

    def __init__(self, kind, max_tokens=None, num_oov_indices=1):
        if num_oov_indices not in (0, 1):
            raise ValueError(f"{kind}_categorical: sloi supports num_oov_indices 0 or 1; got "
                             f"num_oov_indices={num_oov_indices!r}")
        self.kind, self.max_tokens, self.num_oov_indices = kind, max_tokens, num_oov_indices
        self.vocabulary = None

    def adapt(self, values):
        counts = Counter(_tokens(values, self.kind))
        ordered = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens is not None:
            ordered = ordered[:max(self.max_tokens - self.num_oov_indices, 0)]
        self.vocabulary = [token for token, _ in ordered]

    def vocabulary_size(self) -> int:
        return self.num_oov_indices + len(self.vocabulary)

    def __call__(self, x):
        index = {token: i + self.num_oov_indices for i, token in enumerate(self.vocabulary)}
        tokens = _tokens(x, self.kind)
        if self.num_oov_indices == 0:
            unknown = sorted({t for t in tokens if t not in index}, key=str)
            if unknown:
                raise ValueError(f"{self.kind}_categorical: values {unknown[:5]} are not in the "
                                 "vocabulary and num_oov_indices=0")
        out = np.array([index.get(t, 0) for t in tokens], dtype="int64")
        return out.reshape(np.shape(x))

    def get_config(self):
        return {"kind": self.kind, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices}


def _tokens(values, kind):
    flat = np.asarray(values).reshape(-1)
    if kind == "string":
        return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in flat]
    return [int(v) for v in flat]


class Hashing:
    """A stable hash of each value into ``num_bins`` bins (not Keras's FarmHash)."""

    adaptable = False

    def __init__(self, num_bins):
        self.num_bins = num_bins

    def __call__(self, x):
        flat = np.asarray(x).reshape(-1)
        out = np.array([stable_hash((_key(v),), self.num_bins) for v in flat], dtype="int64")
        return out.reshape(np.shape(x))

    def get_config(self):
        return {"num_bins": self.num_bins}


def _key(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (np.integer, int)):
        return int(value)
    return str(value)


def stable_hash(parts, num_bins) -> int:
    """The bin of a tuple of values: the same in every process (Python's ``hash`` of a
    string is salted per process)."""
    text = "\x1f".join(f"{type(p).__name__}:{p}" for p in parts).encode("utf-8")
    digest = hashlib.blake2b(text, digest_size=8).digest()
    return int.from_bytes(digest, "little") % num_bins


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
            object for non-default arguments.
        output_mode: ``"concat"`` or ``"dict"``.
        crosses: tuples of feature names to cross (or ``FeatureSpace.cross(...)`` objects).
        crossing_dim: the number of bins of a cross given as a tuple.
        hashing_dim: the number of bins of ``"*_hashed"`` features given by name.
        num_discretization_bins: the number of bins of ``"float_discretized"`` given by name.
        name: a name (kept for Keras's signature).
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
        return Feature("float32", Identity(), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        return Feature("float32", Rescaling(scale, offset), "float")

    @classmethod
    def float_normalized(cls, name=None):
        return Feature("float32", Normalization(), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot",
                          name=None):
        return Feature("float32", Discretization(num_bins, bin_boundaries), output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        return Feature("int32", Lookup("int", max_tokens, num_oov_indices), output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        return Feature("string", Lookup("string", max_tokens, num_oov_indices), output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        return Feature("string", Hashing(num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        return Feature("int32", Hashing(num_bins), output_mode)

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
                cross = Cross.from_config(cross)
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
        self._is_adapted = not self._adaptable()

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return Feature.from_config(feature)
        if feature == "float_discretized":
            return self.float_discretized(num_bins=self.num_discretization_bins, name=name)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        if feature in _FEATURE_TYPES:
            return getattr(self, feature)(name=name)
        raise ValueError(f"FeatureSpace: invalid feature type {feature!r} for feature "
                         f"{name!r}; expected a Feature or one of {list(_FEATURE_TYPES)}")

    def _adaptable(self):
        return [n for n, p in self.preprocessors.items() if p.adaptable]

    def adapt(self, dataset):
        """Learns what the preprocessors need (means, variances, quantiles, vocabularies)
        from ``dataset``: a dict of arrays / lists (one value per sample), or an iterable
        of such dicts (batches)."""
        columns = self._columns(dataset)
        for name in self._adaptable():
            if name not in columns:
                raise ValueError(f"FeatureSpace.adapt: the data has no feature {name!r}; got "
                                 f"{sorted(columns)}")
            self.preprocessors[name].adapt(columns[name])
        self._is_adapted = True

    @staticmethod
    def _columns(dataset):
        if isinstance(dataset, dict):
            return {k: _as_array(v) for k, v in dataset.items()}
        if isinstance(dataset, (str, bytes)) or not hasattr(dataset, "__iter__"):
            raise ValueError("FeatureSpace.adapt takes a dict of arrays / lists or an iterable "
                             f"of such dicts; got {type(dataset).__name__}")
        parts = {}
        for batch in dataset:
            if not isinstance(batch, dict):
                raise ValueError("FeatureSpace.adapt: an iterable must yield dicts of arrays; "
                                 f"got a {type(batch).__name__}")
            for k, v in batch.items():
                parts.setdefault(k, []).append(_as_array(v).reshape(-1))
        return {k: np.concatenate(v) for k, v in parts.items()}

    def __call__(self, data):
        """``data`` (a dict of arrays / lists / scalars, one entry per feature) preprocessed:
        a float32 tensor ``(batch, width)`` (``"concat"``) or a dict of tensors."""
        if not isinstance(data, dict):
            raise ValueError(f"FeatureSpace can only be called with a dict; got "
                             f"{type(data).__name__}")
        if not self._is_adapted:
            raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before "
                             "you can start using it.")
        missing = [n for n in self.features if n not in data]
        if missing:
            raise ValueError(f"FeatureSpace: the data has no features {missing}; got "
                             f"{sorted(data)}")
        columns, single = {}, False
        for name in self.features:
            x = _as_array(data[name])
            if x.ndim == 0:
                x, single = x.reshape(1, 1), True
            elif x.ndim == 1:
                x = x[:, None]
            columns[name] = x
        preprocessed = {n: self.preprocessors[n](columns[n]) for n in self.features}
        crossed = {c.name: np.array([stable_hash(tuple(_key(v) for v in row), c.crossing_dim)
                                     for row in zip(*(preprocessed[n].reshape(-1)
                                                      for n in c.feature_names))],
                                    dtype="int64").reshape(-1, 1)
                   for c in self.crosses}
        outputs = {}
        for name in sorted(preprocessed):
            outputs[name] = self._encode(name, self.features[name], preprocessed[name])
        for name in sorted(crossed):
            cross = self.crosses_by_name[name]
            outputs[name] = self._encode(name, cross, crossed[name], cross.crossing_dim)
        if self.output_mode == "dict":
            result = {n: torch.from_numpy(np.ascontiguousarray(v)) for n, v in outputs.items()}
            if single:
                result = {n: v[0] if v.ndim == 2 and v.shape[0] == 1 else v
                          for n, v in result.items()}
            return result
        for name, value in outputs.items():
            if value.dtype.kind in "iuOSU":
                raise ValueError(f"FeatureSpace: cannot concatenate features because feature "
                                 f"{name!r} has not been encoded (it has dtype {value.dtype}). "
                                 "Use output_mode='dict' or a one-hot feature.")
        merged = torch.from_numpy(np.concatenate(list(outputs.values()), axis=-1))
        return merged[0] if single else merged

    def _encode(self, name, spec, values, cardinality=None):
        """One-hot (Keras's multi-hot CategoryEncoding of the one index) or as it is."""
        if spec.output_mode != "one_hot":
            return values
        if values.dtype.kind not in "iu":
            raise ValueError(f"Feature {name!r} has output_mode='one_hot', so its "
                             f"preprocessor must return integers; it returns {values.dtype}")
        if cardinality is None:
            cardinality = self._cardinality(name)
        encoded = np.zeros((len(values), cardinality), dtype="float32")
        rows = np.repeat(np.arange(len(values)), values.shape[1])
        flat = values.reshape(-1)
        if flat.size and (flat.min() < 0 or flat.max() >= cardinality):
            raise ValueError(f"Feature {name!r}: indices must be in [0, {cardinality}); got "
                             f"values from {flat.min()} to {flat.max()}")
        encoded[rows, flat] = 1.0
        return encoded

    def _cardinality(self, name):
        preprocessor = self.preprocessors[name]
        if isinstance(preprocessor, Lookup):
            return preprocessor.vocabulary_size()
        if isinstance(preprocessor, (Discretization, Hashing)):
            return preprocessor.num_bins
        raise ValueError(f"Feature {name!r} has output_mode='one_hot', but the size of its "
                         "output space is not known; use output_mode='int'")

    def get_config(self):
        return {
            "features": {n: f.get_config() for n, f in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [c.get_config() for c in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        """A FeatureSpace of the same features; not adapted (adapt it again)."""
        return cls(**config)


def _as_array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)
