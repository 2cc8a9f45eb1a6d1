"""``sloi.utils``: helpers at the paths Keras users type (``keras.utils``)."""

from sloi.training.py_dataset import PyDataset, Sequence
from sloi.utils.random import set_random_seed

__all__ = ["PyDataset", "Sequence", "set_random_seed"]
