"""Optimizers with Keras 3's names, arguments and numbers, running on `torch.optim`.

`sloi.optimizers.Adam(1e-3)`, `get("sgd")`; learning-rate schedules live in
`sloi.optimizers.schedules`.
"""

from sloi.optimizers import schedules
from sloi.optimizers.adadelta import Adadelta
from sloi.optimizers.adagrad import Adagrad
from sloi.optimizers.adam import Adam, AdamW
from sloi.optimizers.adamax import Adamax
from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.lion import Lion
from sloi.optimizers.nadam import Nadam
from sloi.optimizers.rmsprop import RMSprop
from sloi.optimizers.serialization import deserialize, get, serialize
from sloi.optimizers.sgd import SGD

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Lion", "Nadam", "Optimizer",
    "RMSprop", "deserialize", "get", "schedules", "serialize",
]
