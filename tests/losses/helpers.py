"""Shared inputs and comparison for the loss tests: the same numbers go to sloi and to Keras."""

import numpy as np
import torch

ATOL = 1e-6


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_close(ours, theirs, atol=ATOL, rtol=1e-6):
    ours, theirs = to_numpy(ours), to_numpy(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, atol=atol, rtol=rtol)


def rng(seed=0):
    return np.random.default_rng(seed)


def probs(shape, seed=0, exact_ends=True):
    """Probabilities in (0, 1), with a few exact 0s and 1s to exercise the clipping."""
    p = rng(seed).uniform(0.0, 1.0, size=shape).astype("float32")
    if exact_ends:
        flat = p.reshape(-1)
        flat[::7] = 0.0
        flat[3::11] = 1.0
    return p


def class_probs(shape, seed=0):
    """Rows of positive numbers along the last axis, not normalised (Keras rescales them)."""
    return rng(seed).uniform(0.05, 1.0, size=shape).astype("float32")


def logits(shape, seed=0, scale=3.0):
    return (rng(seed).standard_normal(shape) * scale).astype("float32")


def binary_labels(shape, seed=0):
    return rng(seed + 100).integers(0, 2, size=shape).astype("float32")


def one_hot(shape, seed=0):
    idx = rng(seed + 100).integers(0, shape[-1], size=shape[:-1])
    return np.eye(shape[-1], dtype="float32")[idx]


def sparse_labels(shape, classes, seed=0):
    return rng(seed + 100).integers(0, classes, size=shape).astype("int64")


def sample_weights(shape, seed=0):
    """Weights with a zero and a large value among them."""
    w = rng(seed + 200).uniform(0.0, 2.0, size=shape).astype("float32")
    w.reshape(-1)[0] = 0.0
    w.reshape(-1)[-1] = 3.0
    return w


REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]


def check_class(name, kwargs, y_true, y_pred, weights=(None,), reductions=REDUCTIONS):
    """sloi.losses.<name>(**kwargs) against keras.losses.<name>(**kwargs) for every reduction
    and every sample weight in `weights`."""
    import keras

    import sloi.losses

    for reduction in reductions:
        for weight in weights:
            ours = getattr(sloi.losses, name)(reduction=reduction, **kwargs)
            theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
            got = ours(torch.tensor(y_true), torch.tensor(y_pred), sample_weight=weight)
            want = theirs(y_true, y_pred, sample_weight=weight)
            assert isinstance(got, torch.Tensor)
            assert_close(got, want)


def check_function(name, kwargs, y_true, y_pred):
    """The function form sloi.losses.<name> against keras.losses.<name>."""
    import keras

    import sloi.losses

    got = getattr(sloi.losses, name)(torch.tensor(y_true), torch.tensor(y_pred), **kwargs)
    want = getattr(keras.losses, name)(torch.tensor(y_true), torch.tensor(y_pred), **kwargs)
    assert_close(got, want)


def check_gradient(name, kwargs, y_true, y_pred):
    """The gradient of the mean loss with respect to y_pred: finite, and equal to Keras's
    (Keras's torch backend runs on torch autograd too)."""
    import keras

    import sloi.losses

    grads = []
    for module in (sloi.losses, keras.losses):
        pred = torch.tensor(y_pred, requires_grad=True)
        getattr(module, name)(**kwargs)(torch.tensor(y_true), pred).backward()
        grads.append(pred.grad)
    assert torch.isfinite(grads[0]).all()
    assert_close(grads[0], grads[1], atol=1e-5, rtol=1e-5)


def dense_model(input_dim, units, activation=None):
    """A builder `f(K)` for `assert_same_training`: one Dense layer on `input_dim` features."""

    def build(K):
        x = K.layers.Input(shape=(input_dim,))
        return K.Model(x, K.layers.Dense(units, activation=activation)(x))

    return build


def assert_same_training(builder, x, y, loss, metrics=(), epochs=1, batch_size=8, rtol=1e-4,
                         atol=1e-5, sample_weight=None):
    """`compile(loss=..., metrics=[...])` then `fit` with SGD, in sloi and in Keras from the
    same weights: the same history (losses and metrics) and the same weights after.

    `loss` and each metric are either a name (given to both) or a callable `f(module)`
    building the object from `sloi.losses` / `keras.losses` (or `.metrics`).
    """
    import keras

    import sloi
    from tests.parity import build_both

    def resolve(spec, module):
        return spec(module) if callable(spec) else spec

    ours, theirs = build_both(builder)
    for model, module in ((ours, sloi), (theirs, keras)):
        model.compile(optimizer=module.optimizers.SGD(0.05), loss=resolve(loss, module),
                      metrics=[resolve(m, module) for m in metrics])
    kwargs = dict(batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0,
                  sample_weight=sample_weight)
    h1, h2 = ours.fit(x, y, **kwargs).history, theirs.fit(x, y, **kwargs).history
    assert set(h1) == set(h2), (sorted(h1), sorted(h2))
    for key in h2:
        np.testing.assert_allclose(h1[key], h2[key], rtol=rtol, atol=atol, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
