"""Reuters newswires, labelled by topic (46 topics): Keras's ``reuters.npz``.

11,228 newswires, each a list of word ids ranked by frequency, as in ``imdb``. The file is
downloaded once into ``~/.sloi/datasets``; without a network, put ``reuters.npz`` there by hand.
"""

from __future__ import annotations

import numpy as np

from sloi.datasets import _sequences

_LABELS = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, cache_dir=None):
    """Load the Reuters newswires, as ``keras.datasets.reuters.load_data`` does.

    Args:
        path, num_words, skip_top, maxlen, seed, start_char, oov_char, index_from, cache_dir:
            as in ``sloi.datasets.imdb.load_data``.
        test_split: the fraction of the (shuffled) newswires kept for testing.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` 1-D object arrays of lists of ids,
        ``y`` arrays of topic ids (see ``get_label_names``).
    """
    if not 0.0 <= test_split <= 1.0:
        raise ValueError(f"reuters.load_data: test_split must be between 0 and 1; got "
                         f"{test_split}")
    arrays = _sequences.load_arrays("reuters.npz", path, cache_dir)
    rng = np.random.RandomState(seed)
    xs, labels = _sequences.shuffled(rng, arrays["x"], arrays["y"])
    xs = _sequences.mark(xs, start_char, index_from)
    if maxlen:
        xs, labels = _sequences.shorter_than(maxlen, xs, labels)
    xs = _sequences.limit_vocabulary(xs, num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return ((_sequences.object_array(xs[:n]), np.array(labels[:n])),
            (_sequences.object_array(xs[n:]), np.array(labels[n:])))


def get_word_index(path="reuters_word_index.json", cache_dir=None) -> dict[str, int]:
    """``{word: id}`` for the newswires (add ``index_from`` to match ``load_data``'s ids)."""
    return _sequences.load_word_index("reuters_word_index.json", path, cache_dir)


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, by label id."""
    return _LABELS
