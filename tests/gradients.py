"""Gradient parity with Keras: the same layer, the same weights, the same input, the same loss;
sloi's gradients with respect to the input and to every trainable weight must be Keras's
(torch backend) to ``atol``."""

from __future__ import annotations

import numpy as np
import torch


def _first(out):
    return out[0] if isinstance(out, (list, tuple)) else out


def assert_gradients_match_keras(layer_cls, keras_layer_cls, kwargs, x, atol=1e-5, **call_kwargs):
    """Build both layers on ``x``, copy sloi's weights into Keras's (randomised a little so that
    zero biases do not hide a bias bug), and compare the gradients of ``sum(out * w)`` (``w`` a
    fixed ramp, so that every output position matters differently)."""
    ours, theirs = layer_cls(**kwargs), keras_layer_cls(**kwargs)
    ours(x, **call_kwargs)
    theirs(x, **call_kwargs)
    rng = np.random.default_rng(1)
    weights = [w + 0.1 * rng.standard_normal(w.shape).astype(w.dtype) for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    grads = []
    for layer, params in ((ours, list(ours.trainable_weights)),
                          (theirs, [v.value for v in theirs.trainable_weights])):
        xt = torch.tensor(x, requires_grad=True)
        out = _first(layer(xt, **call_kwargs))
        ramp = torch.linspace(-1.0, 1.0, out.numel()).reshape(out.shape)
        grads.append(torch.autograd.grad((out * ramp).sum(), [xt, *params]))
    assert len(grads[0]) == len(grads[1]) > 1
    for g, h in zip(*grads):
        np.testing.assert_allclose(g.detach().numpy(), h.detach().numpy(), atol=atol, rtol=1e-4)
