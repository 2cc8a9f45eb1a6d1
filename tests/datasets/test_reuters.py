import numpy as np
import pytest
from keras.src.datasets import reuters as keras_reuters

from sloi.datasets import reuters
from tests.datasets import tiny_files


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tiny_files.reuters_file(str(tmp_path))
    tiny_files.register(monkeypatch, "reuters.npz", path)
    tiny_files.no_network(monkeypatch)
    monkeypatch.setattr(keras_reuters, "get_file", lambda *a, **k: path)
    return tmp_path


@pytest.mark.parametrize("kwargs", [
    {},
    {"num_words": 30, "skip_top": 3, "test_split": 0.3},
    {"maxlen": 9, "seed": 3},
    {"oov_char": None, "num_words": 20, "start_char": None},
])
def test_matches_keras_on_the_same_file(cache, kwargs):
    mine = reuters.load_data(cache_dir=cache, **kwargs)
    theirs = keras_reuters.load_data(**kwargs)
    for (x1, y1), (x2, y2) in zip(mine, theirs):
        assert x1.dtype == object and x1.shape == x2.shape
        assert [list(v) for v in x1] == [list(v) for v in x2]
        np.testing.assert_array_equal(y1, y2)


def test_label_names_match_keras():
    assert reuters.get_label_names() == keras_reuters.get_label_names()


def test_bad_test_split():
    with pytest.raises(ValueError, match="test_split must be between 0 and 1; got 1.5"):
        reuters.load_data(test_split=1.5)
