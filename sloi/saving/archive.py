"""Writing files atomically, and reading zip archives and JSON safely.

A file is written to a temporary file in the same folder, flushed to disk, then renamed over
the target in one step (``os.replace``): a crash never leaves a half-written file where a good
one stood. The new file gets the mode ``open()`` would give it (the old file's, or
``0o666`` less the process umask), and a save removes the temporary files that earlier,
killed saves left in that folder (those named as sloi names them, older than an hour or than
this process).

An archive is read member by member, by exact name, into memory; nothing is extracted to disk.
An archive whose member names could point outside a folder (``..``, an absolute path, a
drive) or that names a member twice is refused as a whole. Reading is bounded, so that a small
hostile file cannot take much memory or time:

- a member's declared size is checked before a byte of it is inflated: a JSON member may hold
  at most ``MAX_JSON_BYTES`` (16 MiB), any other at most ``MAX_RATIO`` (100) times its
  compressed size, or ``RATIO_FLOOR`` (64 MiB) whichever is larger;
- members are inflated in chunks, and reading stops at the declared size (a member whose
  header lies is refused when its data runs past it, not after inflating all of it);
- only stored and deflated members are read (sloi writes stored members, Keras deflated ones);
- an archive may hold at most ``MAX_MEMBERS`` (10,000) members, counted from its end record
  before its directory is parsed.

JSON is parsed by ``parse_json``: at most ``MAX_JSON_BYTES``, nested at most
``MAX_JSON_DEPTH`` (100) deep; anything else is a ``FileFormatError`` naming the file and the
member.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import struct
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from pathlib import PurePosixPath

from sloi.saving.errors import FileFormatError

MAX_JSON_BYTES = 16 * 2**20
MAX_JSON_DEPTH = 100
MAX_RATIO = 100
RATIO_FLOOR = 64 * 2**20
MAX_MEMBERS = 10000  # sloi's archives hold 5 members, Keras's a handful
_CHUNK = 2**20
_TMP_SUFFIX = ".sloi-tmp"
_STALE_AFTER_S = 3600.0
_STARTED = time.time()  # "older than the process": written before sloi was imported

# Everything reading a damaged zip can raise, from the zip layer, the decompressor or the OS.
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
                struct.error, ValueError, NotImplementedError, RuntimeError, KeyError,
                UnicodeDecodeError, OverflowError, MemoryError)


# ---------------------------------------------------------------------------- writing
def _umask() -> int:
    """The process umask, read without changing it where Linux shows it."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def _new_file_mode(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)  # replacing a file keeps its mode
    except OSError:
        return 0o666 & ~_umask()


def remove_stale_temporaries(path) -> list:
    """Remove, beside ``path``, the temporary files killed saves left: those sloi names
    (``.<name>.<random>.sloi-tmp``, or ``.<this name>.<random>.tmp`` as older sloi named
    them), last written over an hour ago or before this process started. Returns their paths.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    legacy = re.compile(r"\." + re.escape(os.path.basename(path)) + r"\.[a-z0-9_]{8}\.tmp\Z")
    ours = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(_TMP_SUFFIX) + r"\Z")
    cutoff = max(time.time() - _STALE_AFTER_S, _STARTED)
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not (ours.match(name) or legacy.match(name)):
            continue
        full = os.path.join(folder, name)
        try:
            info = os.lstat(full)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                os.remove(full)
                removed.append(full)
        except OSError:
            pass  # gone already, or not ours to remove
    return removed


def atomic_write(path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f'Cannot write "{path}": the folder "{folder}" does not exist')
    remove_stale_temporaries(path)
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=_TMP_SUFFIX)
    try:
        os.fchmod(fd, mode)  # mkstemp makes the file private (0600)
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


# ---------------------------------------------------------------------------- JSON
def _depth_exceeds(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return False


def parse_json(data, source: str, member: str, max_bytes: int = MAX_JSON_BYTES,
               max_depth: int = MAX_JSON_DEPTH):
    """The value of the JSON text ``data`` (bytes or str), read from ``member`` of
    ``source``. Raises ``FileFormatError`` for text over ``max_bytes``, not UTF-8, not JSON,
    or nested deeper than ``max_depth``."""
    where = f'"{source}": {member}'
    if len(data) > max_bytes:
        raise FileFormatError(f"{where} holds {len(data)} bytes of JSON; expected at most "
                              f"{max_bytes}")
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        value = json.loads(text)
    except RecursionError as e:
        raise FileFormatError(f"{where} is nested too deeply; expected JSON at most "
                              f"{max_depth} levels deep") from e
    except (UnicodeDecodeError, ValueError, TypeError) as e:
        raise FileFormatError(f"{where} is not valid JSON ({e})") from e
    if _depth_exceeds(value, max_depth):
        raise FileFormatError(f"{where} is nested too deeply; expected JSON at most "
                              f"{max_depth} levels deep")
    return value


# ---------------------------------------------------------------------------- reading
def _unsafe_member(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name:
        return True
    return ".." in name and ".." in PurePosixPath(name).parts


def member_limit(info: zipfile.ZipInfo) -> int:
    """The most bytes member ``info`` may inflate to (see the module's docstring)."""
    if info.filename.endswith(".json"):
        return MAX_JSON_BYTES
    return max(RATIO_FLOOR, MAX_RATIO * info.compress_size)


def _read_member(zf, info, source: str, what: str) -> bytes:
    name = info.filename
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FileFormatError(f'"{source}" is not {what}: member "{name}" uses compression '
                              f"method {info.compress_type}; expected stored (0) or deflated (8)")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise FileFormatError(f'"{source}": member "{name}" of the archive is damaged (stored '
                              f"with {info.compress_size} bytes, declared {info.file_size})")
    limit = member_limit(info)
    if info.file_size > limit:
        raise FileFormatError(
            f'"{source}" is refused: member "{name}" declares {info.file_size} bytes from '
            f"{info.compress_size} compressed; expected at most {limit} (a possible "
            "decompression bomb)"
        )
    chunks, total = [], 0
    with zf.open(info) as f:  # stops at the declared size; checks the CRC-32 at the end
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > info.file_size:
                raise FileFormatError(f'"{source}": member "{name}" holds more than the '
                                      f"{info.file_size} bytes it declares")
            chunks.append(chunk)
    if total != info.file_size:
        raise FileFormatError(f'"{source}": member "{name}" of the archive is damaged (holds '
                              f"{total} bytes, declares {info.file_size})")
    return b"".join(chunks)


def _declared_entries(data: bytes):
    """The number of entries the zip's end records declare (None when not found), read
    before ``zipfile`` parses the central directory, whose cost grows with it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or end + 22 > len(data):
        return None
    (count,) = struct.unpack("<H", data[end + 10:end + 12])
    zip64 = data.rfind(b"PK\x06\x06", max(0, end - 2**16), end)
    if zip64 >= 0 and zip64 + 40 <= len(data):
        (count64,) = struct.unpack("<Q", data[zip64 + 32:zip64 + 40])
        count = max(count, count64)
    return count


def read_zip(data: bytes, source: str, wanted: tuple, required: tuple, what: str) -> dict:
    """``{name: bytes}`` for the members of ``wanted`` that the archive holds.

    Args:
        data: the archive's bytes.
        source: the file name, for messages.
        wanted: member names to read (others are left unread).
        required: members without which the archive is refused.
        what: what the archive should be, for messages (``"a sloi model file"``).

    Raises:
        FileFormatError: not a zip, a damaged zip, unsafe or repeated member names, a member
            larger than it may be, or a required member missing.
    """
    if not data.startswith(b"PK"):
        raise FileFormatError(
            f'"{source}" is not {what}: expected a zip archive (starting with "PK"), found '
            f"{data[:8]!r}"
        )
    declared = _declared_entries(data)
    if declared is not None and declared > MAX_MEMBERS:
        raise FileFormatError(f'"{source}" is not {what}: its zip directory declares {declared} '
                              f"members; expected at most {MAX_MEMBERS}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _READ_ERRORS as e:
        raise FileFormatError(f'"{source}" is not {what}: the zip archive is damaged '
                              f"({type(e).__name__}: {e})") from e
    names = [info.filename for info in infos]
    if len(names) > MAX_MEMBERS:
        raise FileFormatError(f'"{source}" is not {what}: it holds {len(names)} members; '
                              f"expected at most {MAX_MEMBERS}")
    for name in names:
        if _unsafe_member(name):
            raise FileFormatError(
                f'"{source}" is refused: its member "{name}" has a path that could point '
                "outside a folder (absolute, with '..', a drive or backslashes)"
            )
    counts = Counter(names)
    if len(counts) != len(names):
        twice = sorted(n for n, c in counts.items() if c > 1)
        raise FileFormatError(f'"{source}" is refused: it holds members {twice[:20]} twice')
    missing = [name for name in required if name not in counts]
    if missing:
        raise FileFormatError(
            f'"{source}" is not {what}: expected members {list(required)}, missing {missing}; '
            f"it holds {names[:20]}"
        )
    by_name = {info.filename: info for info in infos}
    result = {}
    for name in wanted:
        if name not in by_name:
            continue
        try:
            result[name] = _read_member(zf, by_name[name], source, what)
        except FileFormatError:
            raise
        except _READ_ERRORS as e:
            raise FileFormatError(f'"{source}": member "{name}" of the archive is damaged '
                                  f"({type(e).__name__}: {e})") from e
    return result
