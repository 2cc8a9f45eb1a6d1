"""summary(): Keras's columns and counts, checked against Keras's own summary text."""

import re

import pytest

import sloi
from tests.engine.test_functional import lecture_dense, multi_io
from tests.engine.test_sequential import stack_from_list
from tests.parity import build_both


def _capture(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda line, *a, **k: lines.append(line), **kwargs)
    return "\n".join(lines)


def _totals(text):
    return re.findall(r"(?:Total|Trainable|Non-trainable) params: [\d,]+ \([\d.]+ [KMG]?B\)", text)


def test_functional_chain_prints_as_a_stack_as_keras_does(monkeypatch):
    ours, theirs = build_both(lecture_dense)
    text = _capture(ours)
    assert text.startswith('Model: "functional"')
    # Keras prints a one-line graph like a Sequential: an InputLayer row, no "Connected to"
    assert "Connected to" not in text
    assert _table_rows(text) == _table_rows(_keras_text(theirs, monkeypatch))
    assert ("dense_1 (Dense)", "(None, 16)", "272") in _table_rows(text)
    assert _totals(text) == _totals(_capture(theirs)) == [
        "Total params: 16,305 (63.69 KB)", "Trainable params: 16,305 (63.69 KB)",
        "Non-trainable params: 0 (0.00 B)",
    ]


def test_graph_rows_and_connections_match_keras(monkeypatch):
    ours, theirs = build_both(multi_io)
    text = _capture(ours, line_length=150)
    assert "Connected to" in text
    assert _table_rows(text) == _table_rows(_keras_text(theirs, monkeypatch, line_length=150))
    assert ("shared (Dense)", "(None, 5)", "20", "pre_a[0][0], b[0][0]") in _table_rows(text)


def test_sequential_summary_has_no_connected_column_and_no_input_row():
    ours, theirs = build_both(stack_from_list)
    text = _capture(ours)
    assert "Connected to" not in text and "InputLayer" not in text
    assert _totals(text) == _totals(_capture(theirs))


def test_shared_layer_lists_both_connections_and_line_length_is_respected():
    model = multi_io(sloi)
    text = _capture(model, line_length=120)
    assert "pre_a[0][0], b[0][0]" in text.replace("\n│", "")
    assert max(len(line) for line in text.splitlines() if line.startswith("│")) <= 121


def test_frozen_layer_counts_as_non_trainable():
    model = lecture_dense(sloi)
    model.get_layer("dense").trainable = False
    totals = _totals(_capture(model, show_trainable=True))
    assert totals[1] == "Trainable params: 289 (1.13 KB)"
    assert totals[2] == "Non-trainable params: 16,016 (62.56 KB)"


# ------------------------------------------------------------------------- unbuilt models
def _keras_text(model, monkeypatch, **kwargs):
    # rich sizes Keras's table to the terminal: a wide one keeps every cell on one line.
    monkeypatch.setenv("COLUMNS", "200")
    return _capture(model, **kwargs)


def _table_rows(text):
    """Each table line's stripped cells, box drawing and column widths aside."""
    rows = []
    for line in text.splitlines():
        if line[:1] in ("┃", "│"):
            rows.append(tuple(cell.strip() for cell in re.split(r"[┃│]", line)[1:-1]))
    return rows


def _unbuilt_stack(lib):
    layers = lib.layers
    return lib.Sequential([layers.Embedding(50, 8), layers.LSTM(4), layers.Dense(1)])


def test_unbuilt_sequential_summary_prints_keras_rows(monkeypatch):
    import keras

    ours = _capture(_unbuilt_stack(sloi))
    theirs = _keras_text(_unbuilt_stack(keras), monkeypatch)
    assert _table_rows(ours) == _table_rows(theirs)
    assert ("embedding (Embedding)", "?", "0 (unbuilt)") in _table_rows(ours)
    assert _totals(ours) == _totals(theirs) == [
        "Total params: 0 (0.00 B)", "Trainable params: 0 (0.00 B)",
        "Non-trainable params: 0 (0.00 B)",
    ]


def test_unbuilt_and_weightless_layers_show_a_dash_in_the_trainable_column(monkeypatch):
    import keras

    def frozen_tail(lib):
        layers = lib.layers
        model = lib.Sequential([layers.Input((3,)), layers.Dropout(0.1), layers.Dense(1)])
        model.layers[-1].trainable = False
        return model

    for build in (_unbuilt_stack, frozen_tail):
        ours = _capture(build(sloi), show_trainable=True, line_length=130)
        theirs = _keras_text(build(keras), monkeypatch, show_trainable=True, line_length=130)
        assert _table_rows(ours) == _table_rows(theirs)
        assert _totals(ours) == _totals(theirs)


def test_summary_after_building_replaces_the_question_marks():
    model = _unbuilt_stack(sloi)
    model.build((None, 7))
    rows = _table_rows(_capture(model))
    assert ("lstm (LSTM)", "(None, 4)", "208") in rows


def test_unbuilt_subclassed_model_summary_prints_keras_rows(monkeypatch):
    import keras

    def subclassed(lib):
        class TwoDense(lib.Model):
            def __init__(self):
                super().__init__(name="two_dense")
                self.hidden = lib.layers.Dense(3)
                self.head = lib.layers.Dense(1)

            def call(self, x):
                return self.head(self.hidden(x))

        return TwoDense()

    ours = _capture(subclassed(sloi))
    theirs = _keras_text(subclassed(keras), monkeypatch)
    assert _table_rows(ours) == _table_rows(theirs)
    assert ours.splitlines()[0] == theirs.splitlines()[0] == 'Model: "two_dense"'
    assert _totals(ours) == _totals(theirs)


def _nested(lib):
    layers = lib.layers
    inner = lib.Sequential([layers.Dense(3, name="d1"), layers.Dense(2, name="d2")],
                           name="inner")
    return lib.Sequential([layers.Embedding(50, 8, name="emb"), inner,
                           layers.Dense(1, name="head")], name="outer")


def test_expand_nested_lists_the_inner_layers_as_keras_does(monkeypatch):
    import keras

    for build in (_nested, lambda lib: _built(_nested(lib))):
        ours = _capture(build(sloi), expand_nested=True)
        theirs = _keras_text(build(keras), monkeypatch, expand_nested=True)
        assert _table_rows(ours) == _table_rows(theirs)
        assert any(row[0] == "└ d2 (Dense)" for row in _table_rows(ours))
        assert _table_rows(_capture(build(sloi))) != _table_rows(ours)


def _built(model):
    model.build((None, 6))
    return model


def test_layer_range_prints_keras_rows(monkeypatch):
    ours, theirs = build_both(lecture_dense)
    for layer_range in (["dense", "dense_1"], ["dense_2", "dense"], ["input", "dense_1"]):
        rows = _table_rows(_capture(ours, layer_range=layer_range))
        assert rows == _table_rows(_keras_text(theirs, monkeypatch, layer_range=layer_range))
    assert len(_table_rows(_capture(ours, layer_range=["dense", "dense_1"]))) == 1 + 2
    with pytest.raises(ValueError, match="matches no layer name"):
        _capture(ours, layer_range=["nothing", "dense"])
    with pytest.raises(ValueError, match="two layer-name patterns"):
        _capture(ours, layer_range=["dense"])


def test_expand_nested_in_a_graph_matches_keras(monkeypatch):
    import keras

    def shared_inner(lib):
        layers = lib.layers
        inner = lib.Sequential([layers.Dense(3, name="d1"), layers.Dense(2, name="d2")],
                               name="inner")
        a, b = lib.Input((4,), name="a"), lib.Input((4,), name="b")
        return lib.Model([a, b], layers.Concatenate(name="cat")([inner(a), inner(b)]))

    ours = _capture(shared_inner(sloi), expand_nested=True, line_length=150)
    theirs = _keras_text(shared_inner(keras), monkeypatch, expand_nested=True, line_length=150)
    assert _table_rows(ours) == _table_rows(theirs)
    assert ("└ d1 (Dense)", "(None, 3)", "15", "-") in _table_rows(ours)
