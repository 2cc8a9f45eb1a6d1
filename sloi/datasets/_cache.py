"""Where downloaded data sets live, and how they get there: once, checked, atomically.

Files are kept in ``~/.sloi/datasets`` (or ``$SLOI_HOME/datasets``, or the ``cache_dir``
argument of a loader). A file is downloaded only when it is missing; every file, downloaded or
put there by hand, must match the checksum recorded below, or it is refused. Without a network
the error names the URL and the path where the file can be put by hand.

The checksums are the ones Keras 3 (``keras/src/datasets/*.py``, version 3.15.1) records for
the same files: sha256 for the ``.npz`` files; for the word-index ``.json`` files Keras records
only an md5, so that is what sloi checks there. They were copied from Keras's source, not
computed from the files (no network reached the machine they were written on).
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# file name at ORIGIN -> (hash algorithm, hex digest), as recorded by Keras 3.15.1.
CHECKSUMS = {
    "imdb.npz": ("sha256", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "imdb_word_index.json": ("md5", "bfafd718b763782e994055a2d397834f"),
    "reuters.npz": ("sha256",
                    "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"),
    "reuters_word_index.json": ("md5", "4d44cc38712099c9e383dc6e5f11a921"),
    "mnist.npz": ("sha256", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
}


def cache_dir(override=None) -> str:
    """The folder for data sets: ``override``, else ``$SLOI_HOME/datasets``, else
    ``~/.sloi/datasets``."""
    if override is not None:
        return os.fspath(override)
    home = os.environ.get("SLOI_HOME") or os.path.join(os.path.expanduser("~"), ".sloi")
    return os.path.join(home, "datasets")


def file_digest(path: str, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def expected_checksum(name: str) -> tuple[str, str]:
    if name not in CHECKSUMS:
        raise KeyError(f"no checksum is recorded for {name!r}; known files: {sorted(CHECKSUMS)}")
    return CHECKSUMS[name]


def get_file(name: str, path=None, cache_dir_override=None) -> str:
    """The local path of ``ORIGIN + name``, downloaded first if missing, checksum checked.

    Args:
        name: the file's name at the origin (its checksum is looked up by it).
        path: where to keep it: relative to the cache folder, or absolute; ``name`` by default.
        cache_dir_override: the cache folder instead of ``~/.sloi/datasets``.
    """
    algorithm, digest = expected_checksum(name)
    target = os.path.join(cache_dir(cache_dir_override), os.fspath(path or name))
    url = ORIGIN + name
    if os.path.exists(target):
        _check(target, algorithm, digest, url)
        return target
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    tmp = f"{target}.part{os.getpid()}"
    try:
        try:
            _download(url, tmp)
        except (urllib.error.URLError, OSError) as error:
            raise OSError(
                f"Could not download {url} ({getattr(error, 'reason', error)}). Without a "
                f"network, fetch that file elsewhere and put it at {target} (its {algorithm} "
                f"must be {digest})"
            ) from error
        _check(tmp, algorithm, digest, url, shown_as=f"the download of {url}")
        os.replace(tmp, target)  # whole and checked, or not there at all
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def _download(url: str, destination: str) -> None:
    """Stream ``url`` into ``destination`` (tests replace this function)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(destination, "wb") as out:
        for chunk in iter(lambda: response.read(1 << 20), b""):
            out.write(chunk)


def _check(path, algorithm, digest, url, shown_as=None) -> None:
    actual = file_digest(path, algorithm)
    if actual != digest:
        raise ValueError(
            f"{shown_as or 'The cached file ' + path} does not match the expected {algorithm} "
            f"checksum (expected {digest}, got {actual}): it is damaged or not the right file. "
            f"Delete it and load again, or put a good copy of {url} there by hand"
        )
