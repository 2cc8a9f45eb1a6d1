"""Writes the lecture notebooks from one list of cells: docs/ru/lecture.ipynb (Russian) and
docs/lecture.ipynb (English). Code cells are the same in both; only the text differs.

    python tools/make_notebooks.py        # writes both, without outputs
    python tools/run_notebooks.py         # executes them and stores the outputs

The cells follow the lecture (functional API, recurrent networks, LSTM, Bidirectional, GRU,
Conv1D) with the lecture's Keras code written for sloi, plus experiments around it. Edit the
cells here, never the .ipynb files by hand: tests/docs/test_notebooks.py checks that the
stored notebooks hold exactly these cells.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"ru": ROOT / "docs" / "ru" / "lecture.ipynb", "en": ROOT / "docs" / "lecture.ipynb"}


def md(ru: str, en: str) -> dict:
    return {"kind": "markdown", "ru": ru.strip(), "en": en.strip()}


def code(source: str) -> dict:
    return {"kind": "code", "source": source.strip()}


CELLS = [
    md("""
# Рекуррентные сети и одномерная свёртка — на sloi

Курс о рекуррентных сетях, переписанный на **sloi**: тот же код, что в лекции на Keras, только
вместо `keras` стоит `sloi` (каждый слой — `torch.nn.Module`). Ячейки с кодом лекции идут вместе с
небольшими экспериментами: они показывают на числах то, о чём лекция рассказывает словами.

Переменная окружения `SLOI_NOTEBOOK_FAST=1` включает быстрый режим: меньше данных и эпох
(так блокнот проверяют тесты).
""", """
# Recurrent networks and 1-D convolution — on sloi

The course on recurrent networks, run on **sloi**: the lecture's Keras code with `keras`
replaced by `sloi` (every layer is a `torch.nn.Module`). Beside the lecture's code sit small
experiments that show in numbers what the lecture says in words.

The environment variable `SLOI_NOTEBOOK_FAST=1` turns on a fast mode: less data, fewer epochs
(the tests run the notebook that way).
"""),
    md("""
## Запуск в Colab

Первая ячейка ставит sloi, если его нет (из репозитория; когда sloi появится в каталоге пакетов,
хватит `pip install sloi`), и сообщает, есть ли GPU и включён ли путь cuDNN.
""", """
## Running in Colab

The first cell installs sloi when it is missing (from the repository; once sloi is on the
package index, `pip install sloi` is enough) and says whether a GPU and the cuDNN path are on.
"""),
    code('''
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("sloi") is None:
    # once released: pip install sloi
    repo = os.environ.get("SLOI_REPO", "")  # the repository's git URL, e.g. in Colab's secrets
    if not repo:
        raise RuntimeError("sloi is not installed: set SLOI_REPO to sloi's git URL "
                           "(or pip install sloi once it is released)")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", f"sloi @ git+{repo}"])

import numpy as np
import torch

import sloi

FAST = os.environ.get("SLOI_NOTEBOOK_FAST") == "1"


def pick(fast, full):
    """The fast mode's value, or the full run's."""
    return fast if FAST else full


print(f"sloi {sloi.__version__}, torch {torch.__version__}, fast mode: {FAST}")
if torch.cuda.is_available():
    cudnn = torch.backends.cudnn.is_available() and torch.backends.cudnn.enabled
    print(f"GPU: {torch.cuda.get_device_name(0)}; cuDNN path for LSTM/GRU: "
          f"{'on' if cudnn else 'off'}")
else:
    print("no GPU: sloi runs on the CPU (fused oneDNN kernels); the cuDNN path is off")
sloi.utils.set_random_seed(0)
'''),
    md("""
## 1. Функциональный API

У Keras (и у sloi) две манеры строить модель. `Sequential` — стопка слоёв, где у каждого ровно
один вход и один выход. Функциональный API свободнее: слой вызывается на выходе другого слоя,
как функция, а `Model` получает входы и выходы и сама находит граф между ними. Так можно
строить ветвления, слияния, несколько входов и выходов, повторно использовать слои.

Первый пример лекции — три полносвязных слоя после входа на 1000 признаков:
""", """
## 1. The functional API

Keras (and sloi) build models in two ways. `Sequential` is a stack where each layer has one
input and one output. The functional API is freer: a layer is called on another layer's output,
like a function, and `Model` takes the inputs and outputs and finds the graph between them.
That allows branches, merges, several inputs and outputs, shared layers.

The lecture's first example: three dense layers after an input of 1000 features:
"""),
    code('''
from sloi.layers import Dense, Input
from sloi.models import Model

input_layer = Input(shape=(1000, ))  # the input layer
layer_1 = Dense(16, activation='relu')(input_layer)  # dense layer, 16 neurons
layer_2 = Dense(16, activation='relu')(layer_1)  # dense layer, 16 neurons
output_layer = Dense(1, activation='sigmoid')(layer_2)  # the output layer

model = Model(inputs=input_layer, outputs=output_layer)
model.summary()
'''),
    md("""
Схема модели. `plot_model` рисует её через Graphviz, а если Graphviz не установлен, файл `.svg`
рисует сам sloi; в блокноте картинка показывается прямо под ячейкой.
""", """
The model's diagram. `plot_model` draws it with Graphviz; without Graphviz sloi draws the
`.svg` itself, and a notebook shows the picture under the cell.
"""),
    code('''
sloi.utils.plot_model(model, to_file="dense_model.svg", show_shapes=True)
'''),
    md("""
Небольшой эксперимент: обучим эту модель три эпохи на случайной задаче (класс — знак суммы
первых десяти признаков). В блокноте индикатор прогресса перерисовывается на месте: одна строка
на эпоху, а не строка на каждый шаг.
""", """
A small experiment: three epochs of training on a random task (the class is the sign of the sum
of the first ten features). In a notebook the progress bar is redrawn in place: one line per
epoch, not one per step.
"""),
    code('''
rng = np.random.default_rng(0)
x = rng.normal(size=(pick(256, 2048), 1000)).astype("float32")
y = (x[:, :10].sum(axis=1) > 0).astype("float32")
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=3, batch_size=32, validation_split=0.2)
'''),
    code('''
history.plot();
'''),
    md("""
### Модель с общим входом и двумя ветвями

Второй пример лекции: из одного входа (картинка 64×64) идут две свёрточные ветви, каждая
сворачивается в вектор, а `concatenate` склеивает их перед выходным слоем. В коде лекции ветви
вызываются на `visible`, которое нигде не объявлено: здесь вход так и назван.
""", """
### One input, two branches

The lecture's second example: two convolutional branches grow from one input (a 64×64 image),
each is flattened, and `concatenate` joins them before the output layer. The lecture's code
calls the branches on `visible`, which it never defines: here the input carries that name.
"""),
    code('''
from sloi.layers import Conv2D, Flatten, MaxPooling2D, concatenate

visible = Input(shape=(64, 64, 1))
# left branch
conv1 = Conv2D(64, kernel_size=4, activation='relu')(visible)
flat1 = Flatten()(conv1)
# right branch
conv2 = Conv2D(32, kernel_size=8, activation='relu')(visible)
MaxPool2 = MaxPooling2D(pool_size=(2, 2))(conv2)
flat2 = Flatten()(MaxPool2)
# the merge
merge = concatenate([flat1, flat2])
# the output layer
output_layer = Dense(1, activation='sigmoid')(merge)

branches = Model(inputs=visible, outputs=output_layer)
branches.summary()
'''),
    code('''
sloi.utils.plot_model(branches, to_file="two_branches.svg", show_shapes=True)
'''),
    md("""
## 2. Зачем сети память: летящий мяч

По одному кадру видео нельзя сказать, куда летит мяч: видно лишь, где он сейчас. Направление
появляется, когда сравниваешь несколько кадров подряд. Рекуррентная сеть делает именно это:
считает текущий шаг с учётом того, что видела раньше.

`sloi.datasets.moving_ball` генерирует такие ролики (мяч движется вправо, вверх, влево или
вниз и выходит с другой стороны кадра). Сравним сеть, видящую только последний кадр, и сеть,
видящую весь ролик.
""", """
## 2. Why a network needs memory: the moving ball

From one frame of a video you cannot tell where a ball flies: only where it is. The direction
appears when several frames in a row are compared. A recurrent network does exactly that: it
computes the current step with what it saw before.

`sloi.datasets.moving_ball` generates such clips (the ball moves right, up, left or down and
wraps around the frame). Compare a network that sees only the last frame with one that sees the
whole clip.
"""),
    code('''
from sloi.datasets import moving_ball
from sloi.layers import LSTM, TimeDistributed
from sloi.models import Sequential

size, frames = 12, 4
(xb, yb), (xb_test, yb_test) = moving_ball.load_data(num_samples=pick(160, 2000),
                                                     frames=frames, size=size, seed=0)
ball_epochs = pick(1, 8)

single = Sequential([Input((size, size, 1)), Conv2D(8, 3, activation="relu"),
                     MaxPooling2D(2), Flatten(), Dense(4, activation="softmax")])
single.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
single.fit(xb[:, -1], yb, epochs=ball_epochs, verbose=0)

clip = Sequential([Input((frames, size, size, 1)),
                   TimeDistributed(Conv2D(8, 3, activation="relu")),
                   TimeDistributed(MaxPooling2D(2)), TimeDistributed(Flatten()),
                   LSTM(32), Dense(4, activation="softmax")])
clip.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
clip.fit(xb, yb, epochs=ball_epochs, verbose=0)

one_frame = single.evaluate(xb_test[:, -1], yb_test, verbose=0)[1]
whole_clip = clip.evaluate(xb_test, yb_test, verbose=0)[1]
print(f"last frame only: accuracy {one_frame:.3f} (chance 0.25)")
print(f"the whole clip:  accuracy {whole_clip:.3f}")
print("verdict:", "the sequence tells the direction" if whole_clip > one_frame + 0.05
      else "no clear gain in this run")
'''),
    md("""
## 3. Исчезающий градиент

Рекуррентный нейрон можно представить развёрнутым во времени: на каждом шаге его «копия» получает
новое слово и собственный выход с прошлого шага. Беда в том, что сигнал о ранних шагах, проходя
через много таких копий, затухает: чем длиннее последовательность, тем меньше сеть помнит её
начало. Если о Франции сказано абзацем раньше, простой RNN вряд ли допишет «говорю
по-французски».

`sloi.datasets.long_memory` строит такой текст: метка, за ней «страна» (один из четырёх классов),
потом случайные слова. Сеть должна вспомнить класс в конце. Сравним `SimpleRNN`, `LSTM` и `GRU`.
""", """
## 3. The vanishing gradient

A recurrent neuron can be drawn unrolled in time: at each step its "copy" gets the next word and
its own output from the step before. The trouble: the signal about early steps fades as it
passes through many copies, so the longer the sequence, the less the network remembers of its
start. If France was mentioned a paragraph ago, a plain RNN is unlikely to finish "I speak
fluent ..." with "French".

`sloi.datasets.long_memory` builds such a text: a marker, then a "country" (one of four
classes), then random words. The network must recall the class at the end. Compare
`SimpleRNN`, `LSTM` and `GRU`.
"""),
    code('''
import time

from sloi.datasets import long_memory
from sloi.layers import GRU, Embedding, SimpleRNN

distance = pick(10, 40)
(xm, ym), (xm_test, ym_test) = long_memory.load_data(
    num_samples=pick(160, 2000), distance=distance, vocab_size=20, num_classes=4, seed=0)
memory_epochs = pick(1, 10)
memory = {}
for layer_class in (SimpleRNN, LSTM, GRU):
    m = Sequential([Input((distance + 2,), dtype="int64"), Embedding(20, 8),
                    layer_class(32), Dense(4, activation="softmax")])
    m.compile(sloi.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    start = time.perf_counter()
    m.fit(xm, ym, epochs=memory_epochs, batch_size=64, verbose=0)
    seconds = (time.perf_counter() - start) / memory_epochs
    accuracy = m.evaluate(xm_test, ym_test, verbose=0)[1]
    memory[layer_class.__name__] = (m, accuracy, seconds)
    print(f"{layer_class.__name__:9s} accuracy {accuracy:.3f}, {seconds:.2f} s/epoch, "
          f"{m.count_params():,} params")
best_gated = max(memory["LSTM"][1], memory["GRU"][1])
print("verdict:", "the gated layers keep the class token longer than SimpleRNN"
      if best_gated > memory["SimpleRNN"][1] + 0.05 else "no clear gap in this run")
'''),
    md("""
## 4. LSTM и его гейты

LSTM (long short-term memory) придуман как раз против затухания. Вдоль цепочки шагов идёт
состояние ячейки, и три гейта (сигмоиды со значениями от 0 до 1) решают, что с ним делать:
гейт забывания — сколько старого оставить, входной гейт вместе с `tanh` — что нового записать,
выходной гейт — что из состояния выдать наружу.

`sloi.inspect.lstm_gates` проводит обученный слой по последовательности шаг за шагом и
возвращает все гейты, а `plot_gates` рисует их тепловыми картами (строки — нейроны, столбцы —
шаги времени).
""", """
## 4. LSTM and its gates

LSTM (long short-term memory) was designed against that fading. A cell state runs along the
chain of steps, and three gates (sigmoids between 0 and 1) decide what happens to it: the
forget gate how much of the old to keep, the input gate with a `tanh` what new to write, the
output gate what of the state to show.

`sloi.inspect.lstm_gates` walks a trained layer through a sequence step by step and returns
every gate; `plot_gates` draws them as heatmaps (rows are units, columns time steps).
"""),
    code('''
import sloi.inspect

trained_lstm = memory["LSTM"][0]
embedded = trained_lstm.layers[0](xm_test[:1])  # the Embedding's output for one sequence
gates = sloi.inspect.lstm_gates(trained_lstm.layers[1], embedded)
print({name: tuple(value.shape) for name, value in gates.items()})
sloi.inspect.plot_gates(gates)
'''),
    md("""
В лекции LSTM добавляется в `Sequential` после слоя `Embedding` (словарь из 50 слов, векторы
длины 10, тексты по 1000 слов). Без `return_sequences` слой отдаёт один вектор — выход
последнего шага:
""", """
In the lecture an LSTM follows an `Embedding` in a `Sequential` (a vocabulary of 50 words,
vectors of 10, texts of 1000 words). Without `return_sequences` the layer returns one vector,
the last step's output:
"""),
    code('''
# option 1
model = Sequential()
model.add(Embedding(50, 10, input_length=1000))
model.add(LSTM(32))
model.build((None, 1000))
model.summary()
'''),
    md("""
С `return_sequences=True` слой отдаёт выход каждого шага: последовательность 1000×32, которую
можно подать следующему рекуррентному слою.
""", """
With `return_sequences=True` the layer returns every step's output: a 1000×32 sequence that a
next recurrent layer can read.
"""),
    code('''
# option 2
model = Sequential()
model.add(Embedding(50, 10, input_length=1000))
model.add(LSTM(32, return_sequences=True))
model.build((None, 1000))
model.summary()
'''),
    md("""
## 5. Двунаправленные сети

Чтобы понять слово, полезно знать не только то, что было до него, но и то, что после. Обёртка
`Bidirectional` запускает слой дважды — с начала и с конца последовательности — и склеивает
результаты.
""", """
## 5. Bidirectional networks

To understand a word it helps to know what comes after it, not only what came before. The
`Bidirectional` wrapper runs the layer twice, from the start and from the end of the sequence,
and joins the results.
"""),
    code('''
from sloi.layers import Bidirectional

model = Sequential()
# a bidirectional RNN
model.add(Bidirectional(LSTM(64, return_sequences=True), input_shape=(5, 10)))
model.add(Bidirectional(LSTM(32)))
model.add(Dense(10))
model.summary()
print("output:", tuple(model.predict(np.zeros((2, 5, 10), "float32"), verbose=0).shape))
'''),
    md("""
## 6. GRU

GRU — упрощённый родственник LSTM: два гейта вместо трёх и нет отдельного состояния ячейки.
Параметров у него меньше, а точность часто та же, поэтому лекция советует сначала попробовать
GRU: при том же размере он должен учиться быстрее. Быстрее ли он на деле, зависит от ядра: на
процессоре слитное ядро LSTM бывает не медленнее — вторая ячейка ниже печатает время эпохи из
этого запуска. Параметр `return_sequences` у GRU такой же.
""", """
## 6. GRU

GRU is a simpler relative of the LSTM: two gates instead of three and no separate cell state.
It has fewer parameters, often with the same accuracy, so the lecture suggests trying a GRU
first: at the same size it should train faster. Whether it does depends on the kernel: on a CPU
the fused LSTM kernel can be as fast — the second cell below prints this run's time per epoch.
It has the same `return_sequences` argument.
"""),
    code('''
model = Sequential()
model.add(Embedding(50, 10, input_length=1000))
model.add(GRU(16, return_sequences=True))
model.build((None, 1000))
model.summary()
'''),
    code('''
for name in ("LSTM", "GRU"):
    m, accuracy, seconds = memory[name]
    print(f"{name:4s}: {m.layers[1].count_params():,} recurrent params, "
          f"{seconds:.2f} s/epoch, accuracy {accuracy:.3f} at distance {distance}")
'''),
    md("""
## 7. Одномерная свёртка

Conv1D сдвигает по последовательности окно: на каждом месте элементы окна умножаются на веса
ядра и складываются. В примере лекции ядро из четырёх весов по 0,2 над числами 46, 9, 124, 56
даёт 46·0,2 + 9·0,2 + 124·0,2 + 56·0,2 = 47. Проверим это на слое sloi:
""", """
## 7. One-dimensional convolution

Conv1D slides a window along the sequence: at each place the window's values are multiplied by
the kernel's weights and summed. In the lecture's example a kernel of four weights of 0.2 over
the numbers 46, 9, 124, 56 gives 46·0.2 + 9·0.2 + 124·0.2 + 56·0.2 = 47. Checked on a sloi
layer:
"""),
    code('''
from sloi.layers import Conv1D

conv = Conv1D(1, 4, use_bias=False)
conv.build((None, 6, 1))
conv.set_weights([np.full((4, 1, 1), 0.2, "float32")])
sequence = np.array([46, 9, 124, 56, 10, 3], "float32").reshape(1, 6, 1)
print(np.round(conv(sequence).detach().numpy().ravel(), 2))
'''),
    md("""
Слой из лекции: 20 фильтров с ядром 5 после `Embedding`.
""", """
The lecture's layer: 20 filters with a kernel of 5 after an `Embedding`.
"""),
    code('''
# one-dimensional convolution
model = Sequential()
model.add(Embedding(50, 10, input_length=1000))
model.add(Conv1D(20, 5, activation='relu'))
model.build((None, 1000))
model.summary()
'''),
    md("""
Свёртка учится быстро, но помнит мало: выход на последнем шаге видит лишь своё окно. Два слоя
с ядром 5 видят 9 последних токенов — класс из `long_memory` дальше этого окна. Механизм
внимания снимает это ограничение: `Attention()` позволяет каждому шагу смотреть на все шаги.
""", """
A convolution trains fast but remembers little: the output at the last step sees only its
window. Two layers with a kernel of 5 see the last 9 tokens, and the class token of
`long_memory` lies further back. Attention lifts that limit: `Attention()` lets every step look
at all steps.
"""),
    code('''
from sloi.layers import Attention, Cropping1D


def conv_model(attention):
    inputs = Input((distance + 2,), dtype="int64")
    c = Embedding(20, 8)(inputs)
    c = Conv1D(32, 5, activation="relu", padding="causal")(c)
    c = Conv1D(32, 5, activation="relu", padding="causal")(c)
    if attention:
        c = Attention()([c, c])
    last = Flatten()(Cropping1D((distance + 1, 0))(c))  # the answer is read at the last step
    return Model(inputs, Dense(4, activation="softmax")(last))


conv_accuracy = {}
for attention in (False, True):
    m = conv_model(attention)
    m.compile(sloi.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    start = time.perf_counter()
    m.fit(xm, ym, epochs=memory_epochs, batch_size=64, verbose=0)
    seconds = (time.perf_counter() - start) / memory_epochs
    accuracy = m.evaluate(xm_test, ym_test, verbose=0)[1]
    name = "Conv1D + Attention" if attention else "Conv1D"
    conv_accuracy[attention] = accuracy
    print(f"{name:18s} accuracy {accuracy:.3f}, {seconds:.2f} s/epoch")
print("verdict:", "attention reaches past the convolution's window"
      if conv_accuracy[True] > conv_accuracy[False] + 0.05 else "no clear gain in this run")
'''),
    md("""
## 8. Следующее слово

Наконец, маленькая языковая модель: по началу фразы угадать следующее слово («я иду …» →
«гулять»). `sloi.datasets.next_word` содержит несколько сотен коротких русских фраз; каждая
фраза даёт примеры «начало → следующее слово».
""", """
## 8. The next word

Finally, a small language model: guess the next word from the start of a phrase ("я иду …" →
"гулять", "I am going …" → "for a walk"). `sloi.datasets.next_word` holds a few hundred short
Russian phrases; each phrase gives "start → next word" samples.
"""),
    code('''
from sloi.datasets import next_word

(xw, yw), (xw_test, yw_test) = next_word.load_data("ru", seed=0)
index = next_word.get_word_index("ru")
words = {i: w for w, i in index.items()}
maxlen, vocab = xw.shape[1], len(index) + 1

lm = Sequential([Input((maxlen,), dtype="int64"), Embedding(vocab, 32, mask_zero=True),
                 LSTM(64), Dense(vocab, activation="softmax")])
lm.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
lm.fit(xw, yw, epochs=pick(1, 30), batch_size=32, verbose=0)
print(f"{len(xw):,} training samples, vocabulary {vocab - 1}, "
      f"test accuracy {lm.evaluate(xw_test, yw_test, verbose=0)[1]:.3f}")

for prompt in ("я иду", "поэт александр сергеевич", "мы живём во франции и говорим"):
    ids = [index.get(w, 0) for w in prompt.split()][-maxlen:]
    ids = np.array([[0] * (maxlen - len(ids)) + ids])
    guess = words.get(int(np.argmax(lm.predict(ids, verbose=0)[0])), "?")
    print(f"{prompt} … {guess}")
'''),
    md("""
## Итог

Функциональный API строит любые графы слоёв; рекуррентные слои помнят прошлое, причём LSTM и GRU
держат его гораздо дольше простого RNN; `Bidirectional` читает последовательность в обе стороны;
Conv1D быстр, но близорук, и внимание возвращает ему дальний взгляд. Всё это — код Keras,
работающий на PyTorch через sloi.
""", """
## Summary

The functional API builds any graph of layers; recurrent layers remember the past, LSTM and GRU
much longer than a plain RNN; `Bidirectional` reads a sequence both ways; Conv1D is fast but
short-sighted, and attention gives it back its long view. All of it is Keras code running on
PyTorch through sloi.
"""),
]


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def notebook(language: str) -> dict:
    cells = []
    for number, cell in enumerate(CELLS):
        if cell["kind"] == "markdown":
            cells.append({"cell_type": "markdown", "id": f"cell-{number}", "metadata": {},
                          "source": _lines(cell[language])})
        else:
            cells.append({"cell_type": "code", "execution_count": None, "id": f"cell-{number}",
                          "metadata": {}, "outputs": [], "source": _lines(cell["source"])})
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(path: Path, nb: dict) -> None:
    """The notebook as JSON, written whole (a temporary file moved into place)."""
    tmp = path.with_suffix(".ipynb.tmp")
    tmp.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def main() -> None:
    for language, path in TARGETS.items():
        write(path, notebook(language))
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
