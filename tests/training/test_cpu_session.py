"""Denormal flushing and heap reuse while sloi's loops run (sloi/training/cpu_session.py)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import sloi
from sloi.training import cpu_session

DENORMAL = 1e-39  # below float32's smallest normal number, 1.18e-38
# made from its bits: converting 1e-39 to float32 in a flushing thread would give 0
DENORMAL_BITS = int(np.array(DENORMAL, np.float32).view(np.int32))


def flushed_fraction():
    """The fraction of a large product's elements that came out flushed to zero, read from
    the bits (a comparison with 0 would itself obey the calling thread's mode). With two
    threads, torch's parallel kernel runs half of it on an OpenMP worker."""
    denormals = torch.full((1 << 21,), DENORMAL_BITS, dtype=torch.int32).view(torch.float32)
    product = denormals * 1.0
    return (product.view(torch.int32) == 0).float().mean().item()


@pytest.fixture
def two_threads():
    # An earlier *_on_batch call leaves the workers flushing until a loop ends (by design);
    # end one here, so that each test starts from workers in the caller's mode.
    small_model().evaluate(*data(), verbose=0)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)
    sloi.config.enable_flush_denormals()


class Record(sloi.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append((cpu_session.calling_thread_flushes(), flushed_fraction()))


def small_model():
    model = sloi.Sequential([sloi.Input((4,)), sloi.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def data():
    return np.ones((8, 4), "float32"), np.ones((8, 1), "float32")


def test_fit_flushes_on_every_thread_and_restores_the_callers_mode(two_threads):
    torch.set_flush_denormal(False)
    assert flushed_fraction() == 0.0
    record = Record()
    small_model().fit(*data(), batch_size=4, epochs=1, verbose=0, callbacks=[record])
    assert record.seen == [(True, 1.0), (True, 1.0)]
    assert not cpu_session.calling_thread_flushes()
    assert flushed_fraction() == 0.0


def test_a_caller_that_flushes_keeps_flushing_and_its_workers_join(two_threads):
    torch.ones(1 << 21).sum()  # the thread pool exists before the caller's setting
    torch.set_flush_denormal(True)
    try:
        assert flushed_fraction() == 0.5  # torch's switch reached the calling thread only
        small_model().predict(data()[0], verbose=0)
        assert cpu_session.calling_thread_flushes()
        assert flushed_fraction() == 1.0
    finally:
        torch.set_flush_denormal(False)
        small_model().evaluate(*data(), verbose=0)  # hands the workers the caller's mode
    assert flushed_fraction() == 0.0


def test_on_batch_calls_leave_the_workers_flushing_until_a_loop_ends(two_threads):
    torch.set_flush_denormal(False)
    model = small_model()
    model.train_on_batch(*data())
    assert not cpu_session.calling_thread_flushes()
    assert flushed_fraction() == 0.5
    model.evaluate(*data(), verbose=0)
    assert flushed_fraction() == 0.0


def test_the_switch_turns_flushing_off(two_threads):
    torch.set_flush_denormal(False)
    sloi.config.disable_flush_denormals()
    assert not sloi.config.is_flush_denormals_enabled()
    record = Record()
    small_model().fit(*data(), batch_size=8, epochs=1, verbose=0, callbacks=[record])
    assert record.seen == [(False, 0.0)]


def test_flushing_changes_only_numbers_below_the_normal_range(two_threads):
    model = sloi.Sequential([sloi.Input((3,)), sloi.layers.Dense(1, use_bias=False)])
    model.layers[0].set_weights([np.ones((3, 1), "float32")])
    x = np.array([[DENORMAL, 0.0, 0.0], [1e-30, 2e-30, 0.0]], "float32")
    out = model.predict(x, verbose=0)
    assert out[0, 0] == 0.0  # a denormal in, flushed
    np.testing.assert_allclose(out[1, 0], 3e-30, rtol=1e-6)  # tiny but normal: exact
    sloi.config.disable_flush_denormals()
    assert model.predict(x, verbose=0)[0, 0] == np.float32(DENORMAL)


HEAP_PROBE = textwrap.dedent("""
    import resource, sys
    import torch
    import sloi
    from sloi.training import cpu_session
    if sys.argv[1] == "off":
        sloi.config.disable_heap_reuse()

    def faults_of_a_fresh_block():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        block = torch.empty(64 << 18)  # 64 MiB, larger than glibc's largest mmap threshold
        block.fill_(1.0)
        del block
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    with cpu_session.LOOP:
        # rounds to settle: torch asks for 64-byte alignment, which a freed block of exactly
        # the same size may just miss, until two freed blocks lie side by side
        faults_of_a_fresh_block()
        faults_of_a_fresh_block()
        print(sum(faults_of_a_fresh_block() for _ in range(4)))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux") or
                    "glibc" not in " ".join(__import__("platform").libc_ver()),
                    reason="the heap lever is glibc's")
@pytest.mark.parametrize("switch", ["on", "off"])
def test_a_loop_reuses_freed_heap_memory_instead_of_faulting_pages_in_again(switch):
    result = subprocess.run([sys.executable, "-c", HEAP_PROBE, switch], capture_output=True,
                            text=True, timeout=120, check=True)
    faults = int(result.stdout.split()[-1])
    pages = 4 * (64 << 20) // 4096
    if switch == "on":  # at most one round of four maps its pages afresh
        assert faults < 0.3 * pages
    else:  # every round does
        assert faults > 0.9 * pages


RELEASE_PROBE = textwrap.dedent("""
    import resource, sys
    import torch
    from sloi.training import cpu_session

    def resident_bytes():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()

    def loop_using(mib):
        # one loop (as predict is) that allocates and frees a block of ``mib`` MiB;
        # returns the pages it faulted in and the process's resident bytes after it
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        with cpu_session.LOOP:
            block = torch.empty(mib << 18)
            block.fill_(1.0)
            del block
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
        return faults, resident_bytes()

    mib = int(sys.argv[1])
    with cpu_session.LOOP:  # the first loop looks up the C libraries (faulting their pages)
        pass
    start = resident_bytes()
    for _ in range(5):  # each loop's faults, and how much the process grew since the start
        faults, after = loop_using(mib)
        print(faults, (after - start) >> 20)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux") or
                    "glibc" not in " ".join(__import__("platform").libc_ver()),
                    reason="the heap lever is glibc's")
@pytest.mark.parametrize("mib", [32, 256])
def test_a_loop_releases_the_memory_it_kept_only_beyond_what_glibc_keeps_itself(mib):
    result = subprocess.run([sys.executable, "-c", RELEASE_PROBE, str(mib)],
                            capture_output=True, text=True, timeout=120, check=True)
    loops = [tuple(map(int, line.split())) for line in result.stdout.split("\n") if line]
    pages = (mib << 20) // 4096
    # the last loop of five: by then settled (a freed block of exactly the size asked for may
    # miss torch's 64-byte alignment, and glibc 2.36 then maps a second one until two lie side
    # by side: in about two runs of five the second loop faulted all its pages in again)
    faults, grown_mib = loops[-1]
    assert faults < 0.1 * pages  # the pages are in place: nothing faulted in again
    assert grown_mib >= 0.9 * mib  # kept: one block, or two after the settling
    if mib == 256:  # beyond glibc's 64 MiB: the first loop releases what it made resident
        assert loops[0][1] < 0.1 * mib
        # the second faults it all in again, and keeps it: the calls repeat
        assert loops[1][0] > 0.9 * pages
        assert loops[1][1] >= 0.9 * mib
