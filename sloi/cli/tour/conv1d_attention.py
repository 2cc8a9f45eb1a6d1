"""Chapter 5: GRU against LSTM, Conv1D against both, and attention on top of Conv1D."""

from __future__ import annotations

from sloi.cli.tour import common, vanishing
from sloi.layers import GRU, LSTM, Attention, Conv1D, Cropping1D, Dense, Embedding, Flatten
from sloi.models import Model

TITLE = "5. GRU, LSTM and Conv1D; attention"
KERNEL = 5


def _conv_model(distance, attention):
    """Embedding → two causal Conv1D(32, 5) → [Attention()([c, c])] → the last step → Dense.

    The answer is read at the last step, as a recurrent layer gives it: that step of a plain
    convolution sees only its window of ``2 * (KERNEL - 1) + 1`` tokens, while attention lets
    it look at every step.
    """
    inputs = common.int_input(vanishing.steps(distance))
    c = Embedding(vanishing.VOCAB, 8)(inputs)
    c = Conv1D(32, KERNEL, activation="relu", padding="causal")(c)
    c = Conv1D(32, KERNEL, activation="relu", padding="causal")(c)
    if attention:
        c = Attention()([c, c])
    last = Flatten()(Cropping1D((vanishing.steps(distance) - 1, 0))(c))
    return Model(inputs, Dense(vanishing.NUM_CLASSES, activation="softmax")(last))


def run(settings, state) -> dict:
    distance = vanishing.compare_distance(settings)
    if "long_memory_data" not in state:
        state["long_memory_data"] = (distance, vanishing.data(settings, distance))
    distance, d = state["long_memory_data"]
    epochs = settings.pick(5, 20)
    results = {}
    for name, cls in (("LSTM", LSTM), ("GRU", GRU)):
        if f"long_memory_{name}" in state:  # trained in chapter 3 on this very data
            results[name] = state[f"long_memory_{name}"][1]
        else:
            model = vanishing.recurrent_model(cls, distance)
            results[name] = common.train(model, d, epochs=epochs, label=name)
    results["Conv1D"] = common.train(_conv_model(distance, False), d, epochs=epochs,
                                     label="Conv1D, answer at the last step")
    results["Conv1D + Attention"] = common.train(_conv_model(distance, True), d, epochs=epochs,
                                                 label="Conv1D + Attention()([c, c])")
    acc = {k: v["accuracy"] for k, v in results.items()}
    sec = {k: v["seconds_per_epoch"] for k, v in results.items()}
    params = {k: v["params"] for k, v in results.items()}
    window = 2 * (KERNEL - 1) + 1
    numbers = {"distance": distance, "epochs": epochs, "accuracy": acc,
               "seconds_per_epoch": sec, "params": params, "conv_window": window}
    rows = [[k, acc[k], sec[k], params[k]] for k in results]
    fastest_recurrent = min(sec["LSTM"], sec["GRU"])
    claims = [
        common.claim("GRU has fewer parameters than an LSTM of the same size",
                     f"GRU {params['GRU']:,} vs LSTM {params['LSTM']:,}",
                     params["GRU"] < params["LSTM"]),
        common.claim("GRU trains faster than LSTM",
                     f"{sec['GRU']:.3f} vs {sec['LSTM']:.3f} s/epoch",
                     sec["GRU"] < sec["LSTM"]),
        common.claim("GRU's accuracy is comparable to LSTM's",
                     f"{acc['GRU']:.3f} vs {acc['LSTM']:.3f}",
                     abs(acc["GRU"] - acc["LSTM"]) <= 0.05),
        common.claim("Conv1D trains faster than recurrent layers",
                     f"{sec['Conv1D']:.3f} s/epoch vs the faster recurrent layer's "
                     f"{fastest_recurrent:.3f}", sec["Conv1D"] < fastest_recurrent),
        common.claim(f"Conv1D cannot remember far back (a {window}-token window, distance "
                     f"{distance})", f"accuracy {acc['Conv1D']:.3f} (chance {vanishing.CHANCE})",
                     acc["Conv1D"] < vanishing.AT_CHANCE),
        common.claim("Attention on top of Conv1D restores the long memory",
                     f"{acc['Conv1D + Attention']:.3f} with attention vs {acc['Conv1D']:.3f} "
                     "without", common.beats(acc["Conv1D + Attention"], acc["Conv1D"])),
    ]
    return {
        "title": TITLE,
        "intro": [
            "The lecture calls GRU a simpler LSTM: similar ideas, fewer parameters, so at the "
            "same hidden size it trains faster while its accuracy is usually on par (now and "
            "then even a bit better), which makes it worth trying first.",
            "It then slides a kernel along a sentence for Conv1D: each output is a weighted "
            "sum of a few neighbouring tokens. Its plus is speed; its minus is that it cannot "
            "keep anything for long, and the lecture points to attention as the remedy.",
            f"All four models here learn the same long_memory data (distance {distance}). The "
            f"convolutions give their answer at the last step, which sees {window} tokens; the "
            "attention model lets that step weigh every step (Attention()([c, c])). A global "
            "pooling over all steps would also reach the class token, so it is left out of "
            "the plain model on purpose.",
        ],
        "numbers": numbers,
        "tables": [{"caption": f"long_memory, distance {distance}: the same data for all",
                    "columns": ["model", "accuracy", "s/epoch", "params"], "rows": rows}],
        "figures": [],
        "notes": [],
        "claims": claims,
    }
