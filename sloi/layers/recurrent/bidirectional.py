"""``Bidirectional``: read the sequence forwards and backwards, then merge the two readings.

For text, what comes after a word helps as much as what came before it. ``Bidirectional(LSTM(64))``
holds two copies of the layer: one reads the sequence from the start, the other from the end; their
outputs (the backward one put back in forward order) are merged: concatenated by default.

When both directions are SimpleRNN / LSTM / GRU on their fused path, the two run as one
bidirectional call of PyTorch's kernel.
"""

from __future__ import annotations

import inspect

import torch

from sloi.engine import Layer
from sloi.engine.config_decoder import deserialize_layer, serialize_layer
from sloi.kernels import rnn as rnn_ops
from sloi.kernels import rnn_backward
from sloi.layers.recurrent.fused_layout import FusedLayout, FusedWeights
from sloi.layers.recurrent.rnn import RNN

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(FusedLayout, Layer):
    """Bidirectional wrapper for recurrent layers.

    Args:
        layer: a recurrent layer (``SimpleRNN``, ``LSTM``, ``GRU``, ``RNN``); it is copied for
            the forward direction (``forward_<name>``).
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"``, or None for a list
            ``[forward, backward]``.
        backward_layer: the layer for the backward direction; by default a copy of ``layer``
            with ``go_backwards`` flipped (``backward_<name>``).

    Call arguments: ``sequences``, ``initial_state`` (forward states then backward states),
    ``mask``, ``training``.

    Example:
        >>> model.add(Bidirectional(LSTM(64, return_sequences=True), input_shape=(5, 10)))
        >>> model.add(Bidirectional(LSTM(32)))       # output (None, 64)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, RNN):
            raise ValueError(
                f'Layer "{self.name}" (Bidirectional) wraps recurrent layers (SimpleRNN, LSTM, '
                f"GRU, RNN); got {_describe(layer)}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f'Layer "{self.name}" (Bidirectional): merge_mode must be one of '
                f"{list(_MERGE_MODES)}; got {merge_mode!r}"
            )
        config = layer.get_config()
        base_name = layer.name.removeprefix("forward_")
        # The copies are built from the live layer's own classes (a user's cell included).
        known = {type(m).__name__: type(m) for m in layer.modules()}
        self.forward_layer = _copy(layer, {**config, "name": "forward_" + base_name}, known)
        if backward_layer is None:
            self.backward_layer = _copy(
                layer, {**config, "name": "backward_" + base_name,
                        "go_backwards": not config["go_backwards"]}, known)
        else:
            if not isinstance(backward_layer, RNN):
                raise ValueError(
                    f'Layer "{self.name}" (Bidirectional): backward_layer must be a recurrent '
                    f"layer; got {_describe(backward_layer)}"
                )
            for attr in ("return_sequences", "return_state"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(
                        f'Layer "{self.name}" (Bidirectional): {attr} of the forward layer '
                        f"({getattr(layer, attr)}) and of backward_layer "
                        f"({getattr(backward_layer, attr)}) must be equal"
                    )
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(
                    f'Layer "{self.name}" (Bidirectional): backward_layer must read the other '
                    f"way: go_backwards is {layer.go_backwards} on both layers"
                )
            self.backward_layer = backward_layer
        # as Keras: use_cudnn is no config entry, so the copies take it from the layer
        self.forward_layer.use_cudnn = self.backward_layer.use_cudnn = layer.use_cudnn
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        for direction in (self.forward_layer, self.backward_layer):
            # as Keras: with sequences returned, masked steps output zeros in both directions
            direction.zero_output_for_mask = self.return_sequences
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._initial_weights_bidir = weights
        self.last_path = None  # "fused", "fused_backward" (one call for both ways) or "separate"
        self.fused_weights = FusedWeights()  # both directions, for one fused call

    def build(self, sequences_shape, initial_state_shape=None):
        for direction in (self.forward_layer, self.backward_layer):
            if not direction.built:
                direction._build_input_shape = tuple(sequences_shape)
                direction.build(tuple(sequences_shape))
                direction.built = True
        if self._initial_weights_bidir is not None:
            self.set_weights(self._initial_weights_bidir)
            self._initial_weights_bidir = None
        self._lay_out_weights()

    def compute_output_shape(self, sequences_shape):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            shape, states = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            out = tuple(shape[:-1]) + (shape[-1] * 2,)
        elif self.merge_mode is None:
            out = [tuple(shape), tuple(shape)]
        else:
            out = tuple(shape)
        if self.return_state:
            outs = tuple(out) if self.merge_mode is None else (out,)
            return (*outs, *states, *states)
        return out

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        out_mask = previous_mask if self.return_sequences else None
        masks = [out_mask, out_mask] if self.merge_mode is None else [out_mask]
        if self.return_state:
            return masks + [None] * (2 * len(self.forward_layer.state_sizes))
        return masks if self.merge_mode is None else out_mask

    # ------------------------------------------------------------------ running
    def call(self, sequences, initial_state=None, mask=None, training=None):
        if training is None:
            training = self.training
        n = len(self.forward_layer.state_sizes)
        fwd_states = bwd_states = None
        if initial_state is not None:
            initial_state = list(initial_state)
            if len(initial_state) != 2 * n:
                raise ValueError(
                    f'Layer "{self.name}" (Bidirectional) expects initial_state to hold {2 * n} '
                    f"tensors (forward states then backward states); got {len(initial_state)}"
                )
            fwd_states, bwd_states = initial_state[:n], initial_state[n:]
        for direction in (self.forward_layer, self.backward_layer):
            if direction.use_cudnn is True:
                # all but the mask: the joint call below takes a right-padded one both ways;
                # where it cannot run, each direction checks its mask when it runs alone
                direction.require_cudnn(sequences)
        fused = self._run_fused(sequences, fwd_states, bwd_states, mask, training)
        output = None
        if fused is not None:
            # torch puts the backward outputs in forward order, after the forward ones
            outputs, final, path = fused
            if not self.return_sequences:
                y, y_rev = final[0][0], final[0][1]  # each direction's last h
            elif self.merge_mode == "concat":
                output = outputs  # the kernel's own [forward, backward] outputs: no copy
            else:
                units = outputs.shape[-1] // 2
                y, y_rev = outputs[..., :units], outputs[..., units:]
            states_f = states_b = ()
            if self.return_state:
                states_f, states_b = [s[0] for s in final], [s[1] for s in final]
        else:
            y = self.forward_layer(sequences, initial_state=fwd_states, mask=mask,
                                   training=training)
            y_rev = self.backward_layer(sequences, initial_state=bwd_states, mask=mask,
                                        training=training)
            states_f = states_b = ()
            if self.return_state:
                y, states_f = y[0], y[1:]
                y_rev, states_b = y_rev[0], y_rev[1:]
            if self.return_sequences:
                y_rev = y_rev.flip(1)
            path = "separate"
        if self.last_path != path:  # nn.Module's __setattr__ is slow, and this is every call
            self.last_path = path
        if output is None:
            output = self._merge(y, y_rev)
        if self.return_state:
            outs = tuple(output) if self.merge_mode is None else (output,)
            return (*outs, *states_f, *states_b)
        return output

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return torch.cat([y, y_rev], dim=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) / 2
        if self.merge_mode == "mul":
            return y * y_rev
        return [y, y_rev]

    @property
    def fused_backward(self) -> bool:
        """Whether GRU and SimpleRNN directions train through the hand-written backward
        (``sloi.kernels.rnn_backward``); setting it sets both directions'."""
        return self.forward_layer.fused_backward and self.backward_layer.fused_backward

    @fused_backward.setter
    def fused_backward(self, value: bool) -> None:
        self.forward_layer.fused_backward = self.backward_layer.fused_backward = value

    def fused_groups(self):
        """``(mode, [forward group, backward group])`` when both directions can run as one
        bidirectional kernel call: the same fused cell type, reading opposite ways,
        stateless, with or without biases alike."""
        return _joint_groups("fused_groups", self.forward_layer, self.backward_layer)

    def fused_backward_groups(self):
        """As ``fused_groups``, for the hand-written backward of both directions."""
        return _joint_groups("fused_backward_groups", self.forward_layer, self.backward_layer)

    def _run_fused(self, sequences, fwd_states, bwd_states, mask, training):
        """Both directions in one bidirectional kernel call, or None when that cannot give
        the same numbers (different cells, dropout in training, a mask not right-padded).
        Returns the kernel's ``outputs (batch, steps, 2*units)`` (forward then backward, both
        in forward order), its final states, each ``(2, batch, units)``, and the path:
        ``"fused"`` or ``"fused_backward"``."""
        f, b = self.forward_layer, self.backward_layer
        if training and any(getattr(cell, rate, 0) > 0 for cell in (f.cell, b.cell)
                            for rate in ("dropout", "recurrent_dropout")):
            return None  # each direction draws its own dropout mask
        fused = _joint_groups("fused_groups", f, b)
        # as in RNN._run_fused: in inference only the calls inference_takes need them
        backward = _joint_groups("fused_backward_groups", f, b) if (
            fused is None or torch.is_grad_enabled()
            or rnn_backward.inference_takes(fused[0], sequences.shape[0], sequences.shape[1],
                                            f.state_sizes[0])) else None
        if fused is None and backward is None:
            return None
        lengths = None
        if mask is not None:
            lengths = rnn_ops.right_padded_lengths(mask)
            if lengths is None:
                return None
        if fwd_states is None and bwd_states is None:  # zeros for both directions at once
            stacked = [sequences.new_zeros(2, sequences.shape[0], size)
                       for size in f.state_sizes]
        else:
            states_f = f.starting_states(sequences, fwd_states)
            states_b = b.starting_states(sequences, bwd_states)
            stacked = [torch.stack([sf, sb]) for sf, sb in zip(states_f, states_b)]
        if backward is not None and rnn_backward.applies(backward[0], sequences, stacked,
                                                          backward[1]):
            return (*rnn_backward.run(backward[0], sequences, stacked, backward[1],
                                      bidirectional=True, lengths=lengths), "fused_backward")
        if fused is None:
            return None
        mode, groups = fused
        return (*rnn_ops.fused(mode, sequences, stacked, groups, bidirectional=True,
                               lengths=lengths, holder=self.layout_holder(),
                               cudnn=self._cudnn_allowed()), "fused")

    def _cudnn_allowed(self) -> bool:
        return all(d.use_cudnn is not False for d in (self.forward_layer, self.backward_layer))

    # ------------------------------------------------------------------ states
    def reset_states(self) -> None:
        """Zero the carried states of both directions of a stateful layer."""
        if not self.stateful:
            raise AttributeError(f'Layer "{self.name}" (Bidirectional) is not stateful: it '
                                 "keeps no states")
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    @property
    def states(self):
        """The forward layer's carried states then the backward layer's; None before any."""
        forward, backward = self.forward_layer.states, self.backward_layer.states
        if forward is None or backward is None:
            return None
        return (*forward, *backward)

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialize_layer(self.forward_layer),
            "backward_layer": serialize_layer(self.backward_layer),
        }
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("layer", "backward_layer"):
            if config.get(key) is not None:
                config[key] = deserialize_layer(config[key], custom_objects,
                                                owner="Bidirectional", key=key)
        return cls(**config)



def _joint_groups(which: str, f, b):
    """``(mode, [forward group, backward group])`` from the directions' ``which``
    (``"fused_groups"`` or ``"fused_backward_groups"``), when both can run as one
    bidirectional call; else None."""
    if f.go_backwards or not b.go_backwards or type(f.cell) is not type(b.cell):
        return None
    if f.stateful or b.stateful:
        return None
    fused_f = getattr(f, which)()
    if fused_f is None:
        return None
    fused_b = getattr(b, which)()
    if fused_b is None or fused_f[0] != fused_b[0] or (
            (fused_f[1][0][2] is None) != (fused_b[1][0][2] is None)):
        return None
    return fused_f[0], fused_f[1] + fused_b[1]

def _copy(layer, config: dict, known: dict):
    cls = type(layer)
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=known)
    return cls.from_config(config)


def _describe(layer) -> str:
    name = getattr(layer, "name", None)
    return f'{type(layer).__name__} "{name}"' if name else type(layer).__name__
