import json
import os

import numpy as np
import pytest
from keras.src.datasets import imdb as keras_imdb

from sloi.datasets import imdb
from tests.datasets import tiny_files


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A temporary SLOI_HOME holding a tiny imdb.npz, its checksum registered, no network."""
    folder, _ = tiny_files.cached(tmp_path, monkeypatch, tiny_files.imdb_file, "imdb.npz",
                                  keras_imdb)
    return folder


def _same(mine, theirs):
    for (x1, y1), (x2, y2) in zip(mine, theirs):
        assert x1.dtype == object and x1.shape == x2.shape
        assert [list(v) for v in x1] == [list(v) for v in x2]
        assert all(type(v) is list for v in x1)
        np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("kwargs", [
    {},
    {"num_words": 30, "skip_top": 5},
    {"maxlen": 8, "seed": 7},
    {"oov_char": None, "num_words": 25},
    {"start_char": None, "index_from": 0},
    {"start_char": None, "index_from": 2, "maxlen": 10},
])
def test_matches_keras_on_the_same_file(cache, kwargs):
    _same(imdb.load_data(**kwargs), keras_imdb.load_data(**kwargs))


def test_plain_copy_made_once_and_used_without_the_download(cache):
    first = imdb.load_data()
    assert sorted(os.listdir(cache)) == ["imdb.npz", "imdb.sloi.npz"]
    os.remove(cache / "imdb.npz")
    _same(imdb.load_data(), first)


def test_maxlen_keeping_nothing(cache):
    with pytest.raises(ValueError, match="no review is shorter than maxlen=1"):
        imdb.load_data(maxlen=1)


def test_missing_file_message(tmp_path, monkeypatch):
    monkeypatch.setenv("SLOI_HOME", str(tmp_path))
    tiny_files.no_network(monkeypatch)
    with pytest.raises(OSError, match=r"tf-keras-datasets/imdb\.npz .*put it at .*"
                                      r"datasets/imdb\.npz"):
        imdb.load_data()


def test_word_index(tmp_path, monkeypatch):
    path = tmp_path / "imdb_word_index.json"
    path.write_text(json.dumps({"the": 1, "фильм": 2}), encoding="utf-8")
    tiny_files.register(monkeypatch, "imdb_word_index.json", str(path), algorithm="md5")
    assert imdb.get_word_index(cache_dir=tmp_path) == {"the": 1, "фильм": 2}
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="imdb_word_index.json does not match the expected md5"):
        imdb.get_word_index(cache_dir=tmp_path)


def test_unknown_argument():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['nb_words'\]"):
        imdb.load_data(nb_words=10)
