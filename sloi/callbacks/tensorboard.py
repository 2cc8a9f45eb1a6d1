"""``TensorBoard``: losses, metrics, learning rate and weight histograms as TensorBoard event
files, laid out as Keras's ``TensorBoard`` callback lays them out.

The files are written with ``torch.utils.tensorboard.SummaryWriter``, which needs the optional
``tensorboard`` package; it is imported when a ``TensorBoard`` is created, never by
``import sloi``.
"""

from __future__ import annotations

import numbers
import os
import time
import warnings
from collections.abc import Mapping

import numpy as np

from sloi.callbacks.callback import Callback
from sloi.engine import Functional, Sequential

_INSTALL = 'pip install tensorboard (or pip install "sloi[tensorboard]")'


class TensorBoard(Callback):
    """Logs for TensorBoard: ``log_dir/train`` for training, ``log_dir/validation`` for
    validation, as Keras writes them.

    What is written (steps as in Keras):

    * each epoch, ``epoch_<name>`` for every log (``val_<name>`` goes to the validation writer
      as ``epoch_<name>``), plus ``epoch_learning_rate`` from the optimizer; step = the epoch
      index (0-based);
    * with ``update_freq`` ``"batch"`` or N, ``batch_<name>`` for every batch log every N
      batches; the step counts the batches of this ``fit`` from 1;
    * at the end of each evaluation (``evaluate`` or fit's validation) when the model has an
      optimizer, ``evaluation_<name>_vs_iterations`` to the validation writer, step = the
      optimizer's ``iterations``;
    * every ``histogram_freq`` epochs, a histogram of each weight, tagged
      ``<weight path>/histogram`` (the path Keras gives the weight, e.g.
      ``sequential/dense/kernel``), step = the epoch;
    * ``write_graph``: the model's Keras config (tag ``keras``, plugin ``graph_keras_model``,
      step 0, train writer; Functional and Sequential models), which TensorBoard's Graphs tab
      draws as Keras's conceptual graph. No torch op graph is written.

    Writers are flushed each epoch and closed when training (or a lone ``evaluate``) ends.

    Args:
        log_dir: the folder of the logs; use one per run.
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph: whether to write the model's config for the Graphs tab.
        write_images: with histograms, also each weight as an image (``<path>/image``; at most
            3 images per weight, as Keras).
        write_steps_per_second: also log ``epoch_steps_per_second`` (and
            ``batch_steps_per_second`` with batch logging).
        update_freq: ``"epoch"``, ``"batch"`` (every batch) or a positive int N (every N
            batches).
        profile_batch: only 0; profiling is not supported yet.
        embeddings_freq: only 0; the embedding projector is not supported yet.
        embeddings_metadata: only None (for the same reason).

    Example:
        >>> model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[TensorBoard("logs")])
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"TensorBoard: log_dir must be a path; got {log_dir!r}")
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, numbers.Integral) \
                or histogram_freq < 0:
            raise ValueError("TensorBoard: histogram_freq must be an int >= 0 (epochs); got "
                             f"{histogram_freq!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(
                update_freq, numbers.Integral) or update_freq < 1):
            raise ValueError('TensorBoard: update_freq must be "epoch", "batch" or a positive '
                             f"int (every that many batches); got update_freq={update_freq!r}")
        for name, value, default in (("profile_batch", profile_batch, 0),
                                     ("embeddings_freq", embeddings_freq, 0),
                                     ("embeddings_metadata", embeddings_metadata, None)):
            if (value is not None) if default is None else value != default:
                raise ValueError(f"TensorBoard: {name} is not supported yet; got {name}="
                                 f"{value!r} (leave it at {default!r})")
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as e:
            raise ImportError(f"TensorBoard needs the tensorboard package: {_INSTALL}") from e
        self._writer_class = SummaryWriter
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq if update_freq == "epoch" else int(update_freq)
        self._writers = {}
        self._global_train_batch = 0
        self._in_fit = False  # a lone evaluate() closes its writers; one inside fit flushes
        self._batch_start_time = 0.0

    # ------------------------------------------------------------------ writers
    def set_model(self, model):
        super().set_model(model)
        self._writers = {}  # a new fit or evaluate writes new event files, as Keras
        if self.write_graph and isinstance(model, Functional):
            self._write_model_config()

    def _writer(self, which: str):
        """The ``"train"`` or ``"validation"`` writer, created on first use (so that a run
        without validation leaves no validation folder)."""
        if which not in self._writers:
            self._writers[which] = self._writer_class(os.path.join(self.log_dir, which))
        return self._writers[which]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _write_model_config(self):
        try:
            config = self.model.to_json()
        except Exception as e:  # as Keras: a model that cannot be serialized is not drawn
            warnings.warn(f"TensorBoard: model failed to serialize as JSON, no graph written: "
                          f"{e}", stacklevel=2)
            return
        from tensorboard.compat.proto import summary_pb2, tensor_pb2, types_pb2

        meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING,
                                        string_val=[config.encode("utf-8")])
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(
            tag="keras", metadata=meta, tensor=tensor)])
        self._writer("train")._get_file_writer().add_summary(summary, 0)

    # ------------------------------------------------------------------ training
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq:
            return  # the batch logs are read (a device sync) only on the batches written
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start_time
            writer.add_scalar("batch_steps_per_second", 1.0 / max(elapsed, 1e-9), step)
        if isinstance(logs, Mapping):
            for name, value in logs.items():
                writer.add_scalar(f"batch_{name}", float(value), step)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if logs:
            train = {k: v for k, v in logs.items() if not k.startswith("val_")}
            val = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
            learning_rate = getattr(self._optimizer(), "learning_rate", None)
            if learning_rate is not None:
                train["learning_rate"] = learning_rate
            if self.write_steps_per_second:
                elapsed = max(time.time() - self._epoch_start_time, 1e-9)
                steps = (self._iterations() or 0) - (self._epoch_start_iterations or 0)
                train["steps_per_second"] = steps / elapsed
            for which, values in (("train", train), ("validation", val)):
                for name, value in values.items():
                    self._writer(which).add_scalar(f"epoch_{name}", float(value), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_predict_end(self, logs=None):
        self._close_writers()  # set_model may have written the graph

    # ------------------------------------------------------------------ evaluation
    def on_test_end(self, logs=None):
        iterations = self._iterations()
        if iterations is not None and logs:
            writer = self._writer("validation")
            for name, value in logs.items():
                writer.add_scalar(f"evaluation_{name}_vs_iterations", float(value), iterations)
        if self._in_fit:
            if "validation" in self._writers:
                self._writers["validation"].flush()
        else:
            self._close_writers()  # a lone evaluate(): nothing follows to close them

    # ------------------------------------------------------------------ helpers
    def _optimizer(self):
        return getattr(self.model, "optimizer", None) if self.model is not None else None

    def _iterations(self):
        iterations = getattr(self._optimizer(), "iterations", None)
        return None if iterations is None else int(iterations)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for path, weight in _keras_weight_paths(self.model):
            tag = path.replace(":", "_")
            values = weight.detach().float().cpu().numpy()
            writer.add_histogram(f"{tag}/histogram", values, epoch)
            if self.write_images:
                image = _weight_image(values)
                if image is not None:
                    writer.add_images(f"{tag}/image", image[:3], epoch, dataformats="NHWC")


def _keras_weight_paths(model) -> list:
    """``(path, weight)`` for the weights of each of ``model.layers``, with the path Keras gives
    them: a weight carries the name scope its layer was built in, which is the model's name in
    a Sequential or subclassed model and nothing in a Functional one ("sequential/dense/kernel"
    but "dense/kernel")."""
    def scoped(layer):
        return getattr(layer, "_is_container", False) and (
            isinstance(layer, Sequential) or not isinstance(layer, Functional))

    prefix = f"{model.name}/" if scoped(model) else ""
    pairs = []
    for layer in model.layers:
        inner = f"{layer.name}/" if scoped(layer) else ""
        pairs += [(prefix + inner + path, w) for path, w in layer.weights_with_paths()]
    return pairs


def _weight_image(w: np.ndarray):
    """A weight as NHWC images, as Keras shapes them: a bias as a column, a kernel as one
    image (wider than tall), a 1-D convolution kernel as one image per output channel."""
    w = np.squeeze(w)
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        w = w.T if w.shape[0] > w.shape[1] else w
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:
        w = np.transpose(w, (2, 0, 1))[..., None]
    return w if w.ndim == 4 and w.shape[-1] in (1, 3, 4) else None
