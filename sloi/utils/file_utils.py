"""``get_file``: a file from a URL, kept in a cache folder, checked, optionally extracted.

A download is written to a temporary file beside its target and renamed into place only when
complete and checked, so an interrupted or corrupted download never leaves a file that a later
call would take for the real one. Archives are extracted the same way (into a temporary folder,
then renamed), and members that would land outside the extraction folder (``../`` paths,
absolute paths, links pointing out) are skipped with a warning.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from sloi.progbar import Progbar, print_msg

_CHUNK = 1 << 16


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """The local path of the file at ``origin``, downloaded into
    ``cache_dir/cache_subdir`` (``~/.keras/datasets`` by default) unless already there.

    Args:
        fname: the file's name in the cache (default: the last part of ``origin``'s path). A
            bare name; paths are refused.
        origin: the URL (``https://``, ``http://``, ``file://``).
        untar: extract it as a tar archive (Keras's old name for
            ``extract=True, archive_format="tar"``).
        md5_hash: the file's md5 (Keras's old name for ``file_hash`` with
            ``hash_algorithm="md5"``).
        file_hash: the expected hex digest; a cached file that does not match is downloaded
            again, a download that does not match raises.
        cache_subdir: the sub-folder of ``cache_dir``.
        hash_algorithm: ``"md5"``, ``"sha256"`` or ``"auto"`` (sha256 for a 64-digit hash,
            md5 otherwise).
        extract: extract the archive; the result is then the extraction folder.
        archive_format: ``"auto"`` (tar, then zip), ``"tar"``, ``"zip"``, a list of these, or
            None.
        cache_dir: the cache's root (default ``$KERAS_HOME`` or ``~/.keras``).
        force_download: download even when the file is cached.

    Returns:
        The downloaded file's path, or with ``extract`` / ``untar`` the extraction folder.
    """
    if origin is None:
        raise ValueError("get_file: give origin, the URL of the file to download")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if hash_algorithm not in ("auto", "md5", "sha256"):
        raise ValueError(f"get_file: hash_algorithm must be 'auto', 'md5' or 'sha256'; got "
                         f"hash_algorithm={hash_algorithm!r}")
    datadir = os.path.join(_writable_root(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    given_name = fname is not None and os.fspath(fname) != ""
    fname = os.fspath(fname) if given_name else os.path.basename(
        urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"get_file: cannot tell the file name from origin={origin!r}; pass "
                         "fname")
    if os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(f"get_file: fname must be a bare file name (use cache_dir for its "
                         f"folder); got fname={fname!r}")
    # Keras's names: "data.tar.gz" is kept as is and extracted to "data_extracted";
    # a name without a suffix is the folder, its archive "<name>_archive"
    extracting = extract or untar
    if extracting and given_name and "." in fname:
        target = os.path.join(datadir, fname)
        extraction_dir = os.path.join(datadir, fname[:fname.find(".")] + "_extracted")
    elif extracting:
        target = os.path.join(datadir, fname + "_archive")
        extraction_dir = os.path.join(datadir, fname)
    else:
        target = os.path.join(datadir, fname)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                    hash_algorithm):
        print_msg(f"A local file was found, but its {_algorithm(hash_algorithm, file_hash)} "
                  f"hash does not match {file_hash}: downloading it again.")
        download = True
    if download:
        _download(origin, target, file_hash, hash_algorithm)

    if not extracting:
        return target
    if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
        warnings.warn(f"get_file: could not extract {target} (not a "
                      f"{'tar' if untar else archive_format} archive)", stacklevel=2)
    return extraction_dir


def _writable_root(cache_dir):
    root = os.path.expanduser(cache_dir if cache_dir is not None else os.environ.get(
        "KERAS_HOME", os.path.join("~", ".keras")))
    try:
        os.makedirs(root, exist_ok=True)
    except OSError:
        pass
    if os.access(root, os.W_OK):
        return root
    # as Keras: a read-only home falls back to the temporary folder
    return os.path.join(tempfile.gettempdir(), ".keras")


def _download(origin, target, file_hash, hash_algorithm):
    print_msg(f"Downloading data from {origin}")
    handle, tmp = tempfile.mkstemp(prefix=os.path.basename(target) + ".",
                                   suffix=".part", dir=os.path.dirname(target))
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                _copy_url(origin, out)
            except urllib.error.HTTPError as e:
                raise OSError(f"get_file: URL fetch failure on {origin}: {e.code} -- "
                              f"{e.msg}{_offline_hint(target)}") from e
            except urllib.error.URLError as e:
                raise OSError(f"get_file: URL fetch failure on {origin}: "
                              f"{e.reason}{_offline_hint(target)}") from e
            except (ConnectionError, TimeoutError, http.client.HTTPException) as e:
                # the connection dropped or timed out mid-download
                raise OSError(f"get_file: URL fetch failure on {origin}: "
                              f"{e}{_offline_hint(target)}") from e
        if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
            raise ValueError(f"get_file: the file downloaded from {origin} is incomplete or "
                             f"corrupted: its {_algorithm(hash_algorithm, file_hash)} hash does "
                             f"not match {file_hash}")
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _copy_url(origin, out):
    with urllib.request.urlopen(origin) as response:
        total = response.headers.get("Content-Length")
        bar = Progbar(int(total) if total else None)
        done = 0
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            out.write(chunk)
            done += len(chunk)
            bar.update(done, finalize=False)
        bar.update(done, finalize=True)


def _offline_hint(target):
    # Without a network the user's way out is to place the file in the cache by hand.
    return (f". It was to be cached at {target}; without a network, copy the file there and "
            "get_file will use it")


def _algorithm(algorithm, file_hash):
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    return algorithm


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK) -> str:
    """The hex digest of the file at ``fpath`` (``"sha256"`` or ``"md5"``)."""
    hasher = hashlib.new(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK) -> bool:
    """Whether the file's hash is ``file_hash``; ``"auto"``: sha256 for 64 hex digits, md5
    otherwise."""
    return hash_file(fpath, _algorithm(algorithm, file_hash), chunk_size) == str(file_hash)


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extracts a tar or zip archive into the folder ``path`` (replacing it); True when the
    file was an archive of one of ``archive_format``'s kinds. Members that would land outside
    ``path`` are skipped."""
    if archive_format is None:
        return False
    kinds = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for kind in kinds:
        if kind not in ("tar", "zip"):
            raise ValueError(f"extract_archive: archive_format must be 'tar', 'zip' or 'auto'; "
                             f"got {kind!r}")
        is_kind = tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile
        if not is_kind(file_path):
            continue
        path = os.path.abspath(path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        staging = tempfile.mkdtemp(prefix=os.path.basename(path) + ".", suffix=".part",
                                   dir=os.path.dirname(path))
        try:
            if kind == "tar":
                with tarfile.open(file_path) as archive:
                    _extract_tar(archive, staging)
            else:
                with zipfile.ZipFile(file_path) as archive:
                    _extract_zip(archive, staging)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)
            os.replace(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return True
    return False


def _inside(base, name) -> bool:
    target = os.path.realpath(os.path.join(base, name))
    return os.path.commonpath([target, base]) == base


def _skip(name):
    warnings.warn(f"Skipping invalid path during archive extraction: {name!r}", stacklevel=3)


def _extract_zip(archive, base):
    base = os.path.realpath(base)
    for info in archive.infolist():
        if _inside(base, info.filename):
            archive.extract(info, base)
        else:
            _skip(info.filename)


def _extract_tar(archive, base):
    base = os.path.realpath(base)
    safe = []
    for info in archive.getmembers():
        if not _inside(base, info.name):
            _skip(info.name)
        elif info.issym() and not _inside(
                base, os.path.join(os.path.dirname(info.name), info.linkname)):
            _skip(info.name)
        elif info.islnk() and not _inside(base, info.linkname):
            _skip(info.name)
        elif info.isdev():
            _skip(info.name)
        else:
            safe.append(info)
    if hasattr(tarfile, "data_filter"):
        # Python's own guard as well: no absolute paths, no setuid bits, no devices
        archive.extractall(base, members=safe, filter="data")
    else:
        archive.extractall(base, members=safe)
