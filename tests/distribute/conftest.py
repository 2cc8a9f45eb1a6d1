"""The worker processes run on the CPU (gloo, CUDA hidden); the one-process references these
tests compare them with must too: on a machine with a GPU, a reference trained on CUDA would
draw its shuffle order from CUDA's generator and round differently."""

import pytest

import sloi


@pytest.fixture(autouse=True, scope="package")
def _references_on_the_cpu():
    before = sloi.config.get_device()
    sloi.config.set_device("cpu")
    yield
    sloi.config.set_device(before)
