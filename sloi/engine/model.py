"""``Model``: a layer made of layers.

``Model(inputs=..., outputs=...)`` gives a ``Functional`` model (the lecture's way); a subclass
of ``Model`` with its own ``call`` is a model too (Keras's subclassing API). Both are layers, so
a model can be called inside another model.
"""

from __future__ import annotations

from sloi.engine.layer import Layer

# The training loop lives on a higher floor (sloi/training) and plugs itself in here when
# imported, so that Model.fit works without this floor importing upwards.
_trainer_factory = None


def register_trainer(factory) -> None:
    """Called by ``sloi.training``: ``factory(model)`` returns the model's trainer."""
    global _trainer_factory
    _trainer_factory = factory


# Saving and configs live on a higher floor too (sloi/saving), plugged in the same way.
_saving = None


def register_saving(api) -> None:
    """Called by ``sloi.saving``: ``api`` provides ``save_model``, ``save_weights``,
    ``load_weights``, ``to_json``, ``get_compile_config``, ``compile_from_config`` and the
    functional / sequential config functions."""
    global _saving
    _saving = api


def saving_api():
    if _saving is None:
        raise RuntimeError("sloi.saving is not loaded: import sloi first")
    return _saving


# Export (ONNX, torch.export) lives in sloi/saving/export.py, plugged in the same way.
_exporter = None


def register_exporter(export) -> None:
    """Called by ``sloi.saving.export``: ``export(model, filepath, ...)`` writes the file."""
    global _exporter
    _exporter = export


class Model(Layer):
    """A model: ``Model(inputs, outputs)`` builds a functional model; subclass it to write
    ``call`` yourself."""

    _is_container = True
    keeps_integer_inputs = True  # each input is cast to its Input's dtype by the model itself

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from sloi.engine.functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args:
            raise TypeError(
                f"{type(self).__name__}() takes keyword arguments only (or inputs and outputs)"
            )
        super().__init__(**kwargs)

    @property
    def layers(self) -> list[Layer]:
        return [m for m in self._child_modules() if isinstance(m, Layer)]

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """A functional model's config (``layers``, ``input_layers``, ``output_layers``) gives
        a functional model, as in Keras; any other config is ``cls(**config)``."""
        if isinstance(config, dict) and "layers" in config and (
                "input_layers" in config or "output_layers" in config):
            from sloi.engine.functional import Functional

            target = Functional if cls is Model else cls
            return saving_api().functional_from_config(target, config, custom_objects)
        return cls(**config)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by its name or by its position in ``layers``."""
        layers = self.layers
        if index is not None and name is not None:
            raise ValueError("get_layer: give a name or an index, not both")
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f'Model "{self.name}" has {len(layers)} layers; no layer at index {index}'
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f'Model "{self.name}" has no layer named "{name}". '
                f"Its layers are: {[layer.name for layer in layers]}"
            )
        raise ValueError("get_layer: give a layer name or an index")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the layers, output shapes and parameter counts as Keras does.

        Args:
            line_length: total width in characters.
            positions: right edges of the columns, as fractions of the width or absolute.
            print_fn: called with each line instead of ``print``.
            expand_nested: list the layers of nested models under them ("└ name").
            show_trainable: add a column saying whether each layer is trainable.
            layer_range: two layer-name patterns (``re.match``): print only the rows from the
                first match to the last.
        """
        from sloi.engine.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # ------------------------------------------------------------------ training (sloi.training)
    @property
    def _trainer(self):
        trainer = self.__dict__.get("_sloi_trainer")
        if trainer is None:
            if _trainer_factory is None:
                raise RuntimeError("sloi.training is not loaded: import sloi first")
            trainer = _trainer_factory(self)
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
        return self._trainer.fit(x, y, **kwargs)

    def evaluate(self, x=None, y=None, **kwargs):
        """The loss and metrics on ``x`` / ``y``."""
        return self._trainer.evaluate(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """Outputs for ``x`` as numpy arrays, computed batch by batch."""
        return self._trainer.predict(x, **kwargs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        return self._trainer.train_on_batch(x, y, sample_weight, class_weight, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        return self._trainer.test_on_batch(x, y, sample_weight, return_dict)

    def predict_on_batch(self, x):
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

    # ------------------------------------------------------------------ saving (sloi.saving)
    def save(self, filepath, overwrite=True, **kwargs):
        """Save the architecture, weights, compile arguments and optimizer state, by the
        file's name: ``.sloi`` (sloi's own; every optimizer's state), ``.keras`` (a Keras 3
        archive Keras loads) or ``.h5`` (Keras's legacy HDF5). ``sloi.models.load_model``
        reads all three; a model Keras cannot express is refused before anything is
        written."""
        return saving_api().save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights to a ``.weights.safetensors`` file, or to Keras 3's
        ``.weights.h5`` layout."""
        return saving_api().save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Load weights saved by ``save_weights`` (or ``save``): by order, or by layer path with
        ``by_name=True``; nothing changes unless every weight fits (``skip_mismatch=True``
        skips those that do not, with a warning)."""
        return saving_api().load_weights(self, filepath, skip_mismatch=skip_mismatch,
                                         by_name=by_name, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's config as a JSON string (``sloi.models.model_from_json`` reads it)."""
        return saving_api().to_json(self, **kwargs)

    def get_compile_config(self):
        """The arguments of ``compile``, serialized; None when the model is not compiled."""
        return saving_api().get_compile_config(self)

    def compile_from_config(self, config):
        """``compile`` with the arguments ``get_compile_config`` returned."""
        return saving_api().compile_from_config(self, config)

    def export(self, filepath, format="onnx", verbose=None, input_signature=None, **kwargs):
        """Export for inference: ``format="onnx"`` (an ONNX file; ``pip install "sloi[onnx]"``)
        or ``format="torch"`` (a ``torch.export`` program in a ``.pt2`` file). Keyword
        arguments: ``dynamic_batch=True``, ``opset=None``; see ``sloi.saving.export``."""
        if _exporter is None:
            raise RuntimeError("sloi.saving is not loaded: import sloi first")
        return _exporter(self, filepath, format=format, verbose=verbose,
                         input_signature=input_signature, **kwargs)
