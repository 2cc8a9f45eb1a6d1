"""Floor 4: compile / fit / evaluate / predict. Importing it plugs the loop into ``Model``."""

from sloi.engine.model import register_trainer
from sloi.training.py_dataset import PyDataset, Sequence
from sloi.training.trainer import Trainer

register_trainer(Trainer)

__all__ = ["PyDataset", "Sequence", "Trainer"]
