"""``lstm_gates`` and ``gru_gates``: what the gates of a recurrent layer do, step by step.

The fused kernels that run LSTM and GRU return only the outputs. To look inside, these
functions run the recurrence once more, one step at a time, with the layer's own cell weights
and activations, and keep every gate. The hidden states they return are the layer's own
outputs (the tests check it), so the gates are the ones that made them.
"""

from __future__ import annotations

import numpy as np
import torch


def _cell_and_layer(layer, kind: str, caller: str):
    """``[(direction name or None, RNN layer)]`` for an LSTM / GRU layer or a Bidirectional."""
    from sloi.layers.recurrent.bidirectional import Bidirectional
    from sloi.layers.recurrent.gru import GRUCell
    from sloi.layers.recurrent.lstm import LSTMCell
    from sloi.layers.recurrent.rnn import RNN

    cell_type = {"lstm": LSTMCell, "gru": GRUCell}[kind]
    if isinstance(layer, Bidirectional):
        parts = [("forward", layer.forward_layer), ("backward", layer.backward_layer)]
    elif isinstance(layer, RNN):
        parts = [(None, layer)]
    else:
        parts = []
    if not parts or any(not isinstance(p.cell, cell_type) for _, p in parts):
        wanted = "an LSTM" if kind == "lstm" else "a GRU"
        raise TypeError(
            f"{caller} expects {wanted} layer (or Bidirectional around one); got "
            f'{type(layer).__name__} "{getattr(layer, "name", "?")}"'
            + (f" with cell {type(parts[0][1].cell).__name__}" if parts else "")
        )
    return parts


def _as_tensor(x, like: torch.Tensor) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    x = torch.as_tensor(x)
    return x.to(device=like.device, dtype=like.dtype) if x.is_floating_point() else x


def _prepare(layer, parts, x, mask, caller):
    if not hasattr(x, "shape") or len(x.shape) != 3:
        raise ValueError(
            f'{caller}: layer "{layer.name}" reads sequences of shape (batch, timesteps, '
            f"features); got x of shape {tuple(getattr(x, 'shape', ()))}"
        )
    if not layer.built:
        with torch.no_grad():
            layer(torch.as_tensor(np.asarray(x[:1]), dtype=torch.float32))
    kernel = parts[0][1].cell.kernel
    features = kernel.shape[0]
    if x.shape[-1] != features:
        raise ValueError(
            f'{caller}: layer "{layer.name}" was built for {features} features; got x of shape '
            f"{tuple(x.shape)}"
        )
    x = _as_tensor(x, kernel)
    if mask is not None:
        mask = torch.as_tensor(np.asarray(mask) if isinstance(mask, np.ndarray) else mask)
        if tuple(mask.shape) != tuple(x.shape[:2]):
            raise ValueError(
                f'{caller}: layer "{layer.name}" needs a mask of shape (batch, timesteps) = '
                f"{tuple(x.shape[:2])}; got {tuple(mask.shape)}"
            )
        mask = mask.to(device=x.device).bool()
    return x, mask


def _split_initial_state(layer, parts, initial_state, per_direction, caller):
    if initial_state is None:
        return [None] * len(parts)
    states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
        initial_state]
    if len(states) != per_direction * len(parts):
        raise ValueError(
            f'{caller}: layer "{layer.name}" needs initial_state as {per_direction * len(parts)} '
            f"tensor(s) (per direction: {per_direction}); got {len(states)}"
        )
    return [states[k * per_direction:(k + 1) * per_direction] for k in range(len(parts))]


def _run(rnn, x, mask, initial_state, step):
    """Run ``step(x_t, states) -> (gates dict, new states)`` over ``x`` as ``rnn`` reads it:
    masked steps keep the states (their gates are NaN), ``go_backwards`` reads from the end
    and keeps that order, as the layer's own outputs do."""
    states = rnn.starting_states(x, initial_state)
    order = range(x.shape[1] - 1, -1, -1) if rnn.go_backwards else range(x.shape[1])
    record: dict = {}
    for t in order:
        gates, new_states = step(x[:, t], states)
        if mask is not None:
            keep = mask[:, t, None]
            new_states = [torch.where(keep, n, s) for n, s in zip(new_states, states)]
            gates = {k: torch.where(keep, v, torch.full_like(v, float("nan")))
                     for k, v in gates.items()}
        states = new_states
        for k, v in {**gates, **_state_names(states)}.items():
            record.setdefault(k, []).append(v)
    return {k: torch.stack(v, dim=1).cpu().numpy() for k, v in record.items()}


def _state_names(states):
    return {"cell": states[1], "hidden": states[0]} if len(states) == 2 else {"hidden": states[0]}


def _gather(layer, parts, results):
    """One dict for a single layer; ``{"forward": ..., "backward": ...}`` for a Bidirectional,
    the backward steps put back in the input's time order (as Bidirectional's output)."""
    if parts[0][0] is None:
        return results[0]
    out = {}
    for (name, rnn), gates in zip(parts, results):
        if rnn.go_backwards:
            gates = {k: v[:, ::-1].copy() for k, v in gates.items()}
        out[name] = gates
    return out


def lstm_gates(layer, x, initial_state=None, mask=None) -> dict:
    """Every gate and state of an LSTM layer along the sequence ``x``, step by step.

    Args:
        layer: an ``LSTM`` layer (or ``RNN(LSTMCell)``), or a ``Bidirectional`` around one.
            An unbuilt layer is built from ``x``.
        x: inputs ``(batch, timesteps, features)``, a numpy array or tensor.
        initial_state: ``[h, c]`` (twice, forward then backward, for a Bidirectional).
        mask: optional ``(batch, timesteps)`` booleans; masked steps keep the states and
            have NaN gates.

    Returns:
        ``{"input", "forget", "cell_candidate", "output", "cell", "hidden"}``, numpy arrays of
        shape ``(batch, timesteps, units)`` in the order the layer reads (reversed with
        ``go_backwards``, as the layer's outputs are); for a Bidirectional,
        ``{"forward": {...}, "backward": {...}}`` with both in the input's time order.
        ``hidden`` equals the layer's ``return_sequences`` output (inference mode: no dropout).

    Example:
        >>> gates = sloi.inspect.lstm_gates(model.get_layer("lstm"), x_test[:4])
        >>> gates["forget"].mean()       # how much memory the layer keeps, on average
    """
    parts = _cell_and_layer(layer, "lstm", "lstm_gates")
    x, mask = _prepare(layer, parts, x, mask, "lstm_gates")
    inits = _split_initial_state(layer, parts, initial_state, 2, "lstm_gates")
    results = []
    with torch.no_grad():
        for (_, rnn), init in zip(parts, inits):
            def step(x_t, states, cell=rnn.cell):
                gates, h, c = cell.gates(x_t, *states)
                return gates, [h, c]

            results.append(_run(rnn, x, mask, init, step))
    return _gather(layer, parts, results)


def gru_gates(layer, x, initial_state=None, mask=None) -> dict:
    """Every gate and the state of a GRU layer along the sequence ``x``, step by step.

    Args:
        layer: a ``GRU`` layer (either ``reset_after``), or a ``Bidirectional`` around one.
        x, mask: as in ``lstm_gates``.
        initial_state: ``[h]`` (twice, forward then backward, for a Bidirectional).

    Returns:
        ``{"update", "reset", "candidate", "hidden"}``, numpy arrays of shape
        ``(batch, timesteps, units)``: z (how much of the old state is kept), r (how much of
        the old state the candidate sees), the candidate n, and h; arranged as in
        ``lstm_gates``.
    """
    parts = _cell_and_layer(layer, "gru", "gru_gates")
    x, mask = _prepare(layer, parts, x, mask, "gru_gates")
    inits = _split_initial_state(layer, parts, initial_state, 1, "gru_gates")
    results = []
    with torch.no_grad():
        for (_, rnn), init in zip(parts, inits):
            def step(x_t, states, cell=rnn.cell):
                gates, h = cell.gates(x_t, states[0])
                return gates, [h]

            results.append(_run(rnn, x, mask, init, step))
    return _gather(layer, parts, results)
