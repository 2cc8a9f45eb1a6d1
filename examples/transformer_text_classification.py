"""Text classification with a Transformer block.

Integer token sequences; a sequence is positive when it holds the "keyword" token 1
anywhere. A small Transformer block (MultiHeadAttention, a residual `x + inputs`,
LayerNormalization, a feed-forward network) over token and position embeddings,
then mean pooling with ops.mean, classifies it.

Run: python examples/transformer_text_classification.py
"""

import numpy as np

import sloi as keras
from sloi import layers, ops

VOCAB = 50
MAXLEN = 20
EMBED = 32


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(vocab_size, embed_dim)
        self.pos_emb = layers.Embedding(maxlen, embed_dim)

    def call(self, x):
        positions = ops.arange(0, ops.shape(x)[-1], 1)
        return self.token_emb(x) + self.pos_emb(positions)


def transformer_block(inputs, num_heads, ff_dim, rate=0.1):
    x = layers.MultiHeadAttention(num_heads=num_heads, key_dim=EMBED // num_heads)(inputs, inputs)
    x = layers.Dropout(rate)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x + inputs)  # residual connection
    y = layers.Dense(ff_dim, activation="relu")(x)
    y = layers.Dense(EMBED)(y)
    y = layers.Dropout(rate)(y)
    return layers.LayerNormalization(epsilon=1e-6)(y + x)


def make_data(n, rng):
    x = rng.integers(2, VOCAB, size=(n, MAXLEN))
    y = rng.integers(0, 2, size=n)
    where = rng.integers(0, MAXLEN, size=n)
    x[y == 1, where[y == 1]] = 1  # the keyword, at a random position
    return x, y


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = make_data(512, rng)
    x_test, y_test = make_data(256, rng)

    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    x = TokenAndPositionEmbedding(MAXLEN, VOCAB, EMBED)(inputs)
    x = transformer_block(x, num_heads=2, ff_dim=32)
    x = ops.mean(x, axis=1)
    x = layers.Dense(16, activation="relu")(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs, outputs)

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=7, verbose=0)
    _, test_acc = model.evaluate(x_test, y_test, verbose=0)
    losses = history.history["loss"]
    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}, test accuracy {test_acc:.2f} (chance 0.5)")

    assert losses[-1] < losses[0], losses
    assert test_acc > 0.8, test_acc
    return history


if __name__ == "__main__":
    main()
