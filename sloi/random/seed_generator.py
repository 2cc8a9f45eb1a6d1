"""``SeedGenerator``: the state behind seeded random ops, as Keras 3 keeps it.

Random ops are stateless: ``normal(shape, seed=42)`` gives the same numbers at every call. A
``SeedGenerator`` gives a new seed at every call instead, from a two-number state
``[seed, counter]`` whose counter advances by one per draw; a draw seeds a fresh
``torch.Generator`` with ``seed + counter``. These are Keras's torch-backend rules, so the same
seed gives the same numbers in sloi and in Keras.
"""

from __future__ import annotations

import random as _python_random

import torch

from sloi.engine import naming


class SeedGenerator:
    """A stream of seeds: pass it as ``seed=`` to random ops for different numbers at every
    call that still repeat from run to run.

    Args:
        seed: the initial seed (an int); None picks one at random.
        name: a name, for configs.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments {sorted(kwargs)}")
        self.name = name or naming.unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = _python_random.randint(1, int(1e9))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"SeedGenerator: seed must be an integer; got {seed!r}")
        self.state = torch.tensor([seed, 0], dtype=torch.int64)

    def next(self, ordered: bool = True) -> torch.Tensor:
        """The current ``[seed, counter]``; the state then moves on (by one draw, or by
        Keras's scramble when ``ordered=False``)."""
        current = self.state.clone()
        if ordered:
            self.state = self.state + torch.tensor([0, 1])
        else:
            self.state = (self.state + 1) * 5387 % 933199
        return current

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


_global_generator = None


def global_seed_generator() -> SeedGenerator:
    """The generator that ``seed=None`` draws from (one per process)."""
    global _global_generator
    if _global_generator is None:
        _global_generator = SeedGenerator()
    return _global_generator


def draw_seed(seed) -> torch.Tensor:
    """``[seed, counter]`` for a random op's ``seed`` argument: an int, a
    ``SeedGenerator`` or None (the global generator)."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, int) and not isinstance(seed, bool):
        return torch.tensor([seed, 0], dtype=torch.int64)
    if seed is None:
        return global_seed_generator().next(ordered=False)
    raise ValueError(
        f"seed must be an integer, a SeedGenerator or None; got {seed!r} "
        f"({type(seed).__name__})"
    )


def torch_generator(seed, device=None) -> torch.Generator:
    """A ``torch.Generator`` seeded from ``seed`` as Keras's torch backend seeds it."""
    first, second = (int(v) for v in draw_seed(seed))
    generator = torch.Generator(device=device or "cpu")
    generator.manual_seed((first + second) & 0xFFFFFFFF)
    return generator
