"""Setup for the recurrent layers' tests."""

import pytest

from sloi.kernels import rnn_backward


@pytest.fixture(autouse=True)
def default_pays(monkeypatch):
    """These tests compare the paths (the hand-written backward among them) on sizes where
    autograd through the native kernel is faster, so that by default the hand-written backward
    is not taken there (``rnn_backward.pays``); here it is taken at any size. Returns the
    default rule, for the tests of the crossover itself to put back."""
    default = rnn_backward.pays
    monkeypatch.setattr(rnn_backward, "pays", lambda *size: True)
    return default
