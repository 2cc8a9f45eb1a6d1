"""Noise layers' statistical tests (drop rates, noise variance) draw from torch's global
generator when unseeded: each test starts from the same state, so a tolerance a few standard
deviations wide can never be crossed by chance, whatever ran before."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _seeded_torch():
    torch.manual_seed(0)
