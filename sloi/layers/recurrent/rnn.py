"""``RNN``: runs a cell over a sequence. The base of SimpleRNN, LSTM and GRU.

A cell follows Keras's protocol: ``call(inputs, states) -> (output, new_states)``,
``state_size`` (an int or a list of ints) and ``output_size``. Built-in cells can also say how
to run the whole sequence in one fused PyTorch kernel (``fused_spec``); the layer then takes
that path whenever the arguments allow, and the step loop otherwise. Both give Keras's numbers.
"""

from __future__ import annotations

import functools
import inspect

import torch

from sloi.engine import InputSpec, Layer, tree
from sloi.engine.arguments import check_flags
from sloi.engine.config_decoder import deserialize_layer, serialize_layer
from sloi.kernels import rnn as rnn_ops
from sloi.kernels import rnn_backward
from sloi.layers.recurrent.cell_args import serialize_cell_args
from sloi.layers.recurrent.fused_layout import FusedLayout, FusedWeights
from sloi.layers.recurrent.stacked_rnn_cells import StackedRNNCells


class RNN(FusedLayout, Layer):
    """Recurrent layer around a cell.

    Args:
        cell: a cell (a layer with ``call(inputs, states)``, ``state_size``, ``output_size``),
            or a list of cells (stacked with ``StackedRNNCells``).
        return_sequences: return every step's output ``(batch, steps, units)``, not only the
            last ``(batch, units)``.
        return_state: also return the final states: ``(output, *states)``. A stack of cells
            returns one entry per cell, nested as in Keras: ``(output, [h1, c1], h2)`` for an
            ``LSTMCell`` under a ``GRUCell`` when symbolic; called eagerly, each entry nests as
            the initial state did (``[h2]`` from the built-in cells' own zero states).
        go_backwards: read the sequence from its end; the outputs stay in that order.
        stateful: carry the final states of a batch over as the initial states of the next
            (needs a fixed batch size); ``reset_states()`` zeroes them.
        unroll: accepted for Keras compatibility (sloi never needs to unroll: the numbers are
            the same); as in Keras, LSTM and GRU refuse it with ``use_cudnn=True``.
        zero_output_for_mask: masked steps output zeros instead of repeating the last output.

    Call arguments: ``sequences (batch, steps, features)``, ``initial_state`` (list of
    ``(batch, size)`` tensors or arrays; for a stack of cells, one entry per cell, or all the
    cells' states flat, in order), ``mask (batch, steps)``, ``training``.
    """

    # LSTM and GRU take it as an argument (see ``check_use_cudnn``); RNN and SimpleRNN, as in
    # Keras, do not, and use cuDNN whenever it can run
    use_cudnn = "auto"
    # GRU and SimpleRNN: train through the hand-written backward of sloi.kernels.rnn_backward
    # on the CPU (False: torch's native kernel, or the step loop, through autograd)
    fused_backward = True
    _nested_states = False  # set by __init__; read here by layers pickled before it was

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(
                f'Layer "{self.name}" (RNN) needs a cell with call(inputs, states) and '
                f"state_size; got {type(cell).__name__}"
            )
        self.cell = cell
        # a stack of cells (or a cell whose state_size nests) takes and returns its states
        # nested per cell; the kernels and the step loop keep them flat
        self._nested_states = isinstance(cell, StackedRNNCells) or any(
            isinstance(s, (list, tuple)) for s in _as_list(cell.state_size))
        check_flags(self, return_sequences=return_sequences, return_state=return_state,
                    go_backwards=go_backwards, stateful=stateful, unroll=unroll)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3, layout="(batch, timesteps, features)")
        self._states = None
        # which way the last call ran: "fused" (one fused kernel), "fused_backward" (the
        # hand-written backward) or "loop" (the step loop)
        self.last_path = None
        self.fused_weights = FusedWeights()  # the weights as the fused kernel wants

    @property
    def cell(self):
        # read straight from _modules (nn.Module.__setattr__ keeps it there): nn.Module's
        # __getattr__ costs almost a microsecond, and every batch reads the cell a few times
        try:
            return self._modules["cell"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no cell yet") from None

    # ------------------------------------------------------------------ shapes
    @property
    def state_sizes(self) -> list[int]:
        """The size of each state (one for SimpleRNN and GRU, ``[h, c]`` for LSTM; a stack of
        cells lists all its cells' states, flat, in order)."""
        size = self.cell.state_size
        if self._nested_states:
            return tree.flatten(size)
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def _output_size(self) -> int:
        return getattr(self.cell, "output_size", self.state_sizes[0])

    def build(self, sequences_shape, initial_state_shape=None):
        if self.stateful and sequences_shape[0] is None:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) is stateful, so it needs a fixed '
                "batch size: give the Input a batch_size (Input(shape=..., batch_size=32)) or "
                "the first layer batch_input_shape"
            )
        if isinstance(self.cell, Layer) and not self.cell.built:
            step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
            self.cell._build_input_shape = step_shape
            self.cell.build(step_shape)
            self.cell.built = True
        self._lay_out_weights()

    def compute_output_shape(self, sequences_shape):
        batch, steps = sequences_shape[0], sequences_shape[1]
        out = (batch, steps, self._output_size) if self.return_sequences else (
            batch, self._output_size)
        if self.return_state:
            # one entry per entry of the cell's state_size, as Keras: a stack of cells gives
            # a list of shapes for a cell with several states
            return (out, *(_state_shapes(batch, s) for s in _as_list(self.cell.state_size)))
        return out

    def compute_mask(self, inputs, previous_mask=None):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        out_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * len(self.state_sizes)
        return out_mask

    # ------------------------------------------------------------------ states
    def get_initial_state(self, batch_size: int, like: torch.Tensor) -> list[torch.Tensor]:
        return [like.new_zeros(batch_size, size) for size in self.state_sizes]

    def reset_states(self, states=None) -> None:
        """Zero the carried states of a stateful layer (or set them to ``states``)."""
        if not self.stateful:
            raise AttributeError(f'Layer "{self.name}" is not stateful: it keeps no states')
        self._states = None if states is None else [torch.as_tensor(s) for s in states]

    reset_state = reset_states

    @property
    def states(self):
        return self._states

    def starting_states(self, sequences, initial_state):
        """The states a call on ``sequences`` starts from, flat, each ``(batch, size)``: the
        given ``initial_state`` (checked against ``state_sizes``), else a stateful layer's
        carried states, else zeros."""
        if self._nested_states:
            return tree.flatten(self.nested_starting_states(sequences, initial_state))
        if initial_state is None:
            if self.stateful and self._states is not None:
                return list(self._states)
            return self.get_initial_state(sequences.shape[0], sequences)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        return self._checked(sequences, states, states, True)

    def nested_starting_states(self, sequences, initial_state) -> list:
        """``starting_states`` nested as a stack of cells takes them, one entry per cell: as
        ``initial_state`` nests them (all the states flat are grouped as ``state_size``
        nests), else as the cell's own ``get_initial_state`` does, as in Keras."""
        if initial_state is None:
            nesting = self._initial_nesting(sequences)
            if self.stateful and self._states is not None:
                return tree.pack_like(nesting, list(self._states))
            return nesting
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        nesting = _as_list(self.cell.state_size)
        if (not any(isinstance(s, (list, tuple)) for s in given)
                and len(given) == len(self.state_sizes) != len(nesting)):
            given = tree.pack_like(nesting, given)
        grouped = [len(tree.flatten(s)) for s in given] == [
            len(tree.flatten(s)) for s in nesting]
        flat = self._checked(sequences, tree.flatten(given), given, grouped)
        return tree.pack_like(given, flat)

    def _initial_nesting(self, sequences) -> list:
        batch = sequences.shape[0]
        own = getattr(self.cell, "get_initial_state", None)
        if own is None:
            return tree.pack_like(_as_list(self.cell.state_size),
                                  self.get_initial_state(batch, sequences))
        zeros = own(batch_size=batch)
        zeros = list(zeros) if isinstance(zeros, (list, tuple)) else [zeros]
        return tree.map_structure(lambda s: s.to(sequences.device, sequences.dtype), zeros)

    def _checked(self, sequences, states, given, grouped) -> list[torch.Tensor]:
        """``states`` (flat) as tensors beside ``sequences``, checked against ``state_sizes``;
        ``given`` is how the caller nested them, named in the error; ``grouped``: whether
        that nesting gives each cell as many states as it has."""
        batch = sequences.shape[0]
        states = [s if isinstance(s, torch.Tensor) else torch.as_tensor(
            s, dtype=sequences.dtype, device=sequences.device) for s in states]
        expected = [(batch, s) for s in self.state_sizes]
        got = [tuple(s.shape) for s in states]
        if got != expected or not grouped:
            nesting = (f", one entry per cell as state_size {self.cell.state_size} nests them"
                       if self._nested_states else "")
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects initial_state to be '
                f"{len(expected)} tensor(s) of shapes {expected}{nesting}; got "
                f"{_describe_states(given)}"
            )
        return states

    # ------------------------------------------------------------------ running
    def call(self, sequences, initial_state=None, mask=None, training=None):
        if training is None:
            training = self.training
        if mask is not None and tuple(mask.shape) != tuple(sequences.shape[:2]):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects a mask of shape '
                f"(batch, timesteps) = {tuple(sequences.shape[:2])}; got {tuple(mask.shape)}"
            )
        if self.use_cudnn is True:
            self.require_cudnn(sequences, mask)
        cell = self.cell
        for reset in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
            if hasattr(cell, reset):
                getattr(cell, reset)()
        result = self._run_fused(sequences, initial_state, mask, training)
        nesting = None
        if result is None:
            # cell.call, not cell(): the step loop is hot and the cell is already built
            step = functools.partial(cell.call, training=training) if _accepts_training(
                cell) else cell.call
            if self._nested_states:
                nesting = self.nested_starting_states(sequences, initial_state)
                states = tree.flatten(nesting)
                step = _flat_step(step, nesting)
            else:
                states = self.starting_states(sequences, initial_state)
            last, outputs, final = rnn_ops.step_loop(
                step, sequences, states, mask, self.go_backwards, self.zero_output_for_mask)
            path = "loop"
        else:
            last, outputs, final, path = result
        if self.last_path != path:
            self.last_path = path
        if self.stateful:
            self._states = [s.detach() for s in final]
        output = outputs if self.return_sequences else last
        if not self.return_state:
            return output
        return (output, *(final if nesting is None else tree.pack_like(nesting, final)))

    def fused_groups(self):
        """``(mode, [(kernel, recurrent_kernel, bias)])`` when the cell has a fused kernel."""
        cell = self.cell
        spec_fn = getattr(cell, "fused_spec", None)
        if spec_fn is None or not getattr(cell, "built", True):
            return None
        spec = spec_fn()
        return None if spec is None else (spec[0], [spec[1]])

    def fused_backward_groups(self, fused=False):
        """``(mode, [(kernel, recurrent_kernel, bias)])`` when ``fused_backward`` is on and
        the cell has a hand-written backward (``sloi.kernels.rnn_backward``); else None.
        ``fused``: ``fused_groups()`` when the caller has it already; a cell whose
        ``fused_backward_spec`` is its ``fused_spec`` (SimpleRNN's) then gives it again
        without a second look at its weights."""
        if not self.fused_backward:
            return None
        cell = self.cell
        own, kind = getattr(cell, "__dict__", {}), type(cell)
        # looked up on the class first: a name missing from an nn.Module costs its __getattr__
        # and an AttributeError (an LSTM's cell has none), at every training call
        shared = getattr(kind, "fused_backward_spec", None)
        if (shared is None and "fused_backward_spec" not in own) or not getattr(
                cell, "built", True):
            return None
        if (fused is not False and shared is getattr(kind, "fused_spec", None)
                and "fused_spec" not in own and "fused_backward_spec" not in own):
            return fused
        spec = cell.fused_backward_spec()
        return None if spec is None else (spec[0], [spec[1]])

    def _run_fused(self, sequences, initial_state, mask, training):
        """The fused path, or None when the arguments need the step loop. Returns
        ``(last, outputs, final, path)``; ``final`` holds only h unless states are returned
        or carried; ``path`` is ``"fused"`` or ``"fused_backward"``."""
        dropout_mask = None
        if training and getattr(self.cell, "recurrent_dropout", 0) > 0:
            return None
        fused = self.fused_groups()
        # inference takes the hand-written path only where there is no native kernel or the
        # loop beats it (rnn_backward.inference_takes): elsewhere the backward's groups need
        # not even be looked up
        backward = self.fused_backward_groups(fused) if (
            fused is None or torch.is_grad_enabled()
            or rnn_backward.inference_takes(fused[0], sequences.shape[0], sequences.shape[1],
                                            self.state_sizes[0])) else None
        if fused is None and backward is None:
            return None
        lengths = None
        if mask is not None:
            lengths = None if self.go_backwards else rnn_ops.right_padded_lengths(mask)
            if lengths is None:
                return None
        if training and getattr(self.cell, "dropout", 0) > 0:
            dropout_mask = self.cell.get_dropout_mask(sequences[:, 0])
        x = sequences if dropout_mask is None else sequences * dropout_mask[:, None, :]
        if self.go_backwards:
            x = x.flip(1)
        if initial_state is None and not (self.stateful and self._states is not None):
            states = [x.new_zeros(1, x.shape[0], size) for size in self.state_sizes]
        else:
            states = [s.unsqueeze(0) for s in self.starting_states(sequences, initial_state)]
        if backward is not None and rnn_backward.applies(backward[0], x, states, backward[1]):
            path = "fused_backward"
            outputs, final = rnn_backward.run(backward[0], x, states, backward[1],
                                              lengths=lengths)
        elif fused is not None:
            path = "fused"
            mode, groups = fused
            outputs, final = rnn_ops.fused(mode, x, states, groups, lengths=lengths,
                                           holder=self.layout_holder(),
                                           cudnn=self.use_cudnn is not False)
        else:
            return None
        keep_all = self.return_state or self.stateful  # else only h is read: the last output
        final = [s.squeeze(0) for s in (final if keep_all else final[:1])]
        if lengths is not None and self.zero_output_for_mask:
            return outputs[:, -1], outputs, final, path  # a padded last step outputs zeros
        if lengths is not None and self.return_sequences:
            outputs = rnn_ops.repeat_last_valid(outputs, lengths)
        return final[0], outputs, final, path  # the last (valid) output is the final h

    def require_cudnn(self, sequences, mask=None) -> None:
        """Raise when cuDNN cannot run this layer on ``sequences`` (``use_cudnn=True`` calls
        it before each run): naming every reason, as Keras refuses ``use_cudnn=True`` where
        its cuDNN kernel cannot run."""
        reasons = []
        if self.fused_groups() is None:
            cell = self.cell
            described = ", ".join(
                f"{name}={_describe_arg(getattr(cell, name))}"
                for name in ("activation", "recurrent_activation", "reset_after")
                if hasattr(cell, name))
            reasons.append(f"cuDNN has no kernel for its cell ({described}; cuDNN needs "
                           "tanh, sigmoid and reset_after=True)")
        if getattr(self.cell, "recurrent_dropout", 0) > 0:
            reasons.append(f"recurrent_dropout={self.cell.recurrent_dropout}")
        if self.unroll:
            reasons.append("unroll=True")
        if mask is not None and (self.go_backwards
                                 or rnn_ops.right_padded_lengths(mask) is None):
            reasons.append("the mask is not right-padded" if not self.go_backwards else
                           "a mask with go_backwards=True")
        device = sequences.device
        if device.type != "meta" and not (
                device.type == "cuda" and torch.backends.cudnn.is_available()
                and torch.backends.cudnn.enabled):
            reasons.append(f"the inputs are on {device.type}, and cuDNN runs on CUDA only")
        if reasons:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): use_cudnn=True, but cuDNN '
                f"cannot run this call: {'; '.join(reasons)}. Pass use_cudnn='auto' to fall "
                "back to a non-cuDNN implementation"
            )

    def _cudnn_allowed(self) -> bool:
        return self.use_cudnn is not False

    _cell_args: tuple = ()  # the cell's arguments that SimpleRNN / LSTM / GRU take themselves

    def __getattr__(self, name):
        # lstm.units, lstm.dropout, ...: read through to the cell, as in Keras
        if name in type(self)._cell_args and "cell" in self.__dict__.get("_modules", {}):
            return getattr(self._modules["cell"], name)
        return super().__getattr__(name)

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        config.update(serialize_cell_args(self.cell, self._cell_args))
        if type(self) is RNN:
            config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the layer; a user's cell class is found in ``custom_objects``, in an open
        ``custom_object_scope`` or by its registered name."""
        config = dict(config)
        if cls is RNN:
            cell = config.pop("cell")
            if isinstance(cell, (list, tuple)):
                config["cell"] = [deserialize_layer(c, custom_objects, owner="RNN", key="cell")
                                  for c in cell]
            else:
                config["cell"] = deserialize_layer(cell, custom_objects, owner="RNN", key="cell")
        return cls(**config)


def check_use_cudnn(layer, value):
    """``use_cudnn`` as LSTM and GRU take it: ``"auto"`` (cuDNN where it can run), True
    (cuDNN or an error) or False (never cuDNN)."""
    if not (value is True or value is False or (isinstance(value, str) and value == "auto")):
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): use_cudnn must be '
                         f"'auto', True or False; got {value!r}")
    return value


def _as_list(state_size) -> list:
    return list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]


def _state_shapes(batch, size):
    """The shape of a state of ``size``, or a list of shapes where ``size`` lists several."""
    if isinstance(size, (list, tuple)):
        return [_state_shapes(batch, s) for s in size]
    return (batch, size)


def _flat_step(step, nesting):
    """``step`` (a cell's call, which takes and returns its states nested as ``nesting``) as
    the step loop calls it: on the states flat."""
    def flat_step(inputs, states):
        output, new_states = step(inputs, tree.pack_like(nesting, states))
        return output, tree.flatten(new_states)

    return flat_step


def _describe_states(states) -> str:
    shapes = tree.map_structure(
        lambda s: tuple(getattr(s, "shape", ())), states)
    return f"{len(tree.flatten(states))} of shapes {shapes}"


def _describe_arg(value) -> str:
    return getattr(value, "__name__", repr(value))


def _accepts_training(cell) -> bool:
    return "training" in inspect.signature(cell.call).parameters
