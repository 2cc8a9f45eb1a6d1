"""Setup for the recurrent layers' tests."""

import pytest

from sloi.kernels import rnn_backward


@pytest.fixture(autouse=True)
def default_min_steps(monkeypatch):
    """These tests compare the paths (the hand-written backward among them) on sequences
    shorter than ``rnn_backward.MIN_STEPS``, from which the hand-written backward is taken by
    default; here it is taken at any length. Returns the defaults, for the tests of the
    crossover itself to put back."""
    defaults = dict(rnn_backward.MIN_STEPS)
    monkeypatch.setattr(rnn_backward, "MIN_STEPS", dict.fromkeys(defaults, 0))
    return defaults
