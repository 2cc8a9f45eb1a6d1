"""The public Progbar (keras.utils.Progbar) against Keras 3's: the text it draws, with the
times (which differ run to run) and the colours (Keras's ANSI codes) taken out."""

import io
import re

import keras
import pytest

import sloi
from sloi.utils import Progbar


class Terminal(io.StringIO):
    def isatty(self):
        return True


def lines(text):
    """The drawn states of the bar, one a redraw, without colours, times and padding."""
    # Keras draws the bar's unfinished part as grey "━"; sloi as "─"
    text = re.sub("\x1b\\[37m(━*)", lambda m: "─" * len(m.group(1)), text)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\b", "")
    text = re.sub(r"\b\d+(?::\d\d)*(s|ms|us)/", "T/", text)  # time per step (its unit varies too)
    text = re.sub(r"(Unknown|━|─) \d+(?::\d\d)*s ", r"\1 Ts ", text)  # ETA / elapsed
    text = re.sub(r"(\d/\d+) - \d+s -", r"\1 - Ts -", text)  # verbose=2 elapsed
    return [seg.rstrip() for seg in re.split(r"[\r\n]", text) if seg.strip()]


def run(bar_cls, capsys, steps, verbose=1, **kwargs):
    stream = Terminal()
    extra = {"stream": stream} if bar_cls is Progbar else {}
    bar = bar_cls(interval=0.0, verbose=verbose, **kwargs, **extra)
    for method, args in steps:
        getattr(bar, method)(*args)
    out = stream.getvalue() if bar_cls is Progbar else capsys.readouterr().out
    return lines(out)


STEPS = [
    ("update", (1, [("loss", 0.9), ("acc", 0.25)])),
    ("update", (3, [("loss", 0.6), ("acc", 0.5)])),  # this value stands for 2 steps
    ("add", (1, [("loss", 0.3), ("lr", 0.01)])),
    ("update", (6, [("loss", 0.2), ("acc", 0.75), ("lr", 0.02)])),
    ("update", (8, [("loss", 0.1), ("acc", 0.8), ("lr", 0.03)])),
]


@pytest.mark.parametrize("kwargs", [
    dict(target=8),
    dict(target=8, stateful_metrics=["acc"]),
    dict(target=8, stateless_metrics=["loss"]),
    dict(target=8, width=7, unit_name="sample"),
    dict(target=None),
    dict(target=12),
])
def test_verbose_1_draws_what_keras_draws(capsys, kwargs):
    ours = run(Progbar, capsys, STEPS, **kwargs)
    theirs = run(keras.utils.Progbar, capsys, STEPS, **kwargs)
    assert ours == theirs and len(ours) == len(STEPS)


def test_values_are_averaged_over_the_steps_they_stand_for(capsys):
    ours = run(Progbar, capsys, STEPS[:3], target=8)
    # loss: (0.9 * 1 + 0.6 * 2 + 0.3 * 1) / 4 steps
    assert ours[-1].endswith(f"loss: {(0.9 + 1.2 + 0.3) / 4:.4f} - acc: "
                             f"{(0.25 + 1.0) / 3:.4f} - lr: 0.0100")
    # the final update shows each value as given, as Keras does
    assert run(Progbar, capsys, STEPS, target=8)[-1].endswith("loss: 0.1000 - acc: 0.8000 - "
                                                             "lr: 0.0300")


@pytest.mark.parametrize("kwargs", [dict(target=8), dict(target=8, stateful_metrics=["loss"])])
def test_verbose_2_writes_keras_s_one_line(capsys, kwargs):
    ours = run(Progbar, capsys, STEPS, verbose=2, **kwargs)
    theirs = run(keras.utils.Progbar, capsys, STEPS, verbose=2, **kwargs)
    assert ours == theirs and len(ours) == 1


def test_verbose_0_is_silent_and_small_values_use_exponents(capsys):
    assert run(Progbar, capsys, STEPS, verbose=0, target=8) == []
    steps = [("update", (1, [("tiny", 2e-4)])), ("update", (2, [("tiny", 2e-4)]))]
    ours = run(Progbar, capsys, steps, target=3)
    assert ours == run(keras.utils.Progbar, capsys, steps, target=3)
    assert ours[-1].endswith("tiny: 2.0000e-04")


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="stateful_metrics or stateless_metrics, not both"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_fit_shows_its_logs_as_given(capsys):
    """fit's bar is the same class with every value stateful: the epoch line shows the logs
    History records, not an average of them."""
    import numpy as np

    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = sloi.Sequential([sloi.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=2)
    out = capsys.readouterr().out.splitlines()
    for epoch, line in zip((0, 1), out[1::2]):
        assert line.endswith(f"loss: {history.history['loss'][epoch]:.4f}")
