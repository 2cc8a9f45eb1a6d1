"""Callbacks: hooks into fit / evaluate / predict, as ``keras.callbacks``.

Keras's ``OrbaxCheckpoint`` is JAX-only (Orbax checkpoints JAX arrays) and has no sloi
counterpart; ``ModelCheckpoint`` and ``BackupAndRestore`` cover checkpointing here."""

from sloi.callbacks.backup_and_restore import BackupAndRestore
from sloi.callbacks.callback import Callback
from sloi.callbacks.callback_list import CallbackList
from sloi.callbacks.csv_logger import CSVLogger
from sloi.callbacks.early_stopping import EarlyStopping
from sloi.callbacks.history import History
from sloi.callbacks.lambda_callback import LambdaCallback
from sloi.callbacks.learning_rate_scheduler import LearningRateScheduler
from sloi.callbacks.model_checkpoint import ModelCheckpoint
from sloi.callbacks.monitor_callback import MonitorCallback
from sloi.callbacks.progbar_logger import ProgbarLogger
from sloi.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from sloi.callbacks.remote_monitor import RemoteMonitor
from sloi.callbacks.swap_ema_weights import SwapEMAWeights
from sloi.callbacks.tensorboard import TensorBoard
from sloi.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "MonitorCallback",
    "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor", "SwapEMAWeights", "TensorBoard",
    "TerminateOnNaN",
]
