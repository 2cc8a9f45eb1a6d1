"""TensorBoard: the event files read back with TensorBoard's own reader, against the layout
Keras's TensorBoard callback writes (its TensorFlow writer is not installed here, so the layout
is written out below: folders, tags, steps) and against the weight paths Keras itself gives."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi.callbacks import LambdaCallback, LearningRateScheduler, TensorBoard
from sloi.layers import Dense

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator")

rng = np.random.default_rng(0)
X = rng.standard_normal((12, 3)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")
XV, YV = X[:4] * 0.5, Y[:4]
BATCH = 4  # 3 batches an epoch


def make_model():
    model = sloi.Sequential([sloi.Input((3,)), Dense(4, name="hidden"),
                             Dense(1, activation="sigmoid", name="out")], name="seq")
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    return model


def read(log_dir, run):
    everything = {"scalars": 0, "histograms": 0, "tensors": 0, "images": 0}
    return event_accumulator.EventAccumulator(os.path.join(log_dir, run), size_guidance=everything).Reload()


def scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def as_f32(values):
    """Event files keep scalars as float32."""
    return [float(np.float32(v)) for v in values]


def test_epoch_scalars_match_history(tmp_path):
    model = make_model()
    history = model.fit(X, Y, batch_size=BATCH, epochs=3, validation_data=(XV, YV), verbose=0,
                        shuffle=False, callbacks=[TensorBoard(tmp_path)]).history
    # Keras's layout: log_dir/train and log_dir/validation; epoch_<metric>, step = epoch index;
    # val_<metric> goes to the validation run without its prefix.
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = read(tmp_path, "train"), read(tmp_path, "validation")
    assert sorted(train.Tags()["scalars"]) == [
        "epoch_accuracy", "epoch_learning_rate", "epoch_loss"]
    for name in ("loss", "accuracy"):
        assert scalars(train, f"epoch_{name}") == list(enumerate(as_f32(history[name])))
        assert scalars(val, f"epoch_{name}") == list(enumerate(as_f32(history[f"val_{name}"])))
    assert scalars(train, "epoch_learning_rate") == list(enumerate(as_f32([0.01] * 3)))
    # Each validation also logs evaluation_<metric>_vs_iterations, step = optimizer iterations.
    iterations = [3, 6, 9]
    for name in ("loss", "accuracy"):
        assert scalars(val, f"evaluation_{name}_vs_iterations") == list(
            zip(iterations, as_f32(history[f"val_{name}"])))
    assert not train.Tags()["histograms"]
    # write_graph: the model's Keras config, tag "keras", plugin graph_keras_model, step 0.
    (event,) = train.Tensors("keras")
    assert event.step == 0
    assert event.tensor_proto.string_val[0].decode() == model.to_json()
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"


def test_learning_rate_follows_the_optimizer(tmp_path):
    schedule = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    model = make_model()
    model.fit(X, Y, batch_size=BATCH, epochs=3, verbose=0,
              callbacks=[schedule, TensorBoard(tmp_path, write_graph=False)])
    train = read(tmp_path, "train")
    assert scalars(train, "epoch_learning_rate") == list(
        enumerate(as_f32([0.1, 0.05, 0.1 / 3])))
    assert "keras" not in train.Tags()["tensors"]
    assert not os.path.exists(tmp_path / "validation")


@pytest.mark.parametrize("update_freq, every", [(2, 2), ("batch", 1)])
def test_batch_scalars_every_n_batches(tmp_path, update_freq, every):
    seen = []  # the batch logs as every callback sees them, one entry per global batch
    record = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(dict(logs)))
    model = make_model()
    model.fit(X, Y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[
        record, TensorBoard(tmp_path, update_freq=update_freq, write_steps_per_second=True)])
    train = read(tmp_path, "train")
    steps = list(range(every, len(seen) + 1, every))  # the global batch count, from 1
    for name in ("loss", "accuracy"):
        assert scalars(train, f"batch_{name}") == [
            (s, float(np.float32(seen[s - 1][name]))) for s in steps]
    assert [s for s, _ in scalars(train, "batch_steps_per_second")] == steps
    assert [s for s, _ in scalars(train, "epoch_steps_per_second")] == [0, 1]
    assert all(v > 0 for _, v in scalars(train, "epoch_steps_per_second"))


def test_flushed_each_epoch(tmp_path):
    seen = []  # what a reader finds while training goes on
    peek = LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(
        [s for s, _ in scalars(read(tmp_path, "train"), "epoch_loss")] if epoch else None))
    make_model().fit(X, Y, batch_size=BATCH, epochs=3, verbose=0,
                     callbacks=[TensorBoard(tmp_path), peek])
    assert seen == [None, [0], [0, 1]]


def test_epoch_update_freq_writes_no_batch_scalars(tmp_path):
    make_model().fit(X, Y, batch_size=BATCH, epochs=1, verbose=0,
                     callbacks=[TensorBoard(tmp_path)])
    assert not [t for t in read(tmp_path, "train").Tags()["scalars"] if t.startswith("batch_")]


def keras_paths(functional):
    """The weight paths Keras gives the same model."""
    layers = [keras.layers.Dense(4, name="hidden"), keras.layers.Dense(1, name="out")]
    if functional:
        inputs = keras.Input((3,))
        model = keras.Model(inputs, layers[1](layers[0](inputs)))
    else:
        model = keras.Sequential([keras.Input((3,))] + layers, name="seq")
    return [w.path for layer in model.layers for w in layer.weights]


@pytest.mark.parametrize("functional", [False, True])
def test_histograms_one_per_weight_with_keras_paths(tmp_path, functional):
    model = make_model()
    if functional:
        inputs = sloi.Input((3,))
        model = sloi.Model(inputs, model.layers[-1](model.layers[-2](inputs)))
        model.compile("sgd", "binary_crossentropy")
    model.fit(X, Y, batch_size=BATCH, epochs=3, verbose=0,
              callbacks=[TensorBoard(tmp_path, histogram_freq=2, write_images=True)])
    train = read(tmp_path, "train")
    paths = keras_paths(functional)
    assert train.Tags()["histograms"] == [f"{p}/histogram" for p in paths]
    for path, weight in zip(paths, model.get_weights()):
        events = train.Histograms(f"{path}/histogram")
        assert [e.step for e in events] == [0, 2]  # epochs where epoch % histogram_freq == 0
        last = events[-1].histogram_value  # after the last epoch: the final weights
        assert last.num == weight.size
        assert last.min == pytest.approx(weight.min()) and last.max == pytest.approx(weight.max())
        assert last.sum == pytest.approx(weight.sum(), abs=1e-5)
    # write_images, shaped as Keras shapes them: a kernel wider than tall, a bias a column;
    # the (1,) bias squeezes to a scalar and has no image.
    sizes = {tag: (e[-1].height, e[-1].width) for tag in train.Tags()["images"]
             for e in [train.Images(tag)]}
    hidden, out = paths[0].rsplit("/", 1)[0], paths[2].rsplit("/", 1)[0]
    assert sizes == {f"{hidden}/kernel/image": (3, 4), f"{hidden}/bias/image": (4, 1),
                     f"{out}/kernel/image": (4, 1)}


def test_evaluate_outside_fit(tmp_path):
    model = make_model()
    model.fit(X, Y, batch_size=BATCH, epochs=2, verbose=0)
    tb = TensorBoard(tmp_path)
    results = model.evaluate(XV, YV, verbose=0, return_dict=True, callbacks=[tb])
    val = read(tmp_path, "validation")
    assert sorted(val.Tags()["scalars"]) == [
        "evaluation_accuracy_vs_iterations", "evaluation_loss_vs_iterations"]
    for name in ("loss", "accuracy"):
        assert scalars(val, f"evaluation_{name}_vs_iterations") == [
            (6, float(np.float32(results[name])))]
    assert tb._writers == {}  # closed: no fit follows to close them


def test_bad_arguments():
    with pytest.raises(ValueError, match="update_freq='sometimes'"):
        TensorBoard(update_freq="sometimes")
    with pytest.raises(ValueError, match="update_freq=0"):
        TensorBoard(update_freq=0)
    with pytest.raises(ValueError, match="histogram_freq must be an int >= 0.*-1"):
        TensorBoard(histogram_freq=-1)
    with pytest.raises(ValueError, match="profile_batch is not supported yet.*profile_batch=5"):
        TensorBoard(profile_batch=5)
    with pytest.raises(ValueError, match="embeddings_freq is not supported yet"):
        TensorBoard(embeddings_freq=1)
    with pytest.raises(ValueError, match="embeddings_metadata is not supported yet"):
        TensorBoard(embeddings_metadata="meta.tsv")
    with pytest.raises(TypeError, match="log_dir must be a path"):
        TensorBoard(log_dir=3)


def test_missing_tensorboard_package(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ImportError, match=r"pip install tensorboard"):
        TensorBoard(tmp_path)
    assert not os.listdir(tmp_path)


def test_importing_sloi_does_not_import_tensorboard():
    code = ("import sys, sloi, sloi.callbacks; "
            "print(any(m.split('.')[0] == 'tensorboard' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_runs_on_rank_zero_only():
    from sloi.distribute.worker_callbacks import worker_callbacks

    tb = TensorBoard()
    assert worker_callbacks([tb], is_chief=False) == []
