import numpy as np
import pytest

from sloi.datasets import next_word


def test_corpus_and_word_index():
    ru, en = next_word.get_phrases("ru"), next_word.get_phrases("en")
    assert len(ru) + len(en) >= 300 and next_word.get_phrases() == ru + en
    assert "я иду гулять" in ru and "поэт Александр Сергеевич Пушкин" in ru
    assert "I lived in France and I speak fluent French" in en
    index = next_word.get_word_index("ru")
    assert sorted(index.values()) == list(range(1, len(index) + 1))
    counts = {w: sum(p.lower().split().count(w) for p in ru) for w in index}
    ranked = sorted(index, key=index.get)
    assert all(counts[a] >= counts[b] for a, b in zip(ranked, ranked[1:]))
    assert "ёжик" not in index and "по-французски" in index and "пушкин" in index


def test_samples_are_prefixes_and_next_words():
    (x, y), (x_test, y_test) = next_word.load_data("ru", test_split=0.25, seed=1)
    index = next_word.get_word_index("ru")
    word = {i: w for w, i in index.items()}
    phrases = set(next_word.get_phrases("ru"))
    assert x.dtype == y.dtype == np.int64 and x.shape[1] == x_test.shape[1] == 6
    for prefix, target in zip(x[:50], y[:50]):
        words = [word[i] for i in prefix if i]
        assert any(p.lower().startswith(" ".join(words + [word[target]])) for p in phrases)
    assert "иду" in {word[i] for i in y[(x[:, -1] == index["я"])]}
    n_samples = sum(len(p.split()) - 1 for p in phrases)
    assert len(x) + len(x_test) == n_samples


def test_maxlen_keeps_the_last_words_and_seed_splits():
    (x, y), _ = next_word.load_data("en", maxlen=2, seed=0)
    assert x.shape[1] == 2 and (x[:, -1] > 0).all()
    a, b = next_word.load_data(seed=0), next_word.load_data(seed=2)
    assert not np.array_equal(a[0][1], b[0][1])
    np.testing.assert_array_equal(a[1][0], next_word.load_data(seed=0)[1][0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="language must be one of"):
        next_word.load_data("de")
    with pytest.raises(ValueError, match="maxlen must be an integer >= 1"):
        next_word.load_data(maxlen=0)
