"""plot_gates: one heatmap per gate, a column per direction, an atomic file."""

import builtins

import numpy as np
import pytest
import torch

from sloi import layers
from sloi.inspect import lstm_gates, plot_gates

pytest.importorskip("matplotlib")

X = np.random.default_rng(1).standard_normal((2, 5, 3)).astype("float32")


def test_lstm_heatmaps_written_to_file(tmp_path):
    g = lstm_gates(layers.LSTM(4), X)
    target = tmp_path / "gates.png"
    fig = plot_gates(g, sample=1, to_file=str(target))
    images = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in images] == ["input", "forget", "cell_candidate", "output",
                                                 "cell", "hidden"]
    assert images[0].images[0].get_array().shape == (4, 5)  # units x steps
    np.testing.assert_allclose(images[1].images[0].get_array(), g["forget"][1].T)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gates.png"]


def test_the_figure_displays_in_a_notebook_without_pyplot():
    # IPython shows an object through _repr_png_; a bare matplotlib Figure has none, so
    # without pyplot's inline backend a notebook would print "<Figure ...>" only
    fig = plot_gates(lstm_gates(layers.LSTM(4), X))
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    w_in, h_in = fig.get_size_inches()
    assert (width, height) == (round(w_in * 80), round(h_in * 80))  # the figure at 80 dpi


def test_bidirectional_gru_has_a_column_per_direction():
    bi = layers.Bidirectional(layers.GRU(3, return_sequences=True))
    with torch.no_grad():
        bi(torch.from_numpy(X))
    from sloi.inspect import gru_gates

    fig = plot_gates(gru_gates(bi, X))
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert len(titles) == 8 and "forward: update" in titles and "backward: hidden" in titles


def test_errors(tmp_path):
    g = lstm_gates(layers.LSTM(2), X)
    with pytest.raises(ValueError, match="sample must be an index into the batch of 2"):
        plot_gates(g, sample=2)
    with pytest.raises(ValueError, match=r"to_file must end in one of .*gates\.txt"):
        plot_gates(g, to_file=str(tmp_path / "gates.txt"))
    with pytest.raises(ValueError, match="expects the dict that lstm_gates"):
        plot_gates([1, 2])


def test_missing_matplotlib_names_the_viz_extra(monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r'pip install "sloi\[viz\]"'):
        plot_gates(lstm_gates(layers.LSTM(2), X))
