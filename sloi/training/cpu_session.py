"""The CPU's floating-point mode and heap while sloi trains, evaluates or predicts.

Two process-level settings decide much of a CPU step's time, and PyTorch leaves both at
values that are slow for training:

**Denormal numbers.** Values below about 1.2e-38 (float32) are stored "denormal", and each
operation on one costs 10-100x a normal one. A recurrent network's small gradients produce
them by the thousand; a GRU step on the lecture's sizes runs 5x slower because of them. JAX
(XLA) and TensorFlow set the CPU to flush them to zero (the FTZ / DAZ bits), PyTorch does
not. While sloi's loops run, the calling thread flushes them (``torch.set_flush_denormal``)
and so do the OpenMP worker threads that run torch's parallel kernels: the flag is per
thread, and torch sets only the calling one, so the calling thread's whole floating-point
environment is copied to every thread of its OpenMP team (``fesetenv`` run by
``GOMP_parallel``, with no Python on the workers). Afterwards the calling thread gets its own
setting back and the workers a copy of it at the end
of ``fit``, ``evaluate`` or ``predict``; between ``*_on_batch`` calls they keep flushing, as
copying the mode back after every call would cost more than many a call.

**The heap.** glibc gives a large block (an activation of tens of MB) its own fresh
mapping, or gives freed heap memory back to the system, so the next step's activations fault
their pages in again: on the lecture's two-branch Conv2D that is ~35,000 page faults a step
and up to 2.5x the time. While sloi's loops run, glibc is told to serve blocks up to 1 GiB
from the heap and to keep freed memory (``mallopt``); after ``fit``, ``evaluate`` or
``predict`` the kept memory is released (``malloc_trim``) when the loop made more than
64 MiB of fresh pages resident (page faults, as ``getrusage`` counts them; 64 MiB is
glibc's own trim threshold for large tensors): less is what glibc would keep by itself, and
releasing it would cost the next call its pages again (a ``predict`` of the lecture's 2x
Bidirectional LSTM, four batches, faulted ~7,800 pages in at every call, ~20% of its time
on one thread). A loop that follows one which grew as much keeps its memory: the calls
repeat, and each would otherwise fault it all in again (a ``predict`` of the two-branch
Conv2D, 8 batches, faulted ~23,700 pages in at every call, 14.8 against 11.8 ms a batch).
The ``*_on_batch`` calls keep the memory between calls, since the next call needs it again.
glibc offers no way to read its adaptive thresholds back, so afterwards they stay at the
values its adaptation reaches for large tensors (32 MiB / 64 MiB). Off glibc (macOS, musl,
Windows) the heap is left alone.

``sloi.config.disable_flush_denormals()`` / ``disable_heap_reuse()`` turn either off.
"""

from __future__ import annotations

import ctypes
import sys
import threading

import torch

from sloi import settings

try:
    import resource  # Unix only; the heap lever is glibc's (Linux) anyway
except ImportError:
    resource = None

# mallopt's parameter numbers (<malloc.h>) and the values used
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEEP = 1 << 30  # while sloi runs: blocks up to 1 GiB from the heap, and no trimming below it
_AFTER_MMAP, _AFTER_TRIM = 32 << 20, 64 << 20  # where glibc's own adaptation ends up

_TINY, _ONE = 5e-324, 1.0  # module globals, so the product below is computed at run time


def calling_thread_flushes() -> bool:
    """Whether this thread flushes denormals now (Python's float product obeys the same
    FTZ / DAZ bits as every other SSE operation of the thread)."""
    return _TINY * _ONE == 0.0


class _Process:
    """What this process's C libraries offer, looked up once on first use."""

    def __init__(self):
        self.libc = None  # glibc, when the process runs on it
        self.team_run = None  # GOMP_parallel of the OpenMP runtime torch loaded
        self.workers_flush = False  # what the last copy to the workers set
        self.heap_kept = False  # whether glibc is told to keep freed memory now
        self.faults_at_start = 0  # the process's page faults when the loop began
        self.last_loop_grew = False  # whether the last loop made more than 64 MiB resident
        self.fesetenv = self.fegetenv = None
        self.env = ctypes.create_string_buffer(256)  # an opaque fenv_t (32 bytes on x86-64)
        if not sys.platform.startswith("linux"):
            return
        try:
            libc = ctypes.CDLL(None)
        except OSError:
            return
        if all(hasattr(libc, name) for name in ("gnu_get_libc_version", "mallopt",
                                                "malloc_trim")):
            libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
            libc.malloc_trim.argtypes = [ctypes.c_size_t]
            self.libc = libc
        if hasattr(libc, "fesetenv") and hasattr(libc, "fegetenv"):
            self.fesetenv, self.fegetenv = libc.fesetenv, libc.fegetenv
            self.fegetenv.argtypes = [ctypes.c_void_p]
            self.team_run = _openmp_team_run()

    def release_heap(self) -> None:
        """glibc's own thresholds back; the kept memory back to the system when the loop
        made more pages resident than glibc would keep free by itself, unless the loop before
        did too (a repeated call: releasing would make every call fault its pages in again)."""
        self.libc.mallopt(_M_MMAP_THRESHOLD, _AFTER_MMAP)
        self.libc.mallopt(_M_TRIM_THRESHOLD, _AFTER_TRIM)
        grew = (page_faults() - self.faults_at_start) * _PAGE > _AFTER_TRIM
        if grew and not self.last_loop_grew:
            self.libc.malloc_trim(0)
        self.last_loop_grew = grew
        self.heap_kept = False

    def copy_float_mode_to_workers(self) -> None:
        """Give every thread of the calling thread's OpenMP team this thread's
        floating-point environment, and remember whether it flushes denormals."""
        if self.team_run is not None and torch.get_num_threads() > 1:
            self.fegetenv(self.env)
            self.team_run(ctypes.cast(self.fesetenv, ctypes.c_void_p), self.env, 0, 0)
        self.workers_flush = calling_thread_flushes()


def page_faults() -> int:
    """The pages this process has faulted in so far (minor faults: fresh or reclaimed memory
    made resident), one system call."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


_PAGE = resource.getpagesize() if resource is not None else 4096


def _openmp_team_run():
    """``GOMP_parallel(fn, data, num_threads, flags)`` of the one OpenMP runtime loaded in
    the process (GNU's libgomp, or LLVM's / Intel's, which provide the same entry), or None
    where there is none or more than one (we could not tell which one torch uses)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps
                     if any(name in line for name in ("libgomp", "libiomp5", "libomp"))}
    except OSError:
        return None
    if len(paths) != 1:
        return None
    try:
        run = ctypes.CDLL(paths.pop()).GOMP_parallel
    except (OSError, AttributeError):
        return None
    run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
    run.restype = None
    return run


_process: _Process | None = None
_local = threading.local()


class CpuSession:
    """Context manager around one of sloi's loops: ``CpuSession(release=True)`` for ``fit``,
    ``evaluate`` and ``predict`` (the kept heap is released at the end),
    ``CpuSession(release=False)`` for the ``*_on_batch`` calls. Nested sessions (``fit``
    evaluating its validation data) change nothing."""

    __slots__ = ("release",)

    def __init__(self, release: bool):
        self.release = release

    def __enter__(self):
        depth = getattr(_local, "depth", 0)
        _local.depth = depth + 1
        if depth:
            return self
        global _process
        if _process is None:
            _process = _Process()
        # whether this session turned flushing on, to turn it off again at the end
        _local.flushed = False
        if settings.is_flush_denormals_enabled():
            flushing = calling_thread_flushes()
            if not flushing:
                flushing = _local.flushed = torch.set_flush_denormal(True)
            # the workers too when the caller flushes already: torch.set_flush_denormal
            # called after torch's thread pool started reaches the calling thread only
            if flushing and not _process.workers_flush:
                _process.copy_float_mode_to_workers()
        if settings.is_heap_reuse_enabled() and _process.libc is not None:
            if self.release:
                _process.faults_at_start = page_faults()
            if not _process.heap_kept:
                _process.libc.mallopt(_M_MMAP_THRESHOLD, _KEEP)
                _process.libc.mallopt(_M_TRIM_THRESHOLD, _KEEP)
                _process.heap_kept = True
        return self

    def __exit__(self, *exc):
        _local.depth -= 1
        if _local.depth:
            return False
        if _local.flushed:
            torch.set_flush_denormal(False)
        if self.release and _process.workers_flush and not calling_thread_flushes():
            _process.copy_float_mode_to_workers()
        if self.release and _process.heap_kept:
            _process.release_heap()
        return False


LOOP = CpuSession(release=True)
BATCH = CpuSession(release=False)
