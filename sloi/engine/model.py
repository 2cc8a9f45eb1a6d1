"""``Model``: a layer made of layers.

``Model(inputs=..., outputs=...)`` gives a ``Functional`` model (the lecture's way); a subclass
of ``Model`` with its own ``call`` is a model too (Keras's subclassing API). Both are layers, so
a model can be called inside another model.
"""

from __future__ import annotations

from sloi.engine.layer import Layer


class Model(Layer):
    """A model: ``Model(inputs, outputs)`` builds a functional model; subclass it to write
    ``call`` yourself."""

    _is_container = True

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
            show_trainable: add a column saying whether each layer is trainable.
        """
        from sloi.engine.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      show_trainable=show_trainable)
