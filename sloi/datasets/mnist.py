"""MNIST handwritten digits: Keras's ``mnist.npz``, 60,000 + 10,000 grey 28x28 images.

The file is downloaded once into ``~/.sloi/datasets``; without a network, put ``mnist.npz``
there by hand.
"""

from __future__ import annotations

import numpy as np

from sloi.datasets import _cache


def load_data(path="mnist.npz", cache_dir=None):
    """Load MNIST, as ``keras.datasets.mnist.load_data`` does.

    Args:
        path: where the file is kept, relative to the cache folder (or absolute).
        cache_dir: the cache folder instead of ``~/.sloi/datasets`` (or ``$SLOI_HOME``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 28, 28)`` with values
        0..255 and uint8 digit labels ``(n,)``.
    """
    local = _cache.get_file("mnist.npz", path, cache_dir)
    with np.load(local, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
