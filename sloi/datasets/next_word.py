"""Short Russian and English phrases for next-word prediction.

What it is for: the first language model of the lecture (``Embedding`` -> ``LSTM`` ->
``Dense(softmax)`` over the vocabulary): given the first words of a phrase ("я иду ..."),
predict the next one ("гулять"). The corpus is built into sloi: a few hundred phrases made
from templates (going somewhere, famous people's full names, "I lived in France and I speak
fluent French", likes, weather, greetings). Each phrase of n words gives n - 1 samples: every
prefix, and the word after it.

Words are the phrase lowercased and split on spaces (``"по-французски"`` stays one word); ids
come from ``get_word_index``: the most frequent word is 1, ties in order of first appearance
(as Keras 2's ``Tokenizer`` numbers them); 0 is padding.
"""

from __future__ import annotations

import collections
import itertools

import numpy as np

from sloi.datasets import _generated

_LANGUAGES = ("ru", "en", "both")


def _russian() -> list[str]:
    phrases = []
    going = [("я", "иду"), ("ты", "идёшь"), ("он", "идёт"), ("она", "идёт"), ("мы", "идём"),
             ("вы", "идёте"), ("они", "идут")]
    places = ["гулять", "домой", "в школу", "в парк", "в магазин", "на работу", "в кино",
              "в театр", "на море", "на рынок"]
    phrases += [f"{who} {verb} {where}" for (who, verb), where in itertools.product(going, places)]
    people = [
        ("поэт", "Александр Сергеевич Пушкин"), ("поэт", "Михаил Юрьевич Лермонтов"),
        ("поэт", "Сергей Александрович Есенин"), ("поэтесса", "Анна Андреевна Ахматова"),
        ("писатель", "Лев Николаевич Толстой"), ("писатель", "Фёдор Михайлович Достоевский"),
        ("писатель", "Антон Павлович Чехов"), ("писатель", "Николай Васильевич Гоголь"),
        ("писатель", "Иван Сергеевич Тургенев"), ("композитор", "Пётр Ильич Чайковский"),
        ("композитор", "Сергей Васильевич Рахманинов"),
        ("учёный", "Дмитрий Иванович Менделеев"), ("учёный", "Михаил Васильевич Ломоносов"),
        ("художник", "Илья Ефимович Репин"), ("космонавт", "Юрий Алексеевич Гагарин"),
    ]
    phrases += [f"{what} {who}" for what, who in people]
    phrases += [f"великий {what} {who}" for what, who in people]
    living = [("я", "живу", "говорю"), ("ты", "живёшь", "говоришь"), ("он", "живёт", "говорит"),
              ("она", "живёт", "говорит"), ("мы", "живём", "говорим"),
              ("они", "живут", "говорят")]
    countries = [("во Франции", "по-французски"), ("в Германии", "по-немецки"),
                 ("в Испании", "по-испански"), ("в Италии", "по-итальянски"),
                 ("в Англии", "по-английски"), ("в России", "по-русски"),
                 ("в Китае", "по-китайски"), ("в Японии", "по-японски")]
    phrases += [f"{who} {live} {country} и {speak} {language}"
                for (who, live, speak), (country, language) in itertools.product(living,
                                                                                 countries)]
    loving = [("я", "люблю"), ("ты", "любишь"), ("он", "любит"), ("она", "любит"),
              ("мы", "любим"), ("вы", "любите"), ("они", "любят")]
    hobbies = ["читать книги", "гулять в парке", "пить чай", "играть в футбол",
               "смотреть кино", "слушать музыку"]
    phrases += [f"{who} {verb} {what}" for (who, verb), what in itertools.product(loving,
                                                                                  hobbies)]
    days = ["сегодня на улице", "вчера на улице было", "завтра на улице будет"]
    weather = ["холодно", "тепло", "жарко", "ветрено", "сыро", "солнечно"]
    phrases += [f"{day} {w}" for day, w in itertools.product(days, weather)]
    phrases += ["доброе утро друзья", "добрый день друзья", "добрый вечер друзья",
                "спокойной ночи друзья"]
    return phrases


def _english() -> list[str]:
    phrases = []
    going = ["I am", "you are", "he is", "she is", "we are", "they are"]
    places = ["for a walk", "home", "to school", "to the park", "to the shop", "to work",
              "to the cinema", "to the sea"]
    phrases += [f"{who} going {where}" for who, where in itertools.product(going, places)]
    people = [
        ("poet", "Alexander Pushkin"), ("poet", "Mikhail Lermontov"), ("poet", "Lord Byron"),
        ("writer", "Leo Tolstoy"), ("writer", "Fyodor Dostoevsky"), ("writer", "Anton Chekhov"),
        ("writer", "Charles Dickens"), ("playwright", "William Shakespeare"),
        ("composer", "Pyotr Tchaikovsky"), ("scientist", "Isaac Newton"),
        ("scientist", "Albert Einstein"), ("painter", "Vincent van Gogh"),
    ]
    phrases += [f"the {what} {who}" for what, who in people]
    living = [("I", "speak"), ("we", "speak"), ("he", "speaks"), ("she", "speaks"),
              ("they", "speak")]
    countries = [("France", "French"), ("Germany", "German"), ("Spain", "Spanish"),
                 ("Italy", "Italian"), ("Russia", "Russian"), ("China", "Chinese"),
                 ("Japan", "Japanese"), ("England", "English")]
    phrases += [f"{who} lived in {country} and {who} {speak} fluent {language}"
                for (who, speak), (country, language) in itertools.product(living, countries)]
    liking = ["I like", "you like", "he likes", "she likes", "we like", "they like"]
    hobbies = ["reading books", "walking in the park", "drinking tea", "playing football",
               "watching films", "listening to music"]
    phrases += [f"{who} {what}" for who, what in itertools.product(liking, hobbies)]
    days = ["today it is", "yesterday it was", "tomorrow it will be"]
    weather = ["cold", "warm", "hot", "windy", "rainy", "sunny"]
    phrases += [f"{day} {w}" for day, w in itertools.product(days, weather)]
    return phrases


def get_phrases(language="both") -> list[str]:
    """The built-in phrases: ``"ru"``, ``"en"`` or ``"both"`` (Russian first)."""
    if language not in _LANGUAGES:
        raise ValueError(f"next_word: language must be one of {_LANGUAGES}; got {language!r}")
    return {"ru": _russian, "en": _english}.get(language, lambda: _russian() + _english())()


def _words(phrase: str) -> list[str]:
    return phrase.lower().split()


def get_word_index(language="both") -> dict[str, int]:
    """``{word: id}``: 1 for the most frequent word, ties in order of first appearance."""
    counts = collections.Counter()
    for phrase in get_phrases(language):
        counts.update(_words(phrase))  # Counter keeps first-appearance order for ties
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)  # stable
    return {word: i + 1 for i, (word, _) in enumerate(ranked)}


def load_data(language="both", maxlen=None, test_split=0.2, seed=0):
    """The (prefix, next word) samples of the phrases, split by phrase.

    Args:
        language: ``"ru"``, ``"en"`` or ``"both"``.
        maxlen: length of the id sequences: prefixes are padded with 0 in front, and longer
            ones keep their last ``maxlen`` words. None: the longest prefix.
        test_split: the fraction of the phrases whose samples are kept for testing (the
            phrases are shuffled first, so a phrase's samples stay on one side).
        seed: the seed of that shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` int64 ``(n, maxlen)`` word ids,
        ``y`` int64 ids of the next words. ``get_word_index(language)`` maps words to ids.
    """
    test_split = _generated.check_fraction("next_word", "test_split", test_split)
    phrases = get_phrases(language)
    index = get_word_index(language)
    encoded = [[index[w] for w in _words(p)] for p in phrases]
    longest = max(len(ids) for ids in encoded) - 1
    if maxlen is None:
        maxlen = longest
    maxlen = _generated.check_int("next_word", "maxlen", maxlen, 1)
    order = np.random.default_rng(seed).permutation(len(encoded))
    n_test = int(round(len(encoded) * test_split))
    parts = []
    for chosen in (order[:len(order) - n_test], order[len(order) - n_test:]):
        x, y = [], []
        for i in chosen:
            ids = encoded[i]
            for k in range(1, len(ids)):
                prefix = ids[max(0, k - maxlen):k]
                x.append([0] * (maxlen - len(prefix)) + prefix)
                y.append(ids[k])
        parts.append((np.array(x, dtype=np.int64).reshape(-1, maxlen),
                      np.array(y, dtype=np.int64)))
    return parts[0], parts[1]
