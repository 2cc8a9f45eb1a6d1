"""Optimizers with Keras 3's names, arguments and numbers, running on `torch.optim`.

`sloi.optimizers.Adam(1e-3)`, `get("sgd")`; learning-rate schedules live in
`sloi.optimizers.schedules`; `legacy` holds Keras 3's placeholders for Keras 2's optimizers.
"""

from sloi.optimizers import legacy, schedules
from sloi.optimizers.adadelta import Adadelta
from sloi.optimizers.adafactor import Adafactor
from sloi.optimizers.adagrad import Adagrad
from sloi.optimizers.adam import Adam, AdamW
from sloi.optimizers.adamax import Adamax
from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.ftrl import Ftrl
from sloi.optimizers.lamb import Lamb
from sloi.optimizers.lion import Lion
from sloi.optimizers.loss_scale_optimizer import LossScaleOptimizer
from sloi.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from sloi.optimizers.muon import Muon
from sloi.optimizers.nadam import Nadam
from sloi.optimizers.rmsprop import RMSprop
from sloi.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from sloi.optimizers.serialization import deserialize, get, serialize
from sloi.optimizers.sgd import SGD

__all__ = [
    "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
    "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam", "Optimizer", "OptimizerMap",
    "RMSprop", "ScheduleFreeAdamW", "deserialize", "get", "legacy", "schedules", "serialize",
]
