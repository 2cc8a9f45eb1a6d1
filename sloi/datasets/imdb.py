"""IMDB movie reviews, labelled positive (1) or negative (0): Keras's ``imdb.npz``.

25,000 training and 25,000 test reviews, each a list of word ids, a word's id being its rank
by frequency (``3`` encodes the 3rd most frequent word), so ``num_words=10000`` keeps the
10,000 most frequent words. The file is downloaded once into ``~/.sloi/datasets`` (see
``sloi.datasets._cache``); without a network, put ``imdb.npz`` there by hand.
"""

from __future__ import annotations

import numpy as np

from sloi.datasets import _sequences


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """Load the IMDB reviews, as ``keras.datasets.imdb.load_data`` does.

    Args:
        path: where the file is kept, relative to the cache folder (or absolute).
        num_words: keep the ``num_words`` most frequent words; rarer ones become ``oov_char``.
        skip_top: the most frequent words to replace by ``oov_char`` as well.
        maxlen: keep only the reviews shorter than ``maxlen`` words (marks included).
        seed: seed of the shuffle of each split.
        start_char: id put first in every review (None: none).
        oov_char: id of the words cut by ``num_words`` / ``skip_top`` (None: drop them).
        index_from: word ids are shifted by this much (ids 0, 1, 2 are padding, start, OOV).
        cache_dir: the cache folder instead of ``~/.sloi/datasets`` (or ``$SLOI_HOME``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` 1-D object arrays of lists of ids,
        ``y`` arrays of 0/1 labels.
    """
    if kwargs:
        raise TypeError(f"imdb.load_data() got unexpected keyword argument(s) {sorted(kwargs)}")
    arrays = _sequences.load_arrays("imdb.npz", path, cache_dir)
    rng = np.random.RandomState(seed)
    x_train, labels_train = _sequences.shuffled(rng, arrays["x_train"], arrays["y_train"])
    x_test, labels_test = _sequences.shuffled(rng, arrays["x_test"], arrays["y_test"])
    x_train = _sequences.mark(x_train, start_char, index_from)
    x_test = _sequences.mark(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _sequences.shorter_than(maxlen, x_train, labels_train)
        x_test, labels_test = _sequences.shorter_than(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"imdb.load_data: no review is shorter than maxlen={maxlen}; "
                             "increase maxlen")
    xs = _sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    n = len(x_train)
    return ((_sequences.object_array(xs[:n]), labels[:n]),
            (_sequences.object_array(xs[n:]), labels[n:]))


def get_word_index(path="imdb_word_index.json", cache_dir=None) -> dict[str, int]:
    """``{word: id}`` for the IMDB reviews (add ``index_from`` to match ``load_data``'s ids)."""
    return _sequences.load_word_index("imdb_word_index.json", path, cache_dir)
