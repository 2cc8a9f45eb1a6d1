"""Keras 3's ``keras.random``: random tensors from a ``seed`` (an int repeats, a
``SeedGenerator`` moves on, None draws from the global stream).

Each function samples with the same torch call and the same seeding as Keras's torch backend,
so a seeded call gives the numbers Keras gives.
"""

from __future__ import annotations

import contextlib

import torch

from sloi.engine.dtypes import standardize_dtype
from sloi.engine.operators import convert_to_tensor
from sloi.random.seed_generator import draw_seed, torch_generator


def _shape(shape) -> tuple:
    return (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of a normal distribution with ``mean`` and ``stddev``."""
    return torch.normal(mean, stddev, size=_shape(shape), generator=torch_generator(seed),
                        dtype=standardize_dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of the uniform distribution on ``[minval, maxval)``."""
    shape = _shape(shape)
    sample = torch.rand(shape or (1,), generator=torch_generator(seed),
                        dtype=standardize_dtype(dtype))
    sample = (maxval - minval) * sample + minval
    return sample if shape else sample[0]


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``."""
    return torch.randint(low=minval, high=maxval, size=_shape(shape),
                         generator=torch_generator(seed), dtype=standardize_dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within two standard deviations of the mean: of four
    candidates per value, the first inside ``(-2, 2)`` is kept."""
    shape = _shape(shape)
    candidates = normal(shape + (4,), 0.0, 1.0, dtype=dtype, seed=seed)
    inside = (candidates > -2) & (candidates < 2)
    first = inside.max(-1, keepdim=True)[1]
    return candidates.gather(-1, first).squeeze(-1) * stddev + mean


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of ``logits`` (batch, classes), drawn with
    probabilities ``softmax(logits)``."""
    probs = torch.softmax(convert_to_tensor(logits), dim=-1)
    return torch.multinomial(probs, num_samples, replacement=True,
                             generator=torch_generator(seed)).to(standardize_dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with each value zeroed with probability ``rate`` and the rest scaled by
    ``1 / (1 - rate)``; ``noise_shape`` (None entries follow ``inputs``) shares the mask."""
    inputs = convert_to_tensor(inputs)
    if rate == 1.0:
        return torch.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    keep = 1.0 - rate
    if noise_shape is None:
        noise_shape = inputs.shape
    else:
        noise_shape = [inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape)]
    mask = torch.bernoulli(torch.full(tuple(noise_shape), keep), generator=torch_generator(seed))
    mask = torch.broadcast_to(mask.bool(), inputs.shape)
    return torch.where(mask, inputs / keep, torch.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order."""
    x = convert_to_tensor(x)
    order = torch.rand(x.shape[:axis + 1], generator=torch_generator(seed)).argsort(axis)
    order = order.reshape(order.shape + (1,) * (x.ndim - axis - 1)).expand(x.shape)
    return x.gather(axis, order)


@contextlib.contextmanager
def _seeded_global(seed):
    # torch.distributions sample from the global generator: seed it, then give its state back
    state = torch.random.get_rng_state()
    first, second = (int(v) for v in draw_seed(seed))
    torch.manual_seed((first + second) & 0xFFFFFFFF)
    try:
        yield
    finally:
        torch.random.set_rng_state(state)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of the gamma distribution with concentration ``alpha`` and rate 1."""
    shape = _shape(shape)
    alpha = torch.broadcast_to(convert_to_tensor(alpha), shape)
    with _seeded_global(seed):
        sample = torch.distributions.Gamma(alpha, torch.ones(shape)).sample()
    return sample.to(standardize_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples of binomial distributions: successes in ``counts`` trials of probability
    ``probabilities``."""
    shape = _shape(shape)
    counts = torch.broadcast_to(convert_to_tensor(counts), shape)
    probabilities = torch.broadcast_to(convert_to_tensor(probabilities), shape)
    with _seeded_global(seed):
        sample = torch.distributions.Binomial(total_count=counts, probs=probabilities).sample()
    return sample.to(standardize_dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of the beta distribution with concentrations ``alpha`` and ``beta``."""
    shape = _shape(shape)
    alpha = torch.broadcast_to(convert_to_tensor(alpha), shape)
    beta = torch.broadcast_to(convert_to_tensor(beta), shape)
    with _seeded_global(seed):
        sample = torch.distributions.Beta(concentration1=alpha, concentration0=beta).sample()
    return sample.to(standardize_dtype(dtype))
