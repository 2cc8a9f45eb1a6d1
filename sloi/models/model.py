"""The public ``Model``: the engine's graph base with training and saving on top.

``Model(inputs=..., outputs=...)`` gives a functional model (the lecture's way); a subclass of
``Model`` with its own ``call`` is a model too (Keras's subclassing API). As in Keras's
``keras/src/models/model.py``, this floor imports the training loop and the savers directly.
"""

from __future__ import annotations

import inspect

from sloi.engine import model as graph
from sloi.saving import compile_config
from sloi.saving.export import export_model
from sloi.saving.functional_config import functional_from_config
from sloi.saving.saving_api import load_weights, save_model, save_weights, to_json
from sloi.training import cpu_session
from sloi.training.trainer import Trainer


class Model(graph.Model):
    """A model: ``Model(inputs, outputs)`` builds a functional model; subclass it to write
    ``call`` yourself."""

    config_class_name = "Model"

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from sloi.models.functional import Functional  # defined on top of this class

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if functional_arguments(args, kwargs):
            # A subclass given inputs and outputs (in its own __init__, or as
            # CustomFit(inputs, outputs)) is a functional model with the subclass's methods on
            # top: as Keras does, Functional takes Model's place among the class's bases.
            from sloi.models.functional import Functional

            if not isinstance(self, Functional):
                _put_functional_under(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        super().__init__(*args, **kwargs)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """A functional model's config (``layers``, ``input_layers``, ``output_layers``) gives
        a functional model, as in Keras, where the class's ``__init__`` takes inputs and
        outputs; any other config is ``cls(**config)``."""
        if isinstance(config, dict) and "layers" in config and (
                "input_layers" in config or "output_layers" in config) and (
                functional_like_constructor(cls)):
            from sloi.models.functional import Functional

            target = Functional if cls is Model else cls
            return functional_from_config(target, config, custom_objects)
        return cls(**config)

    # ------------------------------------------------------------------ training
    @property
    def _trainer(self):
        trainer = self.__dict__.get("_sloi_trainer")
        if trainer is None:
            trainer = Trainer(self)
            self.__dict__["_sloi_trainer"] = trainer
        return trainer

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, the loss(es) and the metrics for ``fit`` / ``evaluate``."""
        result = self._trainer.compile(
            optimizer=optimizer, loss=loss, metrics=metrics, loss_weights=loss_weights,
            weighted_metrics=weighted_metrics, run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution, jit_compile=jit_compile,
            auto_scale_loss=auto_scale_loss)
        # Kept as given (once accepted), for get_compile_config() and saving.
        self.__dict__["_compile_args"] = {
            "loss": loss, "loss_weights": loss_weights, "metrics": metrics,
            "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution, "jit_compile": jit_compile}
        return result

    def fit(self, x=None, y=None, **kwargs):
        """Train on ``x`` / ``y`` (arrays, tensors, dicts, generators, datasets, loaders);
        returns a ``History``. Arguments as Keras's ``fit``."""
        with cpu_session.LOOP:
            return self._trainer.fit(x, y, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        """The loss and metrics on ``x`` / ``y``."""
        with cpu_session.LOOP:
            return self._trainer.evaluate(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """Outputs for ``x`` as numpy arrays, computed batch by batch."""
        with cpu_session.LOOP:
            return self._trainer.predict(x, **kwargs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        with cpu_session.BATCH:
            return self._trainer.train_on_batch(x, y, sample_weight, class_weight, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        with cpu_session.BATCH:
            return self._trainer.test_on_batch(x, y, sample_weight, return_dict)

    def predict_on_batch(self, x):
        with cpu_session.BATCH:
            return self._trainer.predict_on_batch(x)

    @property
    def optimizer(self):
        return self._trainer.optimizer

    @property
    def metrics_names(self) -> list[str]:
        """``["loss", <output>_loss..., <metric>...]``: the names in the logs (Keras 2's list;
        Keras 3 names its containers here, ``["loss", "compile_metrics"]``)."""
        return self._trainer.metrics_names

    @property
    def metrics(self) -> list:
        """The loss tracker, the per-output loss trackers and every compiled metric object
        (once the first batch has built them), each with ``name``, ``result()`` and
        ``reset_state()``. Keras 3 lists its compiled metrics as one container here; sloi lists
        them one by one."""
        return self._trainer.metric_objects()

    def reset_metrics(self) -> None:
        """Reset the state of every metric in ``model.metrics``."""
        for metric in self.metrics:
            metric.reset_state()

    @property
    def stop_training(self) -> bool:
        return self.__dict__.get("_stop_training", False)

    @stop_training.setter
    def stop_training(self, value: bool):
        self.__dict__["_stop_training"] = bool(value)

    # ------------------------------------------------------------------ saving
    def save(self, filepath, overwrite=True, **kwargs):
        """Save the architecture, weights, compile arguments and optimizer state, by the
        file's name: ``.sloi`` (sloi's own; every optimizer's state), ``.keras`` (a Keras 3
        archive Keras loads) or ``.h5`` (Keras's legacy HDF5). ``sloi.models.load_model``
        reads all three; a model Keras cannot express is refused before anything is
        written."""
        return save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights to a ``.weights.safetensors`` file, or to Keras 3's
        ``.weights.h5`` layout."""
        return save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Load weights saved by ``save_weights`` (or ``save``): by order, or by layer path with
        ``by_name=True``; nothing changes unless every weight fits (``skip_mismatch=True``
        skips those that do not, with a warning)."""
        return load_weights(self, filepath, skip_mismatch=skip_mismatch,
                            by_name=by_name, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's config as a JSON string (``sloi.models.model_from_json`` reads it)."""
        return to_json(self, **kwargs)

    def get_compile_config(self):
        """The arguments of ``compile``, serialized; None when the model is not compiled."""
        return compile_config.get_compile_config(self)

    def compile_from_config(self, config):
        """``compile`` with the arguments ``get_compile_config`` returned."""
        return compile_config.compile_from_config(self, config)

    def export(self, filepath, format="onnx", verbose=None, input_signature=None, **kwargs):
        """Export for inference: ``format="onnx"`` (an ONNX file; ``pip install "sloi[onnx]"``)
        or ``format="torch"`` (a ``torch.export`` program in a ``.pt2`` file). Keyword
        arguments: ``dynamic_batch=True``, ``opset=None``; see ``sloi.saving.export``."""
        return export_model(self, filepath, format=format, verbose=verbose,
                            input_signature=input_signature, **kwargs)


def functional_arguments(args, kwargs) -> bool:
    """Whether a model constructor's arguments are ``(inputs, outputs)``, given by position
    or by name, as Keras tells them."""
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def functional_like_constructor(cls) -> bool:
    """Whether ``cls(inputs, outputs, name=..., trainable=...)`` can rebuild a model of
    ``cls`` from a functional config: its ``__init__`` is the functional one or takes
    ``*args, **kwargs``. A subclass whose ``__init__`` builds the graph itself is rebuilt
    from its own config (``cls(**config)``) instead, as in Keras."""
    from sloi.models.functional import Functional

    spec = inspect.getfullargspec(cls.__init__)
    if spec.varargs is not None and spec.varkw is not None:
        return True
    return spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]


def _put_functional_under(cls, functional) -> None:
    """Replace ``Model`` by ``functional`` among the bases of ``cls`` and of its ancestors
    that derive from ``Model``, so that ``cls`` itself (its name, its registration for
    saving, its methods) stays the class of its instances."""
    if functional in cls.__mro__:
        return
    bases = []
    for base in cls.__bases__:
        if base is Model:
            base = functional
        elif issubclass(base, Model):
            _put_functional_under(base, functional)
        bases.append(base)
    cls.__bases__ = tuple(bases)
