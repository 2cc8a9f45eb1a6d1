"""model.export: ONNX files run in onnxruntime, torch.export programs run after
torch.export.load, both giving the model's own outputs at any batch size; clear errors.

The ONNX tests need the optional extra (onnx, onnxscript, onnxruntime) and skip without it.
"""

import json
import os
import sys
import zipfile

import numpy as np
import pytest
import torch

import sloi
from sloi import layers


# ---------------------------------------------------------------------- the lecture's models
def _dense():
    inputs = sloi.Input(shape=(8,))
    hidden = layers.Dense(16, activation="relu")(inputs)
    return sloi.Model(inputs, layers.Dense(3, activation="softmax")(hidden))


def _two_branch_conv2d():
    inputs = sloi.Input(shape=(12, 12, 3))
    a = layers.MaxPooling2D(2)(layers.Conv2D(4, 3, activation="relu")(inputs))
    b = layers.MaxPooling2D(2)(layers.Conv2D(4, 5, padding="same", activation="relu")(inputs))
    merged = layers.concatenate([layers.Flatten()(a), layers.Flatten()(b)])
    return sloi.Model(inputs, layers.Dense(2)(merged))


def _embedding_lstm(mask_zero=False):
    inputs = sloi.Input(shape=(6,), dtype="int64")
    embedded = layers.Embedding(20, 5, mask_zero=mask_zero)(inputs)
    return sloi.Model(inputs, layers.Dense(1, activation="sigmoid")(layers.LSTM(6)(embedded)))


def _gru():
    inputs = sloi.Input(shape=(6, 4))
    return sloi.Model(inputs, layers.GRU(5, return_sequences=True)(inputs))


def _bidirectional_lstm():
    inputs = sloi.Input(shape=(6, 4))
    return sloi.Model(inputs, layers.Bidirectional(layers.LSTM(5))(inputs))


def _masked_bidirectional_gru():
    inputs = sloi.Input(shape=(6,), dtype="int64")
    embedded = layers.Embedding(20, 4, mask_zero=True)(inputs)
    return sloi.Model(inputs, layers.Bidirectional(layers.GRU(3, return_sequences=True))(
        embedded))


def _conv1d():
    inputs = sloi.Input(shape=(10, 4))
    hidden = layers.Conv1D(6, 3, activation="relu")(inputs)
    return sloi.Model(inputs, layers.GlobalMaxPooling1D()(hidden))


MODELS = {
    "dense": (_dense, 1e-5),
    "conv2d_two_branches": (_two_branch_conv2d, 1e-5),
    "embedding_lstm": (_embedding_lstm, 1e-5),
    "gru": (_gru, 1e-5),
    "bidirectional_lstm": (_bidirectional_lstm, 1e-5),
    "conv1d_global_max_pooling": (_conv1d, 1e-5),
    # masks: eager runs the fused kernel on packed sequences, the export the step loop
    "masked_embedding_lstm": (lambda: _embedding_lstm(mask_zero=True), 1e-5),
    "masked_bidirectional_gru": (_masked_bidirectional_gru, 1e-5),
}
# The unrolled step loop of a masked bidirectional layer takes ONNX's converter ~5 s; the
# masked LSTM covers the step loop in ONNX, the torch.export test covers this one.
ONNX_MODELS = [name for name in MODELS if name != "masked_bidirectional_gru"]


def _inputs(model, batch, seed=0):
    """Random inputs; token ids are right-padded with zeros (different lengths per row)."""
    gen = torch.Generator().manual_seed(seed)
    shape = (batch,) + tuple(model.inputs[0].shape[1:])
    if model.inputs[0].dtype == torch.int64:
        ids = torch.randint(1, 20, shape, generator=gen)
        lengths = torch.randint(1, shape[1] + 1, (batch,), generator=gen)
        return ids * (torch.arange(shape[1])[None, :] < lengths[:, None])
    return torch.randn(shape, generator=gen)


def _eager(model, x):
    with torch.no_grad():
        return model(x).numpy()


def _onnx_runtime():
    pytest.importorskip("onnx", reason='ONNX export needs the extra: pip install "sloi[onnx]"')
    pytest.importorskip("onnxscript", reason='ONNX export needs: pip install "sloi[onnx]"')
    return pytest.importorskip("onnxruntime", reason='needs: pip install "sloi[onnx]"')


def _session(ort, path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


# ---------------------------------------------------------------------- ONNX
@pytest.mark.parametrize("name", ONNX_MODELS)
def test_onnx_runs_in_onnxruntime_like_the_model(name, tmp_path):
    ort = _onnx_runtime()
    torch.manual_seed(0)
    build, tolerance = MODELS[name]
    model = build()
    path = tmp_path / "model.onnx"
    assert model.export(path, verbose=False) == str(path)
    session = _session(ort, path)
    (onnx_input,) = session.get_inputs()
    assert onnx_input.name == model.input_names[0]
    assert onnx_input.shape[0] == "batch"
    assert [o.name for o in session.get_outputs()] == model.output_names
    for batch in (1, 5):
        x = _inputs(model, batch, seed=batch)
        expected = _eager(model, x)
        if name.startswith("masked"):
            rnn = next(layer for layer in model.layers if "lstm" in layer.name or
                       "bidirectional" in layer.name)
            assert rnn.last_path == "fused"  # so the two paths really are compared
        (got,) = session.run(None, {onnx_input.name: x.numpy()})
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=tolerance, rtol=0)
    assert os.listdir(tmp_path) == ["model.onnx"]  # one file, weights inside, no temporaries


def test_onnx_two_inputs_fixed_batch_and_opset(tmp_path):
    ort = _onnx_runtime()
    import onnx

    torch.manual_seed(0)
    left, right = sloi.Input(shape=(4,), name="left"), sloi.Input(shape=(3,), name="right")
    merged = layers.concatenate([layers.Dense(5)(left), right])
    model = sloi.Model([left, right], layers.Dense(2, name="score")(merged))
    path = tmp_path / "two.onnx"
    model.export(path, verbose=False, dynamic_batch=False, opset=18,
                 input_signature=[sloi.Input(shape=(4,), batch_size=3), (3, 3)])
    assert onnx.load(str(path)).opset_import[0].version == 18
    session = _session(ort, path)
    assert [(i.name, i.shape) for i in session.get_inputs()] == [("left", [3, 4]),
                                                                 ("right", [3, 3])]
    a, b = torch.randn(3, 4), torch.randn(3, 3)
    (got,) = session.run(None, {"left": a.numpy(), "right": b.numpy()})
    np.testing.assert_allclose(got, _eager(model, [a, b]), atol=1e-5, rtol=0)


def test_onnx_open_time_axis_stays_open_for_conv1d(tmp_path):
    ort = _onnx_runtime()
    torch.manual_seed(0)
    inputs = sloi.Input(shape=(None, 4))
    model = sloi.Model(inputs, layers.GlobalMaxPooling1D()(layers.Conv1D(3, 3)(inputs)))
    model.export(tmp_path / "m.onnx", verbose=False)
    session = _session(ort, tmp_path / "m.onnx")
    for steps in (5, 17):
        x = torch.randn(2, steps, 4)
        (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
        np.testing.assert_allclose(got, _eager(model, x), atol=1e-5, rtol=0)


def test_onnx_missing_packages_name_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # import onnxscript now fails
    with pytest.raises(ImportError, match=r"onnxscript.*pip install \"sloi\[onnx\]\""):
        _dense().export(tmp_path / "m.onnx", verbose=False)
    assert not os.listdir(tmp_path)


# ---------------------------------------------------------------------- torch.export
@pytest.mark.parametrize("name", list(MODELS))
def test_torch_export_program_runs_like_the_model(name, tmp_path):
    torch.manual_seed(0)
    model = MODELS[name][0]()
    path = tmp_path / "model.pt2"
    model.export(path, format="torch", verbose=False)
    program = torch.export.load(path).module()
    for batch in (1, 5):
        x = _inputs(model, batch, seed=batch)
        with torch.no_grad():
            got = program(x).numpy()
        np.testing.assert_allclose(got, _eager(model, x), atol=MODELS[name][1], rtol=0)


def test_torch_export_file_holds_no_pickle(tmp_path):
    _embedding_lstm(mask_zero=True).export(tmp_path / "m.pt2", format="torch", verbose=False)
    with zipfile.ZipFile(tmp_path / "m.pt2") as archive:
        names = archive.namelist()
        (weights_config,) = [n for n in names if n.endswith("model_weights_config.json")]
        weights = json.loads(archive.read(weights_config))["config"]
        (constants_config,) = [n for n in names if n.endswith("model_constants_config.json")]
        constants = json.loads(archive.read(constants_config))["config"]
    assert len(weights) == 6  # embeddings; LSTM kernel, recurrent kernel, bias; Dense's two
    assert not any(entry["use_pickle"] for entry in [*weights.values(), *constants.values()])


def test_export_uses_inference_mode_and_restores_training_mode(tmp_path):
    torch.manual_seed(0)
    inputs = sloi.Input(shape=(6,))
    model = sloi.Model(inputs, layers.Dense(2)(layers.Dropout(0.5)(layers.Dense(8)(inputs))))
    model.train()
    model.export(tmp_path / "m.pt2", format="torch", verbose=False)
    assert model.training and all(m.training for m in model.modules())
    x = torch.randn(4, 6)
    model.eval()
    with torch.no_grad():
        got = torch.export.load(tmp_path / "m.pt2").module()(x)
    np.testing.assert_allclose(got.numpy(), _eager(model, x), atol=1e-6, rtol=0)


def test_subclassed_model_exports_with_input_signature(tmp_path):
    class TwoLayers(sloi.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="tanh")
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    torch.manual_seed(0)
    model = TwoLayers()
    x = torch.randn(3, 5)
    with pytest.raises(ValueError, match=r"no declared inputs.*pass input_signature"):
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)
    # not built yet: export builds it on real tensors before tracing
    model.export(tmp_path / "m.pt2", format="torch", verbose=False, input_signature=[x])
    got = torch.export.load(tmp_path / "m.pt2").module()(x[:1]).detach().numpy()
    np.testing.assert_allclose(got, _eager(model, x)[:1], atol=1e-6, rtol=0)


def test_unbuilt_sequential_is_built_with_real_weights(tmp_path):
    torch.manual_seed(0)
    model = sloi.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    model.export(tmp_path / "m.pt2", format="torch", verbose=False, input_signature=(None, 3))
    assert [w.shape for w in model.get_weights()] == [(3, 4), (4,), (4, 1), (1,)]
    x = torch.randn(5, 3)
    got = torch.export.load(tmp_path / "m.pt2").module()(x).detach().numpy()
    np.testing.assert_allclose(got, _eager(model, x), atol=1e-6, rtol=0)


def test_open_time_axis_of_a_recurrent_model_is_fixed_with_a_warning(tmp_path):
    inputs = sloi.Input(shape=(None,), dtype="int64")
    model = sloi.Model(inputs, layers.LSTM(3)(layers.Embedding(10, 2)(inputs)))
    with pytest.warns(UserWarning, match=r'axis 1 of input "input_layer".*fixed to 8') as w:
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)
    assert w[0].filename == __file__  # points at the user's line
    model.export(tmp_path / "m.pt2", format="torch", verbose=False,
                 input_signature=[sloi.Input(shape=(12,), dtype="int64")])  # no warning
    x = torch.randint(0, 10, (2, 12))
    got = torch.export.load(tmp_path / "m.pt2").module()(x).detach().numpy()
    np.testing.assert_allclose(got, _eager(model, x), atol=1e-5, rtol=0)


def test_verbose_says_where_the_file_went(tmp_path, capsys):
    _dense().export(tmp_path / "m.pt2", format="torch")
    assert capsys.readouterr().out == f"Saved artifact at '{tmp_path / 'm.pt2'}'.\n"


# ---------------------------------------------------------------------- errors
class _DataDependent(sloi.Layer):
    def call(self, x):
        return x if x.sum() > 0 else -x  # a Python branch on tensor values


class _FixedBatch(sloi.Layer):
    def call(self, x):
        return x.reshape(2, -1)


def test_unknown_format_and_bad_arguments(tmp_path):
    model = _dense()
    with pytest.raises(ValueError, match=r"unknown format 'tf_saved_model'; expected one of"):
        model.export(tmp_path / "m", format="tf_saved_model")
    with pytest.raises(ValueError, match=r'format="torch" writes a .pt2 archive; got .*m.onnx'):
        model.export(tmp_path / "m.onnx", format="torch")
    with pytest.raises(ValueError, match=r'opset is for format="onnx"'):
        model.export(tmp_path / "m.pt2", format="torch", opset=17)
    with pytest.raises(FileNotFoundError, match=r"folder .*missing.* does not exist"):
        model.export(tmp_path / "missing" / "m.pt2", format="torch")
    with pytest.raises(ValueError, match=r'has 1 input\(s\) \[\'\(None, 8\)\'\]; '
                                         r"input_signature gives 2"):
        model.export(tmp_path / "m.pt2", format="torch", input_signature=[(None, 8), (None, 8)])
    with pytest.raises(ValueError, match=r'input_signature\[0\] has shape \(None, 7\); the '
                                         r'model\'s input "input_layer" has shape \(None, 8\)'):
        model.export(tmp_path / "m.pt2", format="torch", input_signature=(None, 7))
    with pytest.raises(TypeError, match=r"input_signature\[0\] must be .*; got str"):
        model.export(tmp_path / "m.pt2", format="torch", input_signature=["x"])
    assert not os.listdir(tmp_path)


def test_a_layer_that_cannot_be_traced_is_named(tmp_path):
    inputs = sloi.Input(shape=(4,))
    inner_in = sloi.Input(shape=(3,))
    inner = sloi.Model(inner_in, _DataDependent(name="sign_flip")(inner_in), name="inner")
    model = sloi.Model(inputs, inner(layers.Dense(3)(inputs)))
    (tmp_path / "m.pt2").write_bytes(b"the good file")
    with pytest.raises(RuntimeError, match=r'layer "inner" \(Functional\) > "sign_flip" '
                                           r"\(_DataDependent\) failed while tracing.*"
                                           r"data-dependent"):
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)
    # nothing half-written: the old file stands, no temporary left behind
    assert os.listdir(tmp_path) == ["m.pt2"]
    assert (tmp_path / "m.pt2").read_bytes() == b"the good file"


def test_a_layer_that_fixes_the_batch_gets_advice(tmp_path):
    inputs = sloi.Input(shape=(4,))
    model = sloi.Model(inputs, _FixedBatch()(inputs))
    with pytest.raises(RuntimeError, match=r"batch axis cannot stay dynamic.*dynamic_batch=False"):
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)
    model.export(tmp_path / "m.pt2", format="torch", verbose=False, dynamic_batch=False,
                 input_signature=[torch.ones(2, 4)])
    got = torch.export.load(tmp_path / "m.pt2").module()(torch.ones(2, 4))
    assert got.shape == (2, 4)


def test_stateful_recurrent_layer_is_refused_by_name(tmp_path):
    inputs = sloi.Input(shape=(5, 3), batch_size=2)
    model = sloi.Model(inputs, layers.LSTM(4, stateful=True, name="memory")(inputs))
    with pytest.raises(ValueError, match=r'layer "memory" \(LSTM\) is stateful'):
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::torch.jit.TracerWarning")
def test_a_jit_trace_does_not_freeze_the_mask_lengths():
    # torch.jit.trace (behind the legacy ONNX exporter) records one run: with right-padded
    # masks there, the fused path would stay, and pack any later mask as if right-padded; the
    # step loop it takes instead handles every mask
    torch.manual_seed(0)
    model = _embedding_lstm(mask_zero=True).eval()
    traced = torch.jit.trace(model, (_inputs(model, 4, seed=1),), check_trace=False)
    x = _inputs(model, 4, seed=2)
    x[0] = torch.tensor([0, 0, 3, 4, 5, 6])  # left-padded
    np.testing.assert_allclose(traced(x).detach().numpy(), _eager(model, x), atol=1e-5, rtol=0)


def test_a_string_model_exports_its_numeric_part_by_the_recipe(tmp_path):
    text = sloi.Input(shape=(1,), dtype="string")
    tv = layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=3, name="tv")
    out = layers.Dense(2)(layers.Flatten()(layers.Embedding(4, 2)(tv(text))))
    model = sloi.Model(text, out)
    path = str(tmp_path / "m.pt2")
    with pytest.raises(ValueError, match=(
            r'export: model "functional\w*" starts with a string stage .*\[\'tv\'\].*only its '
            r'numeric part can be exported.*\n    numeric = sloi.Model\(model.get_layer\("tv"\)'
            r'.output, model.output\)\n    numeric.export\(.*m.pt2\'\)\n    ids = '
            r'model.get_layer\("tv"\)\(texts\)')):
        model.export(path, format="torch")
    assert not os.path.exists(path)
    numeric = sloi.Model(model.get_layer("tv").output, model.output)  # the recipe, followed
    numeric.export(path, format="torch", verbose=False)
    program = torch.export.load(path).module()
    texts = np.array(["a b", "b c a"])
    np.testing.assert_allclose(program(model.get_layer("tv")(texts)).detach().numpy(),
                               model.predict(texts, verbose=0), rtol=1e-6)
