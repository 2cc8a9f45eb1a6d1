"""Small files in the layout of Keras's data sets, and a cache they are registered in."""

import hashlib
import os

import numpy as np

from sloi.datasets import _cache


def ragged(rng, n, low=1, high=60, max_len=12, equal=False):
    """An object array of ``n`` lists of word ids (all of one length when ``equal``)."""
    array = np.empty(n, dtype=object)
    for i in range(n):
        length = max_len if equal else int(rng.integers(1, max_len + 1))
        array[i] = [int(v) for v in rng.integers(low, high, size=length)]
    return array


def register(monkeypatch, name, path, algorithm="sha256"):
    """Record ``path``'s checksum as the one expected for ``name`` (the test hook)."""
    with open(path, "rb") as f:
        digest = hashlib.new(algorithm, f.read()).hexdigest()
    monkeypatch.setitem(_cache.CHECKSUMS, name, (algorithm, digest))
    return digest


def no_network(monkeypatch):
    """Downloads fail as they do on a machine without a network; returns the list of URLs
    that were tried."""
    tried = []

    def refuse(url, destination):
        tried.append(url)
        raise OSError("no network in tests")

    monkeypatch.setattr(_cache, "_download", refuse)
    return tried


def cached(tmp_path, monkeypatch, make_file, name, keras_module):
    """A temporary SLOI_HOME whose datasets folder holds ``make_file``'s tiny ``name``, its
    checksum registered, no network, and ``keras_module`` reading the same file. Returns
    ``(folder, path)``."""
    monkeypatch.setenv("SLOI_HOME", str(tmp_path / "home"))
    folder = tmp_path / "home" / "datasets"
    folder.mkdir(parents=True)
    path = make_file(str(folder))
    register(monkeypatch, name, path)
    no_network(monkeypatch)
    monkeypatch.setattr(keras_module, "get_file", lambda *a, **k: path)
    return folder, path


def imdb_file(folder, seed=0):
    rng = np.random.default_rng(seed)
    path = os.path.join(folder, "imdb.npz")
    x_train = ragged(rng, 40)
    x_train[:3] = ragged(rng, 3, equal=True)  # equal lengths must stay lists
    np.savez(path, x_train=x_train, y_train=rng.integers(0, 2, 40),
             x_test=ragged(rng, 30), y_test=rng.integers(0, 2, 30))
    return path


def reuters_file(folder, seed=1):
    rng = np.random.default_rng(seed)
    path = os.path.join(folder, "reuters.npz")
    np.savez(path, x=ragged(rng, 50), y=rng.integers(0, 46, 50))
    return path


def mnist_file(folder, seed=2):
    rng = np.random.default_rng(seed)
    path = os.path.join(folder, "mnist.npz")
    np.savez(path, x_train=rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 6, dtype=np.uint8),
             x_test=rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 4, dtype=np.uint8))
    return path
