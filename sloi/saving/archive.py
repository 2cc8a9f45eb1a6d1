"""Writing files atomically, and reading zip archives safely.

A file is written to a temporary file in the same folder, flushed to disk, then renamed over
the target in one step (``os.replace``): a crash never leaves a half-written file where a good
one stood.

An archive is read member by member, by exact name, into memory; nothing is extracted to disk.
An archive whose member names could point outside a folder (``..``, an absolute path, a
drive) or that names a member twice is refused as a whole.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
import zipfile
import zlib
from pathlib import PurePosixPath

from sloi.saving.errors import FileFormatError

# Everything reading a damaged zip can raise, from the zip layer, the decompressor or the OS.
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
                struct.error, ValueError, NotImplementedError, RuntimeError, KeyError,
                UnicodeDecodeError, OverflowError, MemoryError)


def atomic_write(path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f'Cannot write "{path}": the folder "{folder}" does not exist')
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path, data: bytes) -> None:
    atomic_write(path, lambda f: f.write(data))


def write_zip(path, members: dict) -> None:
    """Write ``{name: bytes}`` as one zip archive, atomically. Members are stored
    uncompressed: weights hardly compress, and every member keeps its CRC-32 check."""
    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            for name, data in members.items():
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED
                zf.writestr(info, data)

    atomic_write(path, write)


def _unsafe_member(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name:
        return True
    return ".." in PurePosixPath(name).parts


def read_zip(data: bytes, source: str, wanted: tuple, required: tuple, what: str) -> dict:
    """``{name: bytes}`` for the members of ``wanted`` that the archive holds.

    Args:
        data: the archive's bytes.
        source: the file name, for messages.
        wanted: member names to read (others are left unread).
        required: members without which the archive is refused.
        what: what the archive should be, for messages (``"a sloi model file"``).

    Raises:
        FileFormatError: not a zip, a damaged zip, unsafe or repeated member names, or a
            required member missing.
    """
    if not data.startswith(b"PK"):
        raise FileFormatError(
            f'"{source}" is not {what}: expected a zip archive (starting with "PK"), found '
            f"{data[:8]!r}"
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = [info.filename for info in zf.infolist()]
    except _READ_ERRORS as e:
        raise FileFormatError(f'"{source}" is not {what}: the zip archive is damaged '
                              f"({type(e).__name__}: {e})") from e
    for name in names:
        if _unsafe_member(name):
            raise FileFormatError(
                f'"{source}" is refused: its member "{name}" has a path that could point '
                "outside a folder (absolute, with '..', a drive or backslashes)"
            )
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise FileFormatError(f'"{source}" is refused: it holds members {twice} twice')
    missing = [name for name in required if name not in names]
    if missing:
        raise FileFormatError(
            f'"{source}" is not {what}: expected members {list(required)}, missing {missing}; '
            f"it holds {names[:20]}"
        )
    result = {}
    try:
        for name in wanted:
            if name in names:
                result[name] = zf.read(name)  # checks the member's CRC-32
    except _READ_ERRORS as e:
        raise FileFormatError(f'"{source}": member "{name}" of the archive is damaged '
                              f"({type(e).__name__}: {e})") from e
    return result
