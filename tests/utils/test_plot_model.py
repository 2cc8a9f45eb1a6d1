"""plot_model / model_to_dot / model_to_svg: the lecture's models drawn, edges written out."""

import importlib
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import sloi
from sloi import layers

# the module, not the function of the same name that sloi.utils exports
plot_model_module = importlib.import_module("sloi.utils.plot_model")


def two_branch():
    """The lecture's two-branch model: two inputs, a Dense on each, concatenated, one output."""
    input_1 = layers.Input(shape=(1000,), name="input_1")
    input_2 = layers.Input(shape=(20,), name="input_2")
    branch_1 = layers.Dense(16, activation="relu", name="branch_1")(input_1)
    branch_2 = layers.Dense(8, activation="relu", name="branch_2")(input_2)
    merged = layers.concatenate([branch_1, branch_2], name="merged")
    output = layers.Dense(1, activation="sigmoid", name="output")(merged)
    return sloi.Model(inputs=[input_1, input_2], outputs=output, name="two_branch")


def edges(dot):
    return set(re.findall(r'^\s*"([^"]+)" -> "([^"]+)";$', dot, flags=re.M))


def labels(dot):
    return dict(re.findall(r'^\s*"([^"]+)" \[label=<(.*)>\];$', dot, flags=re.M))


def test_two_branch_model_every_layer_and_edge():
    dot = sloi.utils.model_to_dot(two_branch())
    assert dot.startswith('digraph "two_branch" {') and dot.rstrip().endswith("}")
    assert set(labels(dot)) == {"input_1", "input_2", "branch_1", "branch_2", "merged", "output"}
    assert edges(dot) == {("input_1", "branch_1"), ("input_2", "branch_2"),
                          ("branch_1", "merged"), ("branch_2", "merged"), ("merged", "output")}
    assert "<b>merged</b> (Concatenate)" in labels(dot)["merged"]
    assert "Input shape" not in dot and "Trainable" not in dot
    assert 'rankdir="TB"' in dot and "dpi=200" in dot


def test_shapes_dtype_activation_and_trainable_when_asked():
    model = two_branch()
    model.get_layer("branch_2").trainable = False
    dot = sloi.utils.model_to_dot(model, show_shapes=True, show_dtype=True, rankdir="LR",
                                  show_layer_activations=True, show_trainable=True, dpi=96)
    found = labels(dot)
    assert "Input shape: [(None, 16), (None, 8)]" in found["merged"]
    assert "Output shape: (None, 24)" in found["merged"]
    assert "Input shape: (None, 1000)" in found["branch_1"]
    assert "Output shape: (None, 1)" in found["output"]
    assert "Activation: sigmoid" in found["output"] and "Activation" not in found["merged"]
    assert "Output dtype: float32" in found["output"]
    assert "Trainable: N" in found["branch_2"] and "Trainable: Y" in found["branch_1"]
    assert 'rankdir="LR"' in dot and "dpi=96" in dot
    no_names = sloi.utils.model_to_dot(model, show_layer_names=False)
    assert "<b>Dense</b>" in no_names and "branch_1</b>" not in no_names


def test_sequential_is_a_chain():
    model = sloi.Sequential([layers.Input(shape=(1000,)), layers.Dense(16, name="a"),
                             layers.Dense(1, name="b")], name="seq")
    dot = sloi.utils.model_to_dot(model, show_shapes=True)
    names = list(labels(dot))
    assert names[1:] == ["a", "b"]
    assert edges(dot) == {(names[0], "a"), ("a", "b")}
    assert "Output shape: (None, 16)" in labels(dot)["a"]


def nested():
    inner = sloi.Sequential([layers.Input(shape=(3,), name="inner_in"),
                             layers.Dense(4, name="i1"), layers.Dense(2, name="i2")],
                            name="inner")
    x = layers.Input(shape=(3,), name="x")
    return sloi.Model(x, layers.Dense(1, name="head")(inner(x)), name="outer")


def test_nested_model_collapsed_and_expanded():
    model = nested()
    flat = sloi.utils.model_to_dot(model)
    assert set(labels(flat)) == {"x", "inner", "head"}
    assert edges(flat) == {("x", "inner"), ("inner", "head")}
    expanded = sloi.utils.model_to_dot(model, expand_nested=True)
    assert set(labels(expanded)) == {"x", "inner/inner_in", "inner/i1", "inner/i2", "head"}
    assert edges(expanded) == {("x", "inner/inner_in"), ("inner/inner_in", "inner/i1"),
                               ("inner/i1", "inner/i2"), ("inner/i2", "head")}
    assert 'subgraph "cluster_inner" {' in expanded and "inner (Sequential)" in expanded


def test_errors_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="has not yet been built"):
        sloi.utils.model_to_dot(sloi.Sequential([layers.Dense(2)]))
    with pytest.raises(ValueError, match="rankdir must be one of"):
        sloi.utils.model_to_dot(two_branch(), rankdir="UP")
    with pytest.raises(ValueError, match=r"to_file must end in one of .*model\.bmp"):
        sloi.utils.plot_model(two_branch(), to_file=str(tmp_path / "model.bmp"))
    with pytest.raises(ValueError, match="draws Functional and Sequential models"):
        sloi.utils.model_to_dot(layers.Dense(3))


def test_missing_graphviz_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(plot_model_module.shutil, "which", lambda name: None)
    target = tmp_path / "model.png"
    with pytest.raises(sloi.utils.GraphvizNotFoundError,
                       match=r"apt-get install graphviz.*brew install graphviz.*"
                             r"conda install graphviz.*model_to_svg"):
        sloi.utils.plot_model(two_branch(), to_file=str(target))
    assert not target.exists()
    # Keras raises ImportError with this sentence; code catching either works unchanged
    with pytest.raises(ImportError):
        sloi.utils.plot_model(two_branch(), to_file=str(target))
    # .dot needs no Graphviz: the DOT text itself
    sloi.utils.plot_model(two_branch(), to_file=str(tmp_path / "model.dot"))
    assert (tmp_path / "model.dot").read_text().startswith('digraph "two_branch"')


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_png_and_svg_render(tmp_path):
    png = sloi.utils.plot_model(two_branch(), to_file=str(tmp_path / "m.png"), show_shapes=True,
                                dpi=60)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "m.svg"
    sloi.utils.plot_model(nested(), to_file=str(svg), expand_nested=True)
    assert ET.fromstring(svg.read_bytes()).tag.endswith("svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png", "m.svg"]  # no temp files


def test_model_to_svg_is_xml_with_a_box_per_layer():
    ns = "{http://www.w3.org/2000/svg}"
    text = sloi.utils.model_to_svg(two_branch(), show_shapes=True)
    root = ET.fromstring(text)
    assert root.tag == ns + "svg"
    boxes = [g for g in root.iter(ns + "g") if g.get("class") == "layer"]
    assert [g.get("id") for g in boxes] == ["input_1", "input_2", "branch_1", "branch_2",
                                            "merged", "output"]
    assert all(len(g.findall(ns + "rect")) == 1 for g in boxes)
    assert len([e for e in root.iter(ns + "line") if e.get("class") == "edge"]) == 5
    merged = next(g for g in boxes if g.get("id") == "merged")
    assert "out: (None, 24)" in [t.text for t in merged.iter(ns + "text")]
    # rows by depth: both inputs in the first row, the output in the last
    y = {g.get("id"): float(g.find(ns + "rect").get("y")) for g in boxes}
    assert y["input_1"] == y["input_2"] < y["branch_1"] == y["branch_2"] < y["merged"] < y["output"]


def test_missing_graphviz_message_starts_with_keras_message(monkeypatch, tmp_path):
    import keras
    from keras.src.utils import model_visualization

    # Keras checks pydot first (not installed here); pretend it is, with Graphviz missing.
    monkeypatch.setattr(model_visualization, "check_pydot", lambda: True)
    monkeypatch.setattr(model_visualization, "check_graphviz", lambda: False)
    keras_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ImportError) as theirs:
        keras.utils.plot_model(keras_model, to_file=str(tmp_path / "k.png"))
    monkeypatch.setattr(plot_model_module.shutil, "which", lambda name: None)
    with pytest.raises(ImportError) as ours:
        sloi.utils.plot_model(two_branch(), to_file=str(tmp_path / "s.png"))
    assert str(ours.value).startswith(str(theirs.value))
    assert "s.png" in str(ours.value)


def test_unbuilt_model_is_refused_as_keras_refuses_it(tmp_path):
    import keras

    def unbuilt(lib):
        return lib.Sequential([lib.layers.Embedding(50, 8), lib.layers.LSTM(4),
                               lib.layers.Dense(1)])

    with pytest.raises(ValueError, match="has not yet been built"):
        keras.utils.plot_model(unbuilt(keras), to_file=str(tmp_path / "k.png"))
    with pytest.raises(ValueError, match="has not yet been built"):
        sloi.utils.plot_model(unbuilt(sloi), to_file=str(tmp_path / "s.png"))
    with pytest.raises(ValueError, match="has not yet been built"):
        sloi.utils.model_to_dot(unbuilt(sloi))
    assert not (tmp_path / "s.png").exists()


def test_svg_without_graphviz_is_drawn_by_sloi_and_displays_inline(monkeypatch, tmp_path):
    monkeypatch.setattr(plot_model_module.shutil, "which", lambda name: None)
    target = tmp_path / "model.svg"
    result = sloi.utils.plot_model(two_branch(), to_file=str(target), show_shapes=True)
    assert result == str(target) and isinstance(result, str)  # the path, as before
    assert target.read_text() == sloi.utils.model_to_svg(two_branch(), show_shapes=True)
    # a notebook shows the returned value as the picture (IPython calls _repr_svg_)
    assert result._repr_svg_() == target.read_text()
    assert result._repr_png_() is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.svg"]  # no temp files
