"""Text classification on raw strings, end to end, with TextVectorization inside the model.

TextVectorization is adapted on raw review-like sentences and becomes the first layer of the
model, after ``Input(shape=(1,), dtype="string")``: ``fit``, ``evaluate`` and ``predict``
take the strings themselves, as in the Keras documentation's "preprocessing inside the model"
recipe. The string stage (standardize, split, look up) runs on the host batch by batch; from
the token ids on, the model is ordinary tensors. The model is saved and loaded with its
vocabulary, and the numeric part is exported as the error of ``model.export`` explains.

Run: python examples/text_vectorization_classification.py
"""

import os
import tempfile

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

    model = keras.Sequential(
        [
            keras.Input(shape=(1,), dtype="string"),
            vectorizer,
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
    history = model.fit(train_texts, y_train, batch_size=32, epochs=8, verbose=0,
                        validation_split=0.1)
    _, test_acc = model.evaluate(test_texts, y_test, verbose=0)
    model.summary()

    new_reviews = np.array(["A brilliant film, really fun!", "The plot was dull and boring."])
    scores = model.predict(new_reviews, verbose=0)[:, 0]
    losses = history.history["loss"]
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, test accuracy {test_acc:.2f} (chance 0.5)")
    print("new reviews:", dict(zip(new_reviews.tolist(), np.round(scores, 3).tolist())))

    assert "great" in vocabulary and "Great" not in vocabulary  # lower-cased when adapted
    assert losses[-1] < losses[0], losses
    assert test_acc > 0.9, test_acc
    assert scores[0] > 0.5 > scores[1], scores

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "reviews.sloi")
        model.save(path)
        restored = keras.models.load_model(path)  # the vocabulary comes back with it
        assert restored.layers[0].get_vocabulary() == vocabulary
        np.testing.assert_allclose(restored.predict(new_reviews, verbose=0)[:, 0], scores,
                                   rtol=1e-6)
        try:
            model.export(os.path.join(folder, "reviews.onnx"))
        except ValueError as error:  # strings cannot be exported: the error gives the recipe
            print(str(error).splitlines()[1].strip())
    return history


if __name__ == "__main__":
    main()
