"""get_file: downloads from a local HTTP server (127.0.0.1) and file:// URLs only; the paths
and the extracted files are compared with Keras 3's get_file on the same sources."""

import hashlib
import http.server
import io
import os
import tarfile
import threading
import zipfile

import keras
import pytest

from sloi.utils import get_file

PAYLOAD = b"sloi " * 1000


class _Handler(http.server.SimpleHTTPRequestHandler):
    hits = []

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        _Handler.hits.append(self.path)
        super().do_GET()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """An HTTP server on 127.0.0.1 serving a folder of test files."""
    root = tmp_path_factory.mktemp("served")
    (root / "data.bin").write_bytes(PAYLOAD)
    with tarfile.open(root / "bundle.tar.gz", "w:gz") as tar:
        for name, data in (("bundle/a.txt", b"alpha"), ("bundle/sub/b.txt", b"beta")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(root / "pack.zip", "w") as z:
        z.writestr("pack/c.txt", "gamma")
    with tarfile.open(root / "evil.tar", "w") as tar:
        for name in ("../escaped.txt", "/tmp/absolute_sloi_test.txt", "fine.txt"):
            info = tarfile.TarInfo(name)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        link = tarfile.TarInfo("link")
        link.type, link.linkname = tarfile.SYMTYPE, "../../outside"
        tar.addfile(link)
    with zipfile.ZipFile(root / "evil.zip", "w") as z:
        z.writestr("../zip_escaped.txt", "x")
        z.writestr("ok.txt", "fine")

    def handler(*args, **kwargs):
        return _Handler(*args, directory=str(root), **kwargs)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    httpd.shutdown()
    httpd.server_close()


def test_downloads_into_the_cache_once(server, tmp_path):
    url, _ = server
    _Handler.hits.clear()
    path = get_file(origin=url + "data.bin", cache_dir=tmp_path)
    assert path == os.path.join(tmp_path, "datasets", "data.bin")
    assert open(path, "rb").read() == PAYLOAD
    assert get_file(origin=url + "data.bin", cache_dir=tmp_path) == path
    assert _Handler.hits == ["/data.bin"]  # the second call used the cache
    get_file(origin=url + "data.bin", cache_dir=tmp_path, force_download=True)
    assert len(_Handler.hits) == 2
    assert [f for f in os.listdir(tmp_path / "datasets")] == ["data.bin"]  # no temp files


def test_the_paths_are_keras_s(server, tmp_path):
    url, _ = server
    for case, kwargs in enumerate((dict(fname="renamed.bin", origin=url + "data.bin"),
                   dict(origin=url + "data.bin", cache_subdir="models"),
                   dict(fname="bundle.tar.gz", origin=url + "bundle.tar.gz", extract=True),
                   dict(origin=url + "bundle.tar.gz", extract=True),
                   dict(fname="bundle", origin=url + "bundle.tar.gz", untar=True),
                   dict(origin=url + "pack.zip", extract=True, archive_format="zip"))):
        mine, keras_dir = tmp_path / f"sloi{case}", tmp_path / f"keras{case}"
        keras_dir.mkdir()  # Keras falls back to /tmp/.keras for a folder not there yet
        ours = get_file(cache_dir=mine, **kwargs)
        theirs = keras.utils.get_file(cache_dir=str(keras_dir), **kwargs)
        assert os.path.relpath(ours, mine) == os.path.relpath(theirs, keras_dir)
        if os.path.isdir(theirs):
            assert _tree(ours) == _tree(theirs)


def _tree(folder):
    found = {}
    for here, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(here, name)
            found[os.path.relpath(path, folder)] = open(path, "rb").read()
    return found


def test_extracts_tar_and_zip(server, tmp_path):
    url, _ = server
    folder = get_file(origin=url + "bundle.tar.gz", extract=True, cache_dir=tmp_path)
    assert _tree(folder) == {"bundle/a.txt": b"alpha", "bundle/sub/b.txt": b"beta"}
    folder = get_file(origin=url + "pack.zip", extract=True, cache_dir=tmp_path)
    assert _tree(folder) == {"pack/c.txt": b"gamma"}


def test_archives_cannot_write_outside_their_folder(server, tmp_path):
    url, _ = server
    cache = tmp_path / "cache"
    with pytest.warns(UserWarning, match="Skipping invalid path"):
        folder = get_file(origin=url + "evil.tar", extract=True, cache_dir=cache)
    assert _tree(folder) == {"fine.txt": b"x"}
    assert not os.path.lexists(os.path.join(folder, "link"))
    assert not (cache / "datasets" / "escaped.txt").exists()
    assert not os.path.exists("/tmp/absolute_sloi_test.txt")
    with pytest.warns(UserWarning, match="Skipping invalid path"):
        folder = get_file(origin=url + "evil.zip", extract=True, cache_dir=cache)
    assert _tree(folder) == {"ok.txt": b"fine"}
    assert not (cache / "datasets" / "zip_escaped.txt").exists()


@pytest.mark.parametrize("algorithm", ["md5", "sha256"])
def test_file_hash_is_checked(server, tmp_path, algorithm):
    url, _ = server
    digest = hashlib.new(algorithm, PAYLOAD).hexdigest()
    path = get_file(origin=url + "data.bin", file_hash=digest, cache_dir=tmp_path)  # auto
    assert open(path, "rb").read() == PAYLOAD
    # a corrupted cached file is downloaded again
    open(path, "wb").write(b"corrupted")
    _Handler.hits.clear()
    get_file(origin=url + "data.bin", file_hash=digest, hash_algorithm=algorithm,
             cache_dir=tmp_path)
    assert _Handler.hits == ["/data.bin"] and open(path, "rb").read() == PAYLOAD
    # a download that does not match raises and leaves nothing behind
    with pytest.raises(ValueError, match="incomplete or corrupted"):
        get_file(fname="other.bin", origin=url + "data.bin", file_hash="0" * len(digest),
                 cache_dir=tmp_path)
    assert not os.path.exists(tmp_path / "datasets" / "other.bin")
    assert sorted(os.listdir(tmp_path / "datasets")) == ["data.bin"]


def test_md5_hash_argument(server, tmp_path):
    url, _ = server
    path = get_file(origin=url + "data.bin", md5_hash=hashlib.md5(PAYLOAD).hexdigest(),
                    cache_dir=tmp_path)
    assert open(path, "rb").read() == PAYLOAD


def test_file_urls_work(server, tmp_path):
    _, root = server
    path = get_file(origin=(root / "data.bin").as_uri(), cache_dir=tmp_path)
    assert open(path, "rb").read() == PAYLOAD


def test_failures_name_the_url_and_leave_no_file(server, tmp_path):
    url, _ = server
    with pytest.raises(OSError, match=r"URL fetch failure on .*missing.bin: 404"):
        get_file(origin=url + "missing.bin", cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []
    with pytest.raises(ValueError, match="bare file name"):
        get_file(fname="a/b.bin", origin=url + "data.bin", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin", cache_dir=tmp_path)


def test_default_cache_is_keras_home(server, tmp_path, monkeypatch):
    url, _ = server
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    assert get_file(origin=url + "data.bin") == str(tmp_path / "home" / "datasets" / "data.bin")


def _closed_port():
    """A 127.0.0.1 port nothing listens on: connecting is refused at once (no network)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_names_the_url_and_the_cache_path(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/offline.bin"
    cached = os.path.join(tmp_path, "datasets", "offline.bin")
    with pytest.raises(OSError) as error:
        get_file(origin=url, cache_dir=tmp_path)
    message = str(error.value)
    assert f"URL fetch failure on {url}" in message
    assert f"cached at {cached}" in message
    assert os.listdir(tmp_path / "datasets") == []  # no partial file left behind
    # Keras fails on the same unreachable URL as well (its message names the URL too)
    with pytest.raises(Exception, match="URL fetch failure on"):
        keras.utils.get_file(origin=url, cache_dir=str(tmp_path / "keras"))


def test_a_cached_file_is_used_without_the_network(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/offline.bin"
    os.makedirs(tmp_path / "datasets")
    (tmp_path / "datasets" / "offline.bin").write_bytes(PAYLOAD)
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    for kwargs in ({}, {"file_hash": digest}):
        ours = get_file(origin=url, cache_dir=tmp_path, **kwargs)
        theirs = keras.utils.get_file(origin=url, cache_dir=str(tmp_path), **kwargs)
        assert ours == theirs == os.path.join(tmp_path, "datasets", "offline.bin")
    # a cached file whose hash does not match is fetched again, and that fails offline
    with pytest.raises(OSError, match="URL fetch failure"):
        get_file(origin=url, cache_dir=tmp_path, file_hash="0" * 64)
    assert (tmp_path / "datasets" / "offline.bin").read_bytes() == PAYLOAD
