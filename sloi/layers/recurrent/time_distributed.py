"""``TimeDistributed``: apply one layer to every time step of a sequence, with shared weights.

``TimeDistributed(Conv2D(8, 3))`` on a video ``(batch, frames, height, width, channels)``
convolves every frame with the same kernel. Keras calls the layer once per step; sloi folds the
steps into the batch and calls it once on ``(batch * frames, ...)``: the same numbers, one
kernel call instead of ``frames``.
"""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.engine.config_decoder import deserialize_layer, serialize_layer
from sloi.engine.input_spec import check_input
from sloi.engine.symbolic import format_shape


class TimeDistributed(Layer):
    """Applies ``layer`` to each slice along axis 1.

    Args:
        layer: any layer taking ``(batch, ...)``; its weights are shared by all time steps.

    Call arguments: ``inputs (batch, timesteps, ...)``; ``training``, passed to the layer when
    it takes it; ``mask`` ``(batch, timesteps, ...)``, passed (folded like the inputs) to the
    layer when it takes one, and passed on unchanged to the next layer.

    Input shape: ``(batch, timesteps, ...)``. Output shape: ``(batch, timesteps, ...)`` with
    the wrapped layer's output shape after the time axis.

    Example:
        >>> frames = Input(shape=(5, 16, 16, 1))
        >>> h = TimeDistributed(Conv2D(4, 3, activation="relu"))(frames)   # (None, 5, 14, 14, 4)
        >>> h = TimeDistributed(Flatten())(h)                             # (None, 5, 784)
        >>> y = LSTM(8)(h)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(
                f'Layer "{self.name}" (TimeDistributed) wraps a layer; got '
                f"{type(layer).__name__}"
            )
        self.layer = layer
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3, layout="(batch, timesteps, ...)")

    @staticmethod
    def _step_shape(input_shape) -> tuple:
        # the wrapped layer sees batch * timesteps rows, unknown when either is
        batch, steps = input_shape[0], input_shape[1]
        rows = None if batch is None or steps is None else batch * steps
        return (rows,) + tuple(input_shape[2:])

    def build(self, input_shape):
        step_shape = (None,) + tuple(input_shape[2:])
        # checked here, so that the message shows the user's shapes rather than the folded
        # batch of a shape-inference run
        check_input(self.layer, self.layer.input_spec, step_shape,
                    f"shape {format_shape(step_shape)}: one time step of the input "
                    f'{format_shape(input_shape)} of layer "{self.name}" (TimeDistributed)')
        if not self.layer.built:
            self.layer._build_input_shape = step_shape
            self.layer.build(step_shape)
            self.layer.built = True

    def compute_output_shape(self, input_shape):
        # a wrapped layer without compute_output_shape raises NotImplementedError, and the
        # engine then runs ``call`` on the meta device instead
        out = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (input_shape[0], input_shape[1]) + tuple(out[1:])

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        flat = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {}
        if training is not None and self.layer.call_accepts("training"):
            kwargs["training"] = training
        if mask is not None and (mask.dim() < 2 or tuple(mask.shape[:2]) != (batch, steps)):
            raise ValueError(
                f'Layer "{self.name}" (TimeDistributed) expects a mask whose first axes are '
                f"(batch, timesteps) = {(batch, steps)}; got a mask of shape "
                f"{tuple(mask.shape)} for inputs of shape {tuple(inputs.shape)}"
            )
        if mask is not None and self.layer.call_accepts("mask"):
            kwargs["mask"] = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        out = self.layer(flat, **kwargs)
        return out.reshape((batch, steps) + tuple(out.shape[1:]))

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask  # as Keras: the wrapped layer's own mask is not asked for

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects, owner="TimeDistributed")
        return cls(layer, **config)
