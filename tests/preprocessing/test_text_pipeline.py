"""End to end: texts -> Tokenizer -> pad_sequences -> to_categorical -> Embedding + LSTM."""

import numpy as np

import sloi
from sloi.preprocessing.sequence import pad_sequences
from sloi.preprocessing.text import Tokenizer
from sloi.utils import to_categorical

GOOD = ["отличный фильм", "great movie", "очень хороший фильм", "really good film",
        "прекрасная игра актёров", "wonderful acting"]
BAD = ["ужасный фильм", "terrible movie", "очень плохой фильм", "really bad film",
       "скучная игра актёров", "boring acting"]


def test_texts_to_a_trained_lstm():
    sloi.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for _ in range(16):  # a few hundred short noisy sentences
        for label, pool in ((1, GOOD), (0, BAD)):
            for text in pool:
                words = text.split() + rng.choice(["и", "the", "вот", "so"], 2).tolist()
                rng.shuffle(words)
                texts.append(" ".join(words).capitalize() + "!")
                labels.append(label)
    tok = Tokenizer(num_words=40, oov_token="<unk>")
    tok.fit_on_texts(texts)
    x = pad_sequences(tok.texts_to_sequences(texts), maxlen=6)
    y = to_categorical(labels, 2)
    assert x.shape == (len(texts), 6) and x.dtype == np.int32 and x.max() < 40

    model = sloi.Sequential([
        sloi.layers.Input((6,)),
        sloi.layers.Embedding(40, 8, mask_zero=True),
        sloi.layers.LSTM(16),
        sloi.layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9

    probe = pad_sequences(tok.texts_to_sequences(["Ужасный фильм", "Wonderful movie"]), maxlen=6)
    assert model.predict(probe, verbose=0).argmax(axis=1).tolist() == [0, 1]
