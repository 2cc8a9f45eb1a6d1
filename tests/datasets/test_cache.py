import os

import pytest

from sloi.datasets import _cache
from tests.datasets import tiny_files


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SLOI_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "datasets"


def test_cache_folder_from_home_env_and_argument(tmp_path, monkeypatch):
    monkeypatch.delenv("SLOI_HOME", raising=False)
    assert _cache.cache_dir() == os.path.join(os.path.expanduser("~"), ".sloi", "datasets")
    monkeypatch.setenv("SLOI_HOME", str(tmp_path))
    assert _cache.cache_dir() == os.path.join(str(tmp_path), "datasets")
    assert _cache.cache_dir(tmp_path / "mine") == str(tmp_path / "mine")


def test_recorded_checksums_are_kerass():
    assert _cache.CHECKSUMS["imdb.npz"] == (
        "sha256", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
    assert _cache.CHECKSUMS["mnist.npz"][0] == "sha256"
    assert _cache.CHECKSUMS["imdb_word_index.json"][0] == "md5"  # all Keras records for it


def test_missing_file_without_network_names_url_and_path(home, monkeypatch):
    tried = tiny_files.no_network(monkeypatch)
    with pytest.raises(OSError) as info:
        _cache.get_file("mnist.npz")
    message = str(info.value)
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert str(home / "mnist.npz") in message and "put it at" in message
    assert tried == [_cache.ORIGIN + "mnist.npz"]
    assert not home.exists() or os.listdir(home) == []  # nothing half-written left


def test_download_once_checked_and_atomic(home, monkeypatch, tmp_path):
    source = tiny_files.mnist_file(str(tmp_path))
    tiny_files.register(monkeypatch, "mnist.npz", source)
    calls = []

    def download(url, destination):
        calls.append(url)
        assert os.path.dirname(destination) == str(home)  # written beside, then renamed
        with open(source, "rb") as f, open(destination, "wb") as out:
            out.write(f.read())

    monkeypatch.setattr(_cache, "_download", download)
    path = _cache.get_file("mnist.npz")
    assert path == str(home / "mnist.npz") and os.listdir(home) == ["mnist.npz"]
    assert _cache.get_file("mnist.npz") == path
    assert len(calls) == 1


def test_bad_download_is_refused_and_removed(home, monkeypatch, tmp_path):
    tiny_files.register(monkeypatch, "mnist.npz", tiny_files.mnist_file(str(tmp_path)))

    def download(url, destination):
        with open(destination, "wb") as out:
            out.write(b"an error page")

    monkeypatch.setattr(_cache, "_download", download)
    with pytest.raises(ValueError, match="the download of .*mnist.npz does not match"):
        _cache.get_file("mnist.npz")
    assert os.listdir(home) == []


def test_cached_file_with_wrong_checksum_is_refused_by_name(home, monkeypatch, tmp_path):
    tiny_files.register(monkeypatch, "mnist.npz", tiny_files.mnist_file(str(tmp_path)))
    home.mkdir(parents=True)
    (home / "mnist.npz").write_bytes(b"not mnist")
    tried = tiny_files.no_network(monkeypatch)
    with pytest.raises(ValueError, match=r"cached file .*mnist\.npz does not match the "
                                         r"expected sha256 checksum"):
        _cache.get_file("mnist.npz")
    assert tried == []


def test_path_argument_relative_or_absolute(tmp_path, monkeypatch):
    source = tiny_files.mnist_file(str(tmp_path))
    tiny_files.register(monkeypatch, "mnist.npz", source)
    assert _cache.get_file("mnist.npz", path=source) == source
    assert _cache.get_file("mnist.npz", path="mnist.npz", cache_dir_override=tmp_path) == source


def test_unknown_file():
    with pytest.raises(KeyError, match="no checksum is recorded for 'cifar.npz'"):
        _cache.get_file("cifar.npz")
