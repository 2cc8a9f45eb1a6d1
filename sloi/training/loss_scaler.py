"""Dynamic loss scaling for float16 training (Keras's LossScaleOptimizer, torch's GradScaler).

The loss is multiplied by a large scale before ``backward`` so that small float16 gradients do
not flush to zero; the gradients are divided back before the update. A step whose gradients
overflowed is skipped and the scale halved; after ``growth_interval`` good steps it doubles.
Deciding to skip needs the overflow flag on the host: one sync per step, as with torch's
GradScaler.
"""

from __future__ import annotations

import torch


class LossScaler:
    def __init__(self, device, initial_scale=2.0**15, growth_interval=2000):
        self.scale = torch.full((), initial_scale, dtype=torch.float32, device=device)
        self._growth_tracker = torch.zeros((), dtype=torch.int32, device=device)
        self.growth_interval = growth_interval

    def backward_and_step(self, loss, optimizer, params) -> bool:
        """Scaled backward, unscale, the optimizer step unless something overflowed.
        Returns whether the step was applied."""
        (loss.float() * self.scale).backward()
        grads = [p.grad for p in params if p.grad is not None]
        found_inf = torch.zeros((), dtype=torch.float32, device=self.scale.device)
        if grads:
            torch._amp_foreach_non_finite_check_and_unscale_(
                grads, found_inf, self.scale.reciprocal())
        applied = not bool(found_inf)
        if applied:
            optimizer.step()
        torch._amp_update_scale_(self.scale, self._growth_tracker, found_inf, 2.0, 0.5,
                                 self.growth_interval)
        return applied
