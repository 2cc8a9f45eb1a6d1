"""``Model``'s graph base: a layer made of layers.

``Functional(inputs=..., outputs=...)`` is a graph model (the public
``sloi.Model(inputs, outputs)`` gives one); a subclass with its own ``call`` is a model too.
Both are layers, so a model can be called inside another model. Training and saving live on
higher floors: the public ``Model`` (``sloi/models/model.py``) composes them with this base.
"""

from __future__ import annotations

from sloi.engine.config_decoder import catalogue
from sloi.engine.layer import Layer
from sloi.engine.summary import print_summary


class Model(Layer):
    """The graph base of a model: a layer made of layers, with ``layers``, ``get_layer`` and
    ``summary``. It knows nothing of training or files: the public ``sloi.models.Model`` adds
    ``fit``, ``save``, ``export``, ... on top of it."""

    _is_container = True
    keeps_integer_inputs = True  # each input is cast to its Input's dtype by the model itself

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A public model class (sloi/models) claims its config name in the class catalogue,
        # so configs naming "Functional" find it and not this graph base.
        if "config_class_name" in cls.__dict__:
            catalogue(cls, cls.config_class_name)

    def __init__(self, *args, **kwargs):
        if args:
            raise TypeError(
                f"{type(self).__name__}() takes keyword arguments only (or inputs and outputs)"
            )
        super().__init__(**kwargs)

    def _summary_rows(self) -> tuple[list, bool]:
        """The layers ``summary`` gives a row, and whether it prints them as a stack (no
        "Connected to" column): a subclassed model's layers, as a stack."""
        return self.layers, True

    @property
    def layers(self) -> list[Layer]:
        return [m for m in self.child_modules() if isinstance(m, Layer)]

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
        steps, stack_like = self._summary_rows()
        print_summary(self, steps, stack_like, line_length=line_length, positions=positions,
                      print_fn=print_fn, expand_nested=expand_nested,
                      show_trainable=show_trainable, layer_range=layer_range)
