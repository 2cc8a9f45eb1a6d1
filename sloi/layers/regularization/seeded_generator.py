"""``SeededGenerator``: the random generators of a noise layer given a ``seed``."""

from __future__ import annotations

import torch


class SeededGenerator:
    """One ``torch.Generator`` per device, seeded with ``seed`` when first used, so that two
    layers with the same seed draw the same noise, call after call. Without a seed
    (``seed=None``) ``generator`` returns None: torch's global generator is used.
    """

    def __init__(self, seed):
        self.seed = seed
        self._generators: dict[torch.device, torch.Generator] = {}

    def generator(self, device: torch.device) -> torch.Generator | None:
        if self.seed is None or device.type == "meta":
            return None
        gen = self._generators.get(device)
        if gen is None:
            gen = torch.Generator(device=device)
            gen.manual_seed(int(self.seed))
            self._generators[device] = gen
        return gen
