"""Text classification from raw strings with TextVectorization.

TextVectorization is adapted on raw review-like sentences, then used as "preprocessing
outside the model", as the Keras documentation calls it: the strings are turned into
integer sequences by the adapted layer, and a numeric Embedding model is fitted on them.
New raw strings go through the same layer before predict.

sloi does not support string inputs inside a model yet (Input(dtype="string") or a model
that starts with TextVectorization), so the vectorization runs before the model here.

Run: python examples/text_vectorization_classification.py
"""

import numpy as np

import sloi as keras
from sloi import layers

POSITIVE = ["great", "wonderful", "loved", "excellent", "fun", "brilliant"]
NEGATIVE = ["awful", "boring", "hated", "terrible", "dull", "poor"]
FILLER = ["the", "movie", "was", "a", "plot", "and", "acting", "really", "quite", "film"]
MAXLEN = 12


def make_sentences(n, rng):
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(FILLER, size=6))
        words.insert(int(rng.integers(0, 7)), str(rng.choice(POSITIVE if label else NEGATIVE)))
        # raw text: mixed case and punctuation, which standardization removes
        texts.append(" ".join(words).capitalize() + "!")
        labels.append(label)
    return np.array(texts), np.array(labels)


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    train_texts, y_train = make_sentences(600, rng)
    test_texts, y_test = make_sentences(200, rng)

    vectorizer = layers.TextVectorization(
        max_tokens=100, output_mode="int", output_sequence_length=MAXLEN
    )
    vectorizer.adapt(train_texts)
    vocabulary = vectorizer.get_vocabulary()
    print("vocabulary:", len(vocabulary), "tokens, first", vocabulary[:6])

    x_train = vectorizer(train_texts)
    x_test = vectorizer(test_texts)

    model = keras.Sequential(
        [
            keras.Input(shape=(MAXLEN,), dtype="int64"),
            layers.Embedding(len(vocabulary), 16),
            layers.GlobalAveragePooling1D(),
            layers.Dense(16, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x_train, y_train, batch_size=32, epochs=8, verbose=0)
    _, test_acc = model.evaluate(x_test, y_test, verbose=0)

    new_reviews = np.array(["A brilliant film, really fun!", "The plot was dull and boring."])
    scores = model.predict(vectorizer(new_reviews), verbose=0)[:, 0]
    losses = history.history["loss"]
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, test accuracy {test_acc:.2f} (chance 0.5)")
    print("new reviews:", dict(zip(new_reviews.tolist(), np.round(scores, 3).tolist())))

    assert "great" in vocabulary and "Great" not in vocabulary  # lower-cased when adapted
    assert losses[-1] < losses[0], losses
    assert test_acc > 0.9, test_acc
    assert scores[0] > 0.5 > scores[1], scores
    return history


if __name__ == "__main__":
    main()
