"""The running loss of an epoch, weighted by batch size, kept without a kernel launch per step."""

from __future__ import annotations

import torch


class RunningMean:
    """``add`` keeps the step's (detached) loss tensor; ``result`` folds what was added into
    one sum, on the device, only when somebody asks (the progress bar, a callback, the end of
    the epoch). A step thus costs a list append, not a device operation."""

    def __init__(self, name: str):
        self.name = name
        self.reset_state()

    def reset_state(self) -> None:
        self._pending: list[torch.Tensor] = []
        self._weights: list[int] = []
        self._total = None
        self._count = 0

    def add(self, value: torch.Tensor, weight: int) -> None:
        self._pending.append(value)
        self._weights.append(weight)

    def result(self) -> torch.Tensor:
        total, count = self.totals()
        if total is None:
            return torch.tensor(0.0)
        return total / count

    def totals(self) -> tuple[torch.Tensor | None, int]:
        """The weighted sum of what was added (a tensor on the device, None before anything
        was) and the sum of the weights: the state that data parallelism sums over the
        processes."""
        if self._pending:
            weights = torch.tensor(self._weights, dtype=torch.float32,
                                   device=self._pending[0].device)
            folded = (torch.stack(self._pending).float() * weights).sum()
            self._total = folded if self._total is None else self._total + folded
            self._count += sum(self._weights)
            self._pending, self._weights = [], []
        return self._total, self._count
