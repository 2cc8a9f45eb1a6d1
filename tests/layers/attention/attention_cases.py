"""Helpers shared by the attention layer tests: a sloi layer and its Keras twin with the same
random weights, and the comparison of their outputs."""

from __future__ import annotations

import keras
import numpy as np


def keras_pair(layer_cls, keras_cls, kwargs, *inputs, rng, scale=1.0):
    """``layer_cls(**kwargs)`` and ``keras_cls(**kwargs)``, both built by a call on
    ``inputs``, given the same weights drawn from ``rng`` (times ``scale``)."""
    ours, theirs = layer_cls(**kwargs), keras_cls(**kwargs)
    ours(*inputs)
    theirs(*inputs)
    weights = [rng.standard_normal(w.shape).astype("float32") * scale
               for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


def assert_same(ours, theirs, atol=1e-5):
    """Outputs (one, or a list / tuple) of sloi and Keras: same count, shapes and values."""
    ours = ours if isinstance(ours, (list, tuple)) else [ours]
    theirs = theirs if isinstance(theirs, (list, tuple)) else [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        b = keras.ops.convert_to_numpy(b)
        assert tuple(a.shape) == b.shape
        np.testing.assert_allclose(a.detach().numpy(), b, atol=atol, rtol=1e-5)
