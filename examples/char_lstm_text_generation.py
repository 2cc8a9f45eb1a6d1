"""Character-level text generation with an LSTM.

The model reads a window of characters, one-hot encoded as bool arrays (as in Keras's
classic example), and predicts the next character. The text is a short synthetic phrase
repeated, so after a few epochs the model can continue it.

Run: python examples/char_lstm_text_generation.py
"""

import numpy as np

import sloi as keras
from sloi import layers

TEXT = "the quick brown fox jumps over the lazy dog. " * 30
MAXLEN = 10
STEP = 2


def vectorize(text, chars):
    char_indices = {c: i for i, c in enumerate(chars)}
    sentences, next_chars = [], []
    for i in range(0, len(text) - MAXLEN, STEP):
        sentences.append(text[i : i + MAXLEN])
        next_chars.append(text[i + MAXLEN])
    # bool one-hot, as Keras's example builds it; the LSTM casts bool to float itself
    x = np.zeros((len(sentences), MAXLEN, len(chars)), dtype=bool)
    y = np.zeros((len(sentences), len(chars)), dtype=bool)
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, char_indices[char]] = True
        y[i, char_indices[next_chars[i]]] = True
    return x, y


def sample(preds, temperature=1.0, rng=None):
    preds = np.log(np.asarray(preds, dtype="float64") + 1e-9) / temperature
    probs = np.exp(preds) / np.sum(np.exp(preds))
    return int(np.argmax(rng.multinomial(1, probs, 1)))


def main():
    keras.utils.set_random_seed(0)
    chars = sorted(set(TEXT))
    x, y = vectorize(TEXT, chars)

    model = keras.Sequential(
        [
            keras.Input(shape=(MAXLEN, len(chars))),
            layers.LSTM(64),
            layers.Dense(len(chars), activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    losses = history.history["loss"]
    accuracy = history.history["accuracy"][-1]
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, accuracy {accuracy:.2f}")

    # generate: greedy-ish sampling from a seed taken from the text
    rng = np.random.default_rng(0)
    seed = TEXT[:MAXLEN]
    generated = seed
    for _ in range(40):
        window = generated[-MAXLEN:]
        x_pred = np.zeros((1, MAXLEN, len(chars)), dtype=bool)
        for t, char in enumerate(window):
            x_pred[0, t, chars.index(char)] = True
        preds = model.predict(x_pred, verbose=0)[0]
        generated += chars[sample(preds, temperature=0.2, rng=rng)]
    print("generated:", repr(generated))

    assert losses[-1] < 0.5 * losses[0], losses
    # chance is 1 / len(chars) (about 0.04); the phrase is deterministic, so far above it
    assert history.history["accuracy"][-1] > 0.8, history.history["accuracy"]
    return history


if __name__ == "__main__":
    main()
