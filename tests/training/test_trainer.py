"""The training loop's own behaviour: data of every kind, progress output, errors."""

import io

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import sloi
from sloi.layers import Dense, Input

rng = np.random.default_rng(1)
X = rng.standard_normal((40, 4)).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")


def small_model():
    model = sloi.Sequential([Dense(8, activation="relu", input_shape=(4,)),
                             Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_fit_before_compile_is_refused():
    model = sloi.Sequential([Dense(1, input_shape=(4,))])
    with pytest.raises(RuntimeError, match=r'must be compiled before fit\(\)'):
        model.fit(X, Y)


def test_x_and_y_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="x has 40, y has 39"):
        small_model().fit(X, Y[:39], verbose=0)


def test_sparse_labels_out_of_range_are_refused_before_training():
    model = sloi.Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    labels = np.array([0, 1, 2, 5] * 10)
    with pytest.raises(ValueError, match=r'Output "dense" has 3 classes, so '
                                         r"sparse_categorical_crossentropy needs labels in "
                                         r"\[0, 3\); got label 5"):
        model.fit(X, labels, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_targets_that_cannot_fit_the_output_name_output_and_loss():
    model = sloi.Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r'Output "dense" has shape \(None, 3\), so '
                                         r"categorical_crossentropy needs one-hot targets"):
        model.fit(X, np.zeros((40, 5), "float32"), verbose=0)


def test_validation_split_with_a_generator_is_refused():
    def gen():
        while True:
            yield X[:8], Y[:8]

    with pytest.raises(ValueError, match="validation_split only works with arrays"):
        small_model().fit(gen(), steps_per_epoch=2, validation_split=0.2, verbose=0)


def test_unknown_names_list_close_ones():
    model = sloi.Sequential([Dense(1, input_shape=(4,))])
    with pytest.raises(ValueError, match="adam"):
        model.compile(optimizer="adm", loss="mse")
    with pytest.raises(ValueError, match="binary_crossentropy"):
        model.compile(optimizer="sgd", loss="binary_crossentropy_")
    with pytest.raises(ValueError, match="accuracy"):
        model.compile(optimizer="sgd", loss="mse", metrics=["acuracy"])


def test_generators_dataloaders_datasets_and_pydatasets_train():
    def gen():
        while True:
            for i in range(0, 40, 8):
                yield X[i:i + 8], Y[i:i + 8]

    class Batches(sloi.utils.PyDataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return X[i * 8:(i + 1) * 8], Y[i * 8:(i + 1) * 8]

    dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    for data, kwargs in [(gen(), {"steps_per_epoch": 5}),
                         (DataLoader(dataset, batch_size=8), {}),
                         (dataset, {"batch_size": 8}),
                         (Batches(), {})]:
        model = small_model()
        history = model.fit(data, epochs=2, verbose=0, **kwargs)
        assert len(history.history["loss"]) == 2
        assert np.isfinite(history.history["loss"]).all()


def test_dict_inputs_by_input_name():
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    out = Dense(1, activation="sigmoid")(sloi.layers.concatenate([a, b]))
    model = sloi.Model([a, b], out)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    history = model.fit({"a": X[:, :2], "b": X[:, 2:]}, Y, batch_size=8, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict({"a": X[:, :2], "b": X[:, 2:]}, verbose=0).shape == (40, 1)


def test_verbose_output_written_to_a_file_is_one_line_per_epoch(capsys):
    small_model().fit(X, Y, batch_size=8, epochs=3, verbose=1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Epoch 1/3"
    assert len(lines) == 6
    assert lines[1].startswith("5/5 ━━━━━━━━━━━━━━━━━━━━ ")
    assert "ms/step - accuracy: " in lines[1] or "us/step - accuracy: " in lines[1]
    assert " - loss: " in lines[1]


def test_verbose_2_and_validation_keys(capsys):
    history = small_model().fit(X, Y, batch_size=8, epochs=2, verbose=2,
                                validation_data=(X[:10], Y[:10]))
    out = capsys.readouterr().out.strip().splitlines()
    assert out[1].startswith("5/5 - ") and " - val_loss: " in out[1]
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == [0, 1] and history.params["epochs"] == 2


def test_progress_bar_redraws_in_place_in_a_terminal():
    from sloi.progbar import Progbar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = Progbar(4, stream=stream, interval=0.0)
    for step in range(1, 5):
        bar.update(step, [("loss", 0.5)])
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n")
    assert "4/4 ━━━━━━━━━━━━━━━━━━━━" in text


def test_model_metrics_are_the_objects_behind_the_logs():
    model = small_model()
    assert [m.name for m in model.metrics] == ["loss"]  # compiled metrics: built at a batch
    loss, acc = model.evaluate(X, Y, verbose=0)
    assert [m.name for m in model.metrics] == model.metrics_names == ["loss", "accuracy"]
    results = [float(m.result()) for m in model.metrics]
    np.testing.assert_allclose(results, [loss, acc], rtol=1e-6)
    model.reset_metrics()
    assert float(model.metrics[1].result()) == 0.0 and float(model.metrics[0].result()) == 0.0
    assert sloi.Sequential([sloi.layers.Dense(1)]).metrics == []  # not compiled


def test_evaluate_predict_and_batch_methods():
    model = small_model()
    assert model.metrics_names == ["loss"]  # metrics are built at the first batch
    model.fit(X, Y, epochs=1, verbose=0)
    assert model.metrics_names == ["loss", "accuracy"]
    loss, acc = model.evaluate(X, Y, verbose=0)
    assert 0 <= acc <= 1 and loss > 0
    assert isinstance(model.predict(X, verbose=0), np.ndarray)
    logs = model.train_on_batch(X[:8], Y[:8], return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert len(model.test_on_batch(X[:8], Y[:8])) == 2
    assert model.predict_on_batch(X[:3]).shape == (3, 1)


def test_fit_restores_the_inference_mode_and_drops_out_only_in_training():
    model = sloi.Sequential([Dense(8, input_shape=(4,)), sloi.layers.Dropout(0.5), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=1, verbose=0)
    assert not model.training
    np.testing.assert_allclose(model.predict(X, verbose=0), model.predict(X, verbose=0))


def test_class_weight_scales_the_loss():
    model = small_model()
    model.fit(X, Y, epochs=1, verbose=0, shuffle=False)
    base = model.evaluate(X, Y, verbose=0)[0]
    weighted = sloi.Sequential([Dense(8, activation="relu", input_shape=(4,)),
                                Dense(1, activation="sigmoid")])
    weighted.set_weights(model.get_weights())
    weighted.compile(optimizer=sloi.optimizers.SGD(0.0), loss="binary_crossentropy")
    history = weighted.fit(X, Y, epochs=1, verbose=0, class_weight={0: 2.0, 1: 2.0},
                           shuffle=False)
    np.testing.assert_allclose(history.history["loss"][0], 2 * base, rtol=1e-5)
    with pytest.raises(ValueError, match=r"class_weight has no weight for class\(es\) \[1\]"):
        weighted.fit(X, Y, epochs=1, verbose=0, class_weight={0: 1.0})


def _train_under(policy):
    sloi.mixed_precision.set_global_policy(policy)
    try:
        torch.manual_seed(0)
        model = sloi.Sequential([Dense(16, activation="relu", input_shape=(4,)),
                                 Dense(1, activation="sigmoid")])
        model.compile(optimizer=sloi.optimizers.Adam(0.01), loss="binary_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(X, Y, batch_size=8, epochs=30, verbose=0)
        return model, history, model.predict(X[:4], verbose=0)
    finally:
        sloi.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy,compute", [("mixed_bfloat16", torch.bfloat16),
                                            ("mixed_float16", torch.float16)])
def test_mixed_precision_policies_train_like_float32(policy, compute):
    _, reference, expected = _train_under("float32")
    model, history, predicted = _train_under(policy)
    assert history.history["accuracy"][-1] == reference.history["accuracy"][-1] == 1.0
    assert model.layers[0].kernel.dtype == torch.float32  # weights stay float32
    np.testing.assert_allclose(predicted, expected, atol=0.05)  # lower precision, same model
    assert predicted.dtype == (np.float16 if compute == torch.float16 else np.float32)
    assert sloi.mixed_precision.DTypePolicy(policy).variable_dtype == "float32"
    with pytest.raises(ValueError, match="Unknown dtype policy 'mixed_float8'"):
        sloi.mixed_precision.set_global_policy("mixed_float8")


def test_loss_scaler_skips_overflowing_steps_and_halves_the_scale():
    from sloi.training.loss_scaler import LossScaler

    w = torch.nn.Parameter(torch.ones(3))
    opt = sloi.optimizers.SGD(0.1)
    opt.build([w])
    scaler = LossScaler(torch.device("cpu"), initial_scale=4.0)
    assert scaler.backward_and_step((w * 2).sum(), opt, [w])
    torch.testing.assert_close(w.detach(), torch.full((3,), 0.8))  # the gradient came back 2
    w.grad = None
    assert not scaler.backward_and_step((w * float("inf")).sum(), opt, [w])
    torch.testing.assert_close(w.detach(), torch.full((3,), 0.8))  # skipped
    assert float(scaler.scale) == 2.0


def test_jit_compile_gives_the_eager_numbers():
    def run(jit):
        torch.manual_seed(0)
        model = sloi.Sequential([Dense(8, activation="relu", input_shape=(4,)),
                                 Dense(1, activation="sigmoid")])
        model.compile(optimizer=sloi.optimizers.SGD(0.1), loss="binary_crossentropy",
                      jit_compile=jit)
        return model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    np.testing.assert_allclose(run(True).history["loss"], run(False).history["loss"], rtol=1e-5)


def test_a_single_output_given_as_a_list_trains():
    x = Input(shape=(4,))
    model = sloi.Model(x, [Dense(1, activation="sigmoid")(x)])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, Y, epochs=2, verbose=0)
    assert len(history.history["accuracy"]) == 2


class _BatchRecorder(sloi.callbacks.Callback):
    def __init__(self, stop_at=None):
        super().__init__()
        self.begins, self.ends, self.stop_at = [], [], stop_at

    def on_train_batch_begin(self, batch, logs=None):
        self.begins.append(batch)

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append((batch, logs["loss"]))
        if batch == self.stop_at:
            self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        self.ends.append(("test", batch))


def test_steps_per_execution_calls_batch_callbacks_once_per_execution():
    """Keras's other backends: batch hooks at each execution's first and last batch (Keras 3's
    torch backend refuses steps_per_execution > 1); training itself is unchanged."""
    x, y = X, Y  # 10 batches of 4
    torch.manual_seed(0)
    plain = small_model()
    torch.manual_seed(0)
    grouped = small_model()
    grouped.compile(optimizer="sgd", loss="binary_crossentropy", steps_per_execution=4)
    plain.compile(optimizer="sgd", loss="binary_crossentropy")
    recorder, reference = _BatchRecorder(), _BatchRecorder()
    grouped.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])
    plain.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[reference])
    assert recorder.begins == [0, 4, 8]
    running = dict(reference.ends)
    assert [b for b, _ in recorder.ends] == [3, 7, 9]
    # the running loss the callback sees: the same as per-batch training's at those batches
    for batch, loss in recorder.ends:
        assert loss == pytest.approx(running[batch], rel=1e-5)
    for a, b in zip(grouped.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    recorder.ends.clear()
    grouped.evaluate(x, y, batch_size=4, verbose=0, callbacks=[recorder])
    assert recorder.ends == [("test", 3), ("test", 7), ("test", 9)]


def test_steps_per_execution_stops_at_the_end_of_an_execution():
    model = small_model()
    model.compile(optimizer="sgd", loss="binary_crossentropy", steps_per_execution=3)
    recorder = _BatchRecorder(stop_at=5)
    model.fit(X, Y, batch_size=4, epochs=3, verbose=0, callbacks=[recorder])
    assert [b for b, _ in recorder.ends] == [2, 5]  # stopped after batch 5, in epoch 1
    assert model.optimizer.iterations == 6


@pytest.mark.parametrize("value", [0, -2, 1.5, True, "4"])
def test_steps_per_execution_must_be_a_positive_integer(value):
    model = small_model()
    before = model.get_compile_config()
    with pytest.raises(ValueError, match=r"steps_per_execution=\.\.\.\) must be an integer >= 1"):
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=value)
    assert model.get_compile_config() == before


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16", "float32"])
@pytest.mark.parametrize("auto_scale_loss", [True, False])
def test_auto_scale_loss_wraps_the_optimizer_as_keras(policy, auto_scale_loss):
    import keras

    wrapped = {}
    for lib in (sloi, keras):
        lib.mixed_precision.set_global_policy(policy)
        try:
            model = lib.Sequential([lib.layers.Input((4,)), lib.layers.Dense(1)])
            model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse",
                          auto_scale_loss=auto_scale_loss)
            wrapped[lib] = isinstance(model.optimizer, lib.optimizers.LossScaleOptimizer)
        finally:
            lib.mixed_precision.set_global_policy("float32")
    assert wrapped[sloi] == wrapped[keras] == (auto_scale_loss and policy == "mixed_float16")


def _gradient_flushes(auto_scale_loss):
    """One float16 step on a loss weighted 1e-9: its gradient at the float16 output (1e-9)
    flushes to zero in float16 (smallest subnormal 6e-8) unless the loss is scaled (by 2**15):
    whether the weight moved."""
    sloi.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = sloi.Sequential([sloi.layers.Input((1,)),
                                 Dense(1, use_bias=False, kernel_initializer="ones")])
        model.compile(optimizer=sloi.optimizers.SGD(1e6), loss="mae", loss_weights=1e-9,
                      auto_scale_loss=auto_scale_loss)
        model.fit(np.ones((1, 1), "float32"), np.full((1, 1), -1.0, "float32"), epochs=1,
                  verbose=0)
        return float(model.layers[0].kernel.detach()[0, 0]) != 1.0
    finally:
        sloi.mixed_precision.set_global_policy("float32")


def test_auto_scale_loss_false_trains_unscaled():
    assert _gradient_flushes(True)
    assert not _gradient_flushes(False)


def test_predict_calls_the_model_once_a_batch_after_the_first_call_built_it():
    # an unbuilt Sequential builds at the first batch; the later batches, one of them short,
    # skip the first call's checks but still run the module's hooks and give the same numbers
    model = sloi.Sequential([Dense(4, activation="relu"), Dense(1)])
    x = np.random.default_rng(0).standard_normal((10, 3)).astype("float32")
    seen = []
    model.register_forward_hook(lambda module, args, out: seen.append(out.shape[0]))
    out = model.predict(x, batch_size=4, verbose=0)
    assert seen == [4, 4, 2]
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)


def test_predict_casts_every_batch_of_float16_data():
    inputs = Input((3,))
    model = sloi.Model(inputs, Dense(2)(inputs))
    x = np.random.default_rng(1).standard_normal((5, 3)).astype("float16")
    out = model.predict(x, batch_size=2, verbose=0)
    assert out.dtype == np.float32 and out.shape == (5, 2)
    with torch.no_grad():
        expected = model(torch.from_numpy(x).float()).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)


def test_losses_targets_and_logs_of_dict_outputs_are_keyed_by_the_dict_keys():
    """As in Keras: Model(x, {"z": ..., "b": ...}) takes losses, metrics and targets by "z" and
    "b" (not by the output layers' names), and logs "b_loss", "z_loss", "z_mae"."""
    import keras

    def build(K):
        a = K.Input((4,))
        return K.Model(a, {"z": K.layers.Dense(2, name="d_z")(a),
                           "b": K.layers.Dense(3, name="d_b")(a)})

    x = np.linspace(0, 1, 32, dtype="float32").reshape(8, 4)
    y = {"z": np.ones((8, 2), "float32"), "b": np.zeros((8, 3), "float32")}
    histories = []
    for K in (sloi, keras):
        model = build(K)
        model.set_weights([np.full(w.shape, 0.1, "float32") for w in model.get_weights()])
        model.compile("sgd", loss={"z": "mse", "b": "mae"}, metrics={"z": ["mae"]})
        histories.append(model.fit(x, y, batch_size=8, epochs=2, verbose=0).history)
    ours, theirs = histories
    assert sorted(ours) == sorted(theirs) == ["b_loss", "loss", "z_loss", "z_mae"]
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5)


def _penalized(lib, functional):
    """Dense -> a layer adding 0.1 * mean(h ** 2) with add_loss -> Dense, in ``lib``: a
    subclassed model, or the same layers as a functional one."""

    class Penalty(lib.layers.Layer):
        def call(self, h):
            self.add_loss(0.1 * lib.ops.mean(lib.ops.square(h)))
            return h

    if functional:
        inputs = lib.Input((4,))
        outputs = lib.layers.Dense(1)(Penalty()(lib.layers.Dense(3)(inputs)))
        return lib.Model(inputs, outputs)

    class Penalized(lib.Model):
        def __init__(self):
            super().__init__()
            self.hidden, self.penalty, self.out = (lib.layers.Dense(3), Penalty(),
                                                   lib.layers.Dense(1))

        def call(self, x):
            return self.out(self.penalty(self.hidden(x)))

    return Penalized()


def _train_alike(build, compile_kwargs, y=None):
    """``build(lib)`` in sloi and in Keras with the same weights, trained with SGD: each
    side's history, evaluation and final weights."""
    import keras

    results = []
    weights = None
    for lib in (sloi, keras):
        model = build(lib)
        model(X[:2])
        if weights is None:
            weights = model.get_weights()
        model.set_weights(weights)
        model.compile(optimizer=lib.optimizers.SGD(0.1), **compile_kwargs)
        history = model.fit(X, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history
        results.append((history["loss"], model.evaluate(X, y, batch_size=16, verbose=0),
                        model.get_weights()))
    return results


@pytest.mark.parametrize("functional", [False, True], ids=["subclassed", "functional"])
def test_fit_and_evaluate_add_the_add_loss_losses_as_keras(functional):
    (ours, ours_eval, ours_w), (theirs, theirs_eval, theirs_w) = _train_alike(
        lambda lib: _penalized(lib, functional), {"loss": "mse"}, Y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours_eval, theirs_eval, rtol=1e-5, atol=1e-6)
    for a, b in zip(ours_w, theirs_w):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _autoencoder(lib):
    class AutoEncoder(lib.Model):
        def __init__(self):
            super().__init__()
            self.code, self.decode = lib.layers.Dense(2, activation="tanh"), lib.layers.Dense(4)

        def call(self, x):
            reconstruction = self.decode(self.code(x))
            self.add_loss(lib.ops.mean(lib.ops.square(x - reconstruction)))
            return reconstruction

    return AutoEncoder()


def test_a_model_compiled_without_a_loss_trains_on_its_add_loss_as_keras():
    (ours, ours_eval, ours_w), (theirs, theirs_eval, theirs_w) = _train_alike(
        _autoencoder, {})
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours_eval, theirs_eval, rtol=1e-5, atol=1e-6)
    for a, b in zip(ours_w, theirs_w):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_integer_and_vector_add_loss_losses_are_summed_as_floats_as_keras():
    def build(lib):
        class Counts(lib.layers.Layer):
            def call(self, x):
                self.add_loss(lib.ops.cast(lib.ops.sum(lib.ops.ones_like(x)), "int32"))
                self.add_loss(lib.ops.ones((2,)))
                return x

        inputs = lib.Input((4,))
        return lib.Model(inputs, lib.layers.Dense(1)(Counts()(inputs)))

    (ours, ours_eval, _), (theirs, theirs_eval, _) = _train_alike(build, {"loss": "mse"}, Y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    np.testing.assert_allclose(ours_eval, theirs_eval, rtol=1e-5)


def test_no_compiled_loss_and_no_add_loss_is_refused_as_keras_refuses_it():
    import keras

    for lib in (sloi, keras):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1)])
        model.compile(optimizer="sgd")
        with pytest.raises(ValueError, match="No loss to compute"):
            model.fit(X, Y, verbose=0)
        with pytest.raises(ValueError, match="No loss to compute"):
            model.evaluate(X, Y, verbose=0)
        with pytest.raises(ValueError, match="No loss to compute"):
            model.train_on_batch(X, Y)
