"""The Metric base: names, dtype, state that follows the data's device, no autograd, configs."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import metrics as M


def test_default_names_are_unique_as_in_keras():
    assert [M.Precision().name, M.Precision().name, M.TruePositives().name] == [
        keras.metrics.Precision().name, keras.metrics.Precision().name,
        keras.metrics.TruePositives().name]


def test_dtype_is_the_keras_name():
    assert M.Mean().dtype == "float32"
    m = M.Mean(dtype="float64")
    m.update_state(torch.tensor([1.0, 2.0]))
    assert m.dtype == "float64" and m.result().dtype == torch.float64


def test_variables_in_keras_order():
    assert [tuple(v.shape) for v in M.AUC(num_thresholds=5).variables] == [(5,)] * 4
    assert len(M.Mean().variables) == len(keras.metrics.Mean().variables) == 2
    assert len(M.Precision(thresholds=[0.2, 0.4]).variables) == 2


@pytest.mark.parametrize("make", [
    M.Mean, M.BinaryAccuracy, M.SparseCategoricalAccuracy, M.RootMeanSquaredError,
    lambda: M.Precision(thresholds=[0.3, 0.7]), M.AUC, lambda: M.AUC(multi_label=True),
    lambda: M.AUC(thresholds=[0.3, 0.1]), M.TruePositives,
    M.F1Score, lambda: M.FBetaScore(average="weighted", beta=2.0), M.R2Score,
    lambda: M.R2Score(num_regressors=2), M.PearsonCorrelation, M.ConcordanceCorrelation,
    lambda: M.OneHotMeanIoU(3), lambda: M.PrecisionAtRecall(0.5),
    lambda: M.SensitivityAtSpecificity(0.5, num_thresholds=1),
])
def test_state_follows_the_data_device(make):
    # The meta device stands in for CUDA here: no data, but every op records its device.
    metric = make()
    if type(metric) is M.Mean:
        metric.update_state(torch.zeros(4, 3, device="meta"))
    else:
        y_pred = torch.zeros(4, 3, device="meta")
        y_true = torch.zeros(4, device="meta") if isinstance(
            metric, M.SparseCategoricalAccuracy) else torch.zeros(4, 3, device="meta")
        metric.update_state(y_true, y_pred, sample_weight=torch.ones(4, device="meta"))
    assert all(v.device.type == "meta" for v in metric.variables)
    result = metric.result()
    assert isinstance(result, torch.Tensor) and result.device.type == "meta"
    metric.reset_state()
    assert all(v.device.type == "meta" for v in metric.variables)


def test_to_moves_state_and_constants_and_returns_the_metric():
    m = M.AUC(label_weights=[1.0, 2.0])
    assert m.to("meta") is m
    assert m.true_positives.device.type == "meta" and m.label_weights.device.type == "meta"
    assert all(v.device.type == "meta" for v in m.variables)
    mean = M.Mean().to("meta")
    # The attributes and the variables list still name the same tensors.
    assert mean.variables[0] is mean.total and mean.variables[1] is mean.count


def test_updates_never_join_the_autograd_graph():
    y_pred = torch.rand(5, 3, requires_grad=True)
    for metric in [M.CategoricalCrossentropy(), M.AUC(), M.RootMeanSquaredError(), M.Recall()]:
        metric.update_state(torch.eye(3)[[0, 1, 2, 0, 1]], y_pred)
        assert not any(v.requires_grad for v in metric.variables)
        assert not metric.result().requires_grad


def test_results_are_zero_dim_tensors():
    m = M.SparseCategoricalAccuracy()
    m.update_state(torch.tensor([0, 1]), torch.tensor([[0.9, 0.1], [0.8, 0.2]]))
    result = m.result()
    assert isinstance(result, torch.Tensor) and result.dim() == 0 and result.item() == 0.5


def test_call_updates_and_returns_the_result():
    m = M.Mean()
    assert m(torch.tensor([2.0, 4.0])).item() == 3.0
    assert m(torch.tensor([6.0])).item() == 4.0


class BinaryTruePositives(M.Metric):
    """The subclass of Keras's Metric docstring, written against torch."""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros",
                                                name="true_positives")

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        values = (y_true.bool() & y_pred.bool()).to(self._dtype)
        if sample_weight is not None:
            values = values * sample_weight
        self.true_positives += values.sum()

    def result(self):
        return self.true_positives.clone()


def test_a_user_subclass():
    m = BinaryTruePositives()
    m.update_state(torch.tensor([1, 1, 0]), torch.tensor([1, 0, 1]))
    m.update_state([1, 1], [1, 1], sample_weight=[0.5, 0.25])
    assert m.result().item() == 1.75
    m.reset_state()
    assert m.result().item() == 0.0
    assert BinaryTruePositives.from_config(m.get_config()).name == "binary_true_positives"
    assert repr(m) == "<BinaryTruePositives name=binary_true_positives>"


def test_add_variable_rejects_unknown_initializers():
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        M.Mean().add_variable((), initializer="glorot")


def test_base_methods_are_abstract():
    with pytest.raises(NotImplementedError):
        M.Metric().update_state(1)
    with pytest.raises(NotImplementedError):
        M.Metric().result()


@pytest.mark.parametrize("make", [
    lambda: M.Precision(thresholds=[i / 20 for i in range(1, 19)], dtype="float64"),  # buckets
    lambda: M.Recall(dtype="float64"),                                               # direct
    lambda: M.AUC(thresholds=[0.3, 0.1], dtype="float64"),
])
def test_confusion_metrics_in_float64(make):
    m = make()
    m.update_state(torch.tensor([1, 0, 1, 1]), torch.tensor([0.9, 0.2, 0.4, 0.6]))
    assert m.result().dtype == torch.float64


@pytest.mark.parametrize("name", ["MeanAbsoluteError", "KLDivergence", "AUC",
                                  "CategoricalAccuracy"])
def test_numpy_arrays_with_negative_strides_as_in_keras(name):
    import numpy as np

    rng = np.random.default_rng(4)
    y = (rng.uniform(size=(6, 3)) > 0.5).astype("float32")
    p = rng.uniform(0.05, 0.95, (6, 3)).astype("float32")
    ours, theirs = getattr(M, name)(), getattr(keras.metrics, name)()
    ours.update_state(y[::-1], p[::-1])
    theirs.update_state(y[::-1], p[::-1])
    assert float(ours.result()) == pytest.approx(float(theirs.result()), abs=1e-6)


def _categorical_true_positives(lib):
    """keras.io's CategoricalTruePositives ("Training & evaluation with the built-in methods"):
    state made with add_variable, updated with assign_add, reset with assign."""
    ops = lib.ops

    class CategoricalTruePositives(lib.metrics.Metric):
        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
            values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
            values = ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, "float32")
                values = ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ops.sum(values))

        def result(self):
            return self.true_positives.value

        def reset_state(self):
            # The state of the metric will be reset at the start of each epoch.
            self.true_positives.assign(0.0)

    return CategoricalTruePositives()


def test_keras_io_custom_metric_with_keras_variables_trains_as_in_keras():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype("float32")
    y = rng.integers(0, 3, (40, 1))
    weights = [rng.normal(size=(4, 3)).astype("float32"), np.zeros(3, "float32")]
    histories, metrics = [], []
    for lib in (keras, sloi):
        metric = _categorical_true_positives(lib)
        inputs = lib.Input((4,))
        model = lib.Model(inputs, lib.layers.Dense(3, activation="softmax")(inputs))
        model.set_weights(weights)
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=[metric])
        # (no validation_data: Keras's result, the variable itself, then shows in the
        # training logs the value it takes in validation)
        histories.append(model.fit(x, y, batch_size=8, epochs=3, shuffle=False,
                                   verbose=0).history)
        metrics.append(metric)
    ours, theirs = histories[1], histories[0]
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)
    assert [(v.name, v.path) for v in metrics[1].variables] == [
        (v.name, v.path) for v in metrics[0].variables]  # [("ctp", ".../ctp")]
    assert isinstance(metrics[1].true_positives, sloi.Variable)
    assert metrics[1].true_positives.numpy() == metrics[0].true_positives.numpy()


def test_built_in_metrics_keep_plain_tensors_for_the_fast_dispatch():
    import copy
    import pickle

    for metric in (M.Mean(), M.BinaryAccuracy(), M.AUC(), M.SparseCategoricalAccuracy()):
        metric.update_state(torch.ones(4), torch.ones(4))
        for copied in (metric, copy.deepcopy(metric), pickle.loads(pickle.dumps(metric)),
                       copy.deepcopy(metric).to("meta")):
            assert {type(v) for v in copied.variables} == {torch.Tensor}
