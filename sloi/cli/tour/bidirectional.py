"""Chapter 6: Bidirectional. Labels that depend on the next token."""

from __future__ import annotations

from sloi.cli.tour import common
from sloi.datasets import lookahead
from sloi.layers import LSTM, Bidirectional, Dense, Embedding
from sloi.models import Sequential

TITLE = "6. Bidirectional"
VOCAB, STEPS = 11, 20


def _model(bidirectional):
    rnn = LSTM(32, return_sequences=True)
    return Sequential([common.int_input(STEPS), Embedding(VOCAB, 8),
                       Bidirectional(rnn) if bidirectional else rnn,
                       Dense(2, activation="softmax")])


def run(settings, state) -> dict:
    d = lookahead.load_data(num_samples=settings.pick(400, 2000), steps=STEPS, vocab_size=VOCAB,
                            seed=settings.seed)
    epochs = settings.pick(3, 10)
    one = common.train(_model(False), d, epochs=epochs, label="LSTM, left to right")
    both = common.train(_model(True), d, epochs=epochs, label="Bidirectional(LSTM)")
    numbers = {"lstm_accuracy": one["accuracy"], "bidirectional_accuracy": both["accuracy"],
               "chance": 0.5, "steps": STEPS, "epochs": epochs,
               "lstm_seconds_per_epoch": one["seconds_per_epoch"],
               "bidirectional_seconds_per_epoch": both["seconds_per_epoch"]}
    return {
        "title": TITLE,
        "intro": [
            "For words, the lecture says, knowing what came before helps, and knowing what "
            "comes after helps more. The Bidirectional wrapper reads the sequence from the "
            "start and from the end; the lecture calls it the same LSTM working both ways.",
            "lookahead labels each position by the token right after it (odd or even), so a "
            "left-to-right LSTM must answer before it has seen what decides the answer.",
        ],
        "numbers": numbers,
        "curves": {"LSTM": one["curve"], "Bidirectional": both["curve"]},
        "tables": [{"caption": "Per-position test accuracy on lookahead (chance 0.5)",
                    "columns": ["model", "accuracy", "s/epoch", "params"],
                    "rows": [["LSTM", one["accuracy"], one["seconds_per_epoch"],
                              one["params"]],
                             ["Bidirectional(LSTM)", both["accuracy"],
                              both["seconds_per_epoch"], both["params"]]]}],
        "figures": [],
        "notes": [],
        "claims": [common.claim(
            "Reading both ways beats reading one way when the answer lies ahead",
            f"Bidirectional {both['accuracy']:.3f} vs LSTM {one['accuracy']:.3f}",
            common.beats(both["accuracy"], one["accuracy"]))],
    }
