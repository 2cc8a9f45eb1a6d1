"""Floor 5: compile / fit / evaluate / predict (``sloi.models.Model`` drives its ``Trainer``)."""

from sloi.training.py_dataset import PyDataset, Sequence
from sloi.training.trainer import Trainer

__all__ = ["PyDataset", "Sequence", "Trainer"]
