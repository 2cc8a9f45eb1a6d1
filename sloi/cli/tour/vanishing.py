"""Chapter 3: the vanishing gradient. SimpleRNN, LSTM and GRU on long_memory, growing distance."""

from __future__ import annotations

from sloi.cli.tour import common
from sloi.datasets import long_memory
from sloi.layers import GRU, LSTM, Dense, Embedding, SimpleRNN
from sloi.models import Sequential

TITLE = "3. The vanishing gradient"
NUM_CLASSES = 4
CHANCE = 1 / NUM_CLASSES
HOLDS = 0.9        # an accuracy that carries the class token across the distractors
AT_CHANCE = 0.5    # four classes (chance 0.25): below this the model has (nearly) nothing
VOCAB, UNITS = 20, 32


def distances(settings) -> list[int]:
    return settings.pick([5, 20], [10, 30, 100, 200])


def compare_distance(settings) -> int:
    """The distance chapters 4 and 5 reuse (the models chapter 3 trained there): far enough
    that a convolution window cannot reach the class token and an LSTM's run shows its cost."""
    return settings.pick(20, 100)


def data(settings, distance):
    return long_memory.load_data(num_samples=settings.pick(800, 4000), distance=distance,
                                 vocab_size=VOCAB, num_classes=NUM_CLASSES, seed=settings.seed)


def steps(distance: int) -> int:
    """Tokens per sequence: the marker, the class token and ``distance`` distractors."""
    return distance + 2


def recurrent_model(cls, distance):
    return Sequential([common.int_input(steps(distance)), Embedding(VOCAB, 8), cls(UNITS),
                       Dense(NUM_CLASSES, activation="softmax")])


def _figure(settings, dists, acc):
    plt = common.pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for name, values in acc.items():
        ax.plot(dists, values, marker="o", label=name)
    ax.axhline(CHANCE, color="grey", linestyle=":", label="chance")
    ax.set_xlabel("distance (distractor tokens after the class token)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0.0, 1.05)
    ax.set_xscale("log")
    ax.set_xticks(dists, [str(d) for d in dists])
    ax.legend()
    return common.save_figure(settings, fig, "vanishing_accuracy_vs_distance",
                              "Test accuracy against distance")


def run(settings, state) -> dict:
    dists = distances(settings)
    epochs = settings.pick(5, 20)
    kinds = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}
    acc = {name: [] for name in kinds}
    results = {}
    for distance in dists:
        d = data(settings, distance)
        for name, cls in kinds.items():
            model = recurrent_model(cls, distance)
            r = common.train(model, d, epochs=epochs, label=f"{name}, distance {distance}")
            acc[name].append(r["accuracy"])
            results[f"{name}@{distance}"] = r
            if distance == compare_distance(settings):
                state[f"long_memory_{name}"] = (model, r)
        if distance == compare_distance(settings):
            state["long_memory_data"] = (distance, d)
    far = dists[-1]
    last = {name: values[-1] for name, values in acc.items()}
    numbers = {"distances": dists, "epochs": epochs,
               "train_samples": len(data(settings, dists[0])[0][0]),
               "accuracy": acc, "seconds_per_epoch": {
                   k: v["seconds_per_epoch"] for k, v in results.items()}}
    # the longest distance at which each layer still held the token, in this run
    numbers["longest_distance_held"] = {
        name: max([d for d, a in zip(dists, values) if a >= HOLDS], default=0)
        for name, values in acc.items()}
    figure = _figure(settings, dists, acc)
    rows = [[name] + values for name, values in acc.items()]
    claims = [
        common.claim(f"A SimpleRNN loses the class token over a long gap (distance {far})",
                     f"SimpleRNN accuracy {last['SimpleRNN']:.3f} (chance {CHANCE}, 'lost' below "
                     f"{AT_CHANCE})", last["SimpleRNN"] < AT_CHANCE),
        common.claim(f"An LSTM keeps it (distance {far})",
                     f"LSTM accuracy {last['LSTM']:.3f} ('kept' from {HOLDS})",
                     last["LSTM"] >= HOLDS),
        common.claim(f"A GRU keeps it too (distance {far})",
                     f"GRU accuracy {last['GRU']:.3f} ('kept' from {HOLDS})",
                     last["GRU"] >= HOLDS),
    ]
    return {
        "title": TITLE,
        "intro": [
            "The lecture explains a recurrent neuron as one unit unrolled into virtual copies, "
            "each passing its output on to the next step. Its weakness is the vanishing "
            "gradient: the longer the sequence, the more of the early information fades, so "
            "in a text that mentions France paragraphs before 'I speak fluent ...' a plain RNN "
            "is unlikely to find 'French'. LSTM, the lecture says, was made to solve this.",
            "long_memory makes that text: a marker token (the 'I grew up in'), the class "
            f"token (the 'France', one of {NUM_CLASSES}), then random distractors up to the "
            "end, the class tokens among them (other countries come up later in the text): a "
            "model must keep the token that followed the marker and ignore every later one. "
            f"The test sequences hold {', '.join(map(str, dists))} distractors; the training "
            "ones hold from 1 up to that many, short gaps more often, as texts of varied "
            f"length would. Each layer has {UNITS} units and {epochs} epochs of Adam (0.01) "
            f"on {numbers['train_samples']:,} sequences.",
            "Why varied gaps: with every training gap at 100, an LSTM with Keras's defaults "
            "never starts learning. Its forget gate starts near 0.73 per step, so after 100 "
            "steps nothing of the class token (0.73^100, about 2e-14) is left to send a "
            "gradient back. The short gaps let it find the dependency first and then stretch "
            "its memory.",
        ],
        "numbers": numbers,
        "tables": [{"caption": f"Test accuracy against distance (chance {CHANCE}); the last "
                               f"column: the longest distance held (accuracy >= {HOLDS})",
                    "columns": ["layer"] + [f"distance {d}" for d in dists] + ["held up to"],
                    "rows": [row + [numbers["longest_distance_held"][row[0]]]
                             for row in rows]},
                   {"caption": "Seconds per training epoch on this machine, by layer and "
                               "distance (the steps a sequence has grow with it)",
                    "columns": ["layer"] + [f"distance {d}" for d in dists],
                    "rows": [[name] + [numbers["seconds_per_epoch"][f"{name}@{d}"]
                                       for d in dists] for name in kinds]}],
        "figures": [figure] if figure else [],
        "notes": [] if figure else ["matplotlib is not installed: figure skipped"],
        "claims": claims,
    }
