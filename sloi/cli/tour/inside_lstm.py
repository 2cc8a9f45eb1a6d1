"""Chapter 4: inside the LSTM. Its gates and cell state along one sequence, as heatmaps."""

from __future__ import annotations

import copy

import numpy as np
import torch

from sloi import inspect
from sloi.cli.tour import common, vanishing

TITLE = "4. Inside the LSTM"
GATES = ("forget", "input", "output", "cell")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _own_gates(layer, x):
    """Step the LSTM by hand from its Keras-layout weights (gates i, f, c, o side by side).

    Returns ``{"forget", "input", "output", "cell", "hidden"}``, each ``(batch, steps, units)``.
    """
    kernel, recurrent, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    batch, steps, _ = x.shape
    units = recurrent.shape[0]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    out = {k: np.zeros((batch, steps, units)) for k in (*GATES, "hidden")}
    for t in range(steps):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        i, f, o, g = _sigmoid(i), _sigmoid(f), _sigmoid(o), np.tanh(g)
        c = f * c + i * g
        h = o * np.tanh(c)
        for key, value in zip((*GATES, "hidden"), (f, i, o, c, h)):
            out[key][:, t] = value
    return out


def _figure(settings, gates, label):
    plt = common.pyplot()
    if plt is None:
        return None
    fig, axes = plt.subplots(len(GATES), 1, figsize=(7, 7.5), sharex=True)
    for ax, key in zip(axes, GATES):
        values = gates[key][0].T  # (units, steps)
        limits = (0, 1) if key != "cell" else (-abs(values).max(), abs(values).max())
        image = ax.imshow(values, aspect="auto", cmap="viridis" if key != "cell" else "RdBu_r",
                          vmin=limits[0], vmax=limits[1], interpolation="nearest")
        ax.set_ylabel(f"{key}\nunit")
        fig.colorbar(image, ax=ax, fraction=0.03)
    axes[-1].set_xlabel("time step (step 0 is the marker, step 1 the class token)")
    axes[0].set_title(label)
    return common.save_figure(settings, fig, "lstm_gates",
                              "Forget, input and output gates and the cell state, one sequence")


def run(settings, state) -> dict:
    if "long_memory_LSTM" not in state:  # chapter 3 did not run: train the same LSTM here
        distance = vanishing.compare_distance(settings)
        d = vanishing.data(settings, distance)
        model = vanishing.recurrent_model(vanishing.LSTM, distance)
        trained = common.train(model, d, epochs=settings.pick(5, 20), label="LSTM")
        state["long_memory_LSTM"], state["long_memory_data"] = (model, trained), (distance, d)
    model, trained = state["long_memory_LSTM"]
    distance, (_, (x_test, y_test)) = state["long_memory_data"]
    # opened on the host, whatever trained it: a copy on the CPU steps exactly as the CPU's
    # fused kernel (cuDNN's rounding over 100 steps would blur the comparison to ~1e-4)
    embedding, lstm = (copy.deepcopy(layer).to("cpu") for layer in model.layers[:2])
    with torch.no_grad():
        x = embedding(torch.as_tensor(x_test)).cpu().numpy().astype(np.float64)
        own_output = lstm(torch.as_tensor(x, dtype=torch.float32)).cpu().numpy()
    gates = inspect.lstm_gates(lstm, x.astype(np.float32))
    # sloi.inspect and a hand-stepped LSTM in float64 must both give the layer's own output
    mismatch = max(float(np.abs(gates["hidden"][:, -1] - own_output).max()),
                   float(np.abs(_own_gates(lstm, x[:8])["hidden"][:, -1] - own_output[:8]).max()))
    final_cell = gates["cell"][:, -1]
    # does the final cell state still say which token came first? nearest class mean
    means = np.stack([final_cell[y_test == k].mean(0) for k in range(vanishing.NUM_CLASSES)])
    nearest = np.argmin(((final_cell[:, None] - means[None]) ** 2).sum(-1), axis=1)
    separation = float((nearest == y_test).mean())
    forget = gates["forget"]
    numbers = {"distance": distance, "lstm_accuracy": trained["accuracy"],
               "mean_forget_gate": round(float(forget.mean()), 4),
               "mean_input_gate": round(float(gates["input"].mean()), 4),
               "mean_output_gate": round(float(gates["output"].mean()), 4),
               "forget_gate_at_class_token": round(float(forget[:, 1].mean()), 4),
               "final_cell_tells_class": round(separation, 4),
               "gates_vs_layer_max_difference": mismatch}
    figure = _figure(settings, gates, f"LSTM on one long_memory sequence (class {y_test[0]})")
    return {
        "title": TITLE,
        "intro": [
            "The lecture opens the LSTM cell: a cell state runs along the top of the chain, "
            "and three blocks act on it. A sigmoid forget block decides how much of the old "
            "state survives (0 lets nothing through, 1 everything), a sigmoid-and-tanh block "
            "writes new values in, and an output block passes a tanh of the state, scaled by "
            "another sigmoid, to the next step.",
            f"The LSTM trained in chapter 3 at distance {distance} is opened here on the test "
            "sequences: sloi.inspect.lstm_gates computes the gates step by step, and its last "
            "hidden state (and that of an LSTM stepped by hand in float64 from the layer's "
            f"weights) matches the layer's own output to {mismatch:.1e}.",
        ],
        "numbers": numbers,
        "tables": [{"caption": "Gate means over the test sequences",
                    "columns": ["quantity", "value"],
                    "rows": [[k, v] for k, v in numbers.items()
                             if k.startswith(("mean", "forget", "final"))]}],
        "figures": [figure] if figure else [],
        "notes": [] if figure else ["matplotlib is not installed: heatmaps skipped"],
        "claims": [common.claim(
            "The cell state carries the early information to the end of the sequence",
            f"the final cell state alone tells the class of {separation:.1%} of the test "
            f"sequences (nearest class mean; chance {vanishing.CHANCE:.0%})",
            separation >= vanishing.HOLDS)],
    }
