"""Dropout for recurrent cells, as Keras does it: one mask per sequence, reused at every step."""

from __future__ import annotations

import torch

from sloi.layers.regularization.seeded_generator import SeededGenerator


class DropoutRNNCell:
    """Mixin for cells with ``dropout`` (on the step input) and ``recurrent_dropout`` (on the
    previous output). The owning RNN layer calls ``reset_dropout_mask`` before each sequence,
    so that every step of one sequence drops the same units (Gal and Ghahramani's scheme).

    The masks are drawn from the cell's ``seed`` (a ``SeededGenerator``, as Keras's cells draw
    from their ``SeedGenerator``): two cells with the same seed draw the same masks, and each
    sequence draws new ones. Without a seed, torch's global generator draws them."""

    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    _dropout_mask = None
    _recurrent_dropout_mask = None

    def get_dropout_mask(self, step_input: torch.Tensor) -> torch.Tensor | None:
        if self.dropout <= 0:
            return None
        if self._dropout_mask is None:
            self._dropout_mask = _inverted_dropout_mask(step_input, self.dropout,
                                                        self._mask_generator(step_input))
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_state: torch.Tensor) -> torch.Tensor | None:
        if self.recurrent_dropout <= 0:
            return None
        if self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = _inverted_dropout_mask(
                step_state, self.recurrent_dropout, self._mask_generator(step_state))
        return self._recurrent_dropout_mask

    def _mask_generator(self, like: torch.Tensor) -> torch.Generator | None:
        # made at the first mask, from the seed the cell holds then (cells set it in __init__)
        seeds = self.__dict__.get("_seeds")
        if seeds is None:
            seeds = self._seeds = SeededGenerator(getattr(self, "seed", None))
        return seeds.generator(like.device)

    # Called before every sequence: assign only when there is a mask (a module's __setattr__
    # costs about a microsecond, and most calls have no dropout).
    def reset_dropout_mask(self) -> None:
        if self._dropout_mask is not None:
            self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        if self._recurrent_dropout_mask is not None:
            self._recurrent_dropout_mask = None


def _inverted_dropout_mask(like: torch.Tensor, rate: float,
                           generator: torch.Generator | None) -> torch.Tensor:
    keep = torch.rand(like.shape, generator=generator, device=like.device) >= rate
    return keep.to(like.dtype) / (1.0 - rate)


def check_rate(layer, name: str, rate) -> float:
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {name} must be in '
                         f"[0, 1); got {rate}")
    return rate
