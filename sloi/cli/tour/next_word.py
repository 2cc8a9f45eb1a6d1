"""Chapter 7: the next word. "я иду ..." completed by a small language model."""

from __future__ import annotations

import numpy as np

from sloi.cli.tour import common
from sloi.datasets import next_word
from sloi.layers import LSTM, Dense, Embedding
from sloi.models import Sequential

TITLE = "7. The next word"
PROMPTS = ("я иду", "поэт александр сергеевич", "мы живём во франции и говорим",
           "сегодня на улице")


def _encode(prompt, index, maxlen):
    ids = [index.get(w, 0) for w in prompt.split()][-maxlen:]
    return [0] * (maxlen - len(ids)) + ids


def _followers(phrases, prompt):
    """Every word that follows ``prompt`` somewhere in the corpus."""
    words, found = prompt.split(), set()
    for phrase in phrases:
        p = phrase.lower().split()
        for k in range(len(p) - len(words)):
            if p[k:k + len(words)] == words:
                found.add(p[k + len(words)])
    return found


def run(settings, state) -> dict:
    (x, y), (xt, yt) = next_word.load_data("ru", seed=settings.seed)
    index = next_word.get_word_index("ru")
    words = {i: w for w, i in index.items()}
    maxlen, vocab = x.shape[1], len(index) + 1
    model = Sequential([common.int_input(maxlen), Embedding(vocab, 32, mask_zero=True),
                        LSTM(64), Dense(vocab, activation="softmax")])
    trained = common.train(model, ((x, y), (xt, yt)), epochs=settings.pick(5, 30),
                           batch_size=32, label="Embedding → LSTM(64) → Dense(softmax)")
    probs = model.predict(np.array([_encode(p, index, maxlen) for p in PROMPTS]), verbose=0)
    probs = np.asarray(probs)
    phrases = next_word.get_phrases("ru")
    completions, rows, sensible = {}, [], 0
    for prompt, p in zip(PROMPTS, probs):
        top = np.argsort(-p)[:3]
        choices = [[words.get(int(i), "<pad>"), round(float(p[i]), 3)] for i in top]
        completions[prompt] = choices
        ok = choices[0][0] in _followers(phrases, prompt)
        sensible += ok
        rows.append([f"{prompt} ...", ", ".join(f"{w} ({q:.2f})" for w, q in choices),
                     "yes" if ok else "no"])
    numbers = {"test_accuracy": trained["accuracy"], "train_accuracy": trained["train_accuracy"],
               "vocabulary": vocab - 1, "train_samples": len(x),
               "completions": completions, "sensible_top1": sensible, "prompts": len(PROMPTS)}
    return {
        "title": TITLE,
        "intro": [
            "The lecture's first picture of a recurrent neuron completes 'я иду ...': the "
            "neuron reads 'я', keeps its output, reads 'иду' together with what it kept, and "
            "the network picks a word that fits, such as 'гулять'. Short phrases like this, or "
            "'поэт Александр Сергеевич ...', are easy: nothing has to be remembered for long.",
            f"A small model (Embedding → LSTM(64) → softmax over {vocab - 1} words) learns the "
            f"built-in Russian phrases ({len(x)} prefixes). Test phrases are unseen, and many "
            "prefixes have several right continuations, so test accuracy is bounded well below "
            "1; the top-3 words show what it learned.",
        ],
        "numbers": numbers,
        "tables": [{"caption": "Top-3 next words ('sensible': the first one follows the prompt "
                               "somewhere in the corpus)",
                    "columns": ["prompt", "top 3 (probability)", "sensible"], "rows": rows}],
        "figures": [],
        "notes": [],
        "claims": [common.claim(
            "A recurrent network completes short phrases with a fitting word",
            f"{sensible} of {len(PROMPTS)} prompts get a sensible first choice; "
            f"test accuracy {trained['accuracy']:.3f}", sensible == len(PROMPTS))],
    }
