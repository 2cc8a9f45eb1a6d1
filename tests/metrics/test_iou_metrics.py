"""IoU, MeanIoU, BinaryIoU, OneHotIoU and OneHotMeanIoU against keras.metrics."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.losses.helpers import assert_same_training, dense_model
from tests.metrics.metric_parity import assert_same_config, assert_same_metric, rng


def _sparse_batches(r, shape_of, classes, weights=None, spread=0):
    """Class ids (some out of range by `spread`), weights as asked."""
    batches = []
    for n in (5, 3, 4):
        shape = shape_of(n)
        y_true = r.integers(-spread, classes + spread, shape)
        y_pred = r.integers(-spread, classes + spread, shape)
        sw = {None: None, "int": r.integers(0, 3, shape),
              "float": r.random(shape).astype("float32")}[weights]
        batches.append((y_true, y_pred, sw))
    return batches


@pytest.mark.parametrize("shape_of", [lambda n: (n,), lambda n: (n, 3), lambda n: (n, 2, 3)])
@pytest.mark.parametrize("weights", [None, "int"])
@pytest.mark.parametrize("target_class_ids", [[0], [1, 3], [0, 1, 2, 3]])
def test_iou(shape_of, weights, target_class_ids):
    batches = _sparse_batches(rng(1), shape_of, 4, weights)
    assert_same_metric(M.IoU(4, target_class_ids), keras.metrics.IoU(4, target_class_ids),
                       batches)


@pytest.mark.parametrize("ignore_class", [None, 0, 2])
@pytest.mark.parametrize("weights", [None, "int"])
def test_mean_iou(ignore_class, weights):
    # Labels and predictions out of range add nothing (in Keras too).
    batches = _sparse_batches(rng(2), lambda n: (n, 4), 3, weights, spread=1)
    assert_same_metric(M.MeanIoU(3, ignore_class=ignore_class),
                       keras.metrics.MeanIoU(3, ignore_class=ignore_class), batches)


def test_float_weights_need_a_float_dtype():
    batches = _sparse_batches(rng(3), lambda n: (n, 3), 4, "float")
    assert_same_metric(M.MeanIoU(4, dtype="float32"), keras.metrics.MeanIoU(4, dtype="float32"),
                       batches)
    with pytest.warns(UserWarning, match="weight as `float`"):  # int state truncates them
        assert_same_metric(M.MeanIoU(4), keras.metrics.MeanIoU(4), batches)
    y_true, y_pred, sw = batches[0]
    with pytest.warns(UserWarning, match="weight as `float`"):  # sloi's own warning
        M.MeanIoU(4).update_state(torch.tensor(y_true), torch.tensor(y_pred), torch.tensor(sw))


def test_float_class_ids_are_truncated():
    r = rng(4)
    batches = [(r.integers(0, 3, (n,)), r.uniform(0, 3, (n,)).astype("float32"))
               for n in (6, 4)]
    assert_same_metric(M.MeanIoU(3), keras.metrics.MeanIoU(3), batches)


def _one_hot_batches(r, classes, sparse_y_pred=False, rank=2):
    batches = []
    for n in (6, 4):
        shape = (n,) if rank == 2 else (n, 3)
        labels = r.integers(0, classes, shape)
        y_true = np.eye(classes, dtype="float32")[labels]
        scores = r.random(shape + (classes,)).astype("float32")
        y_pred = scores.argmax(-1) if sparse_y_pred else scores
        batches.append((y_true, y_pred))
    return batches


@pytest.mark.parametrize("sparse_y_pred", [False, True])
@pytest.mark.parametrize("rank", [2, 3])
def test_one_hot(sparse_y_pred, rank):
    batches = _one_hot_batches(rng(5), 4, sparse_y_pred, rank)
    assert_same_metric(M.OneHotIoU(4, [0, 2], sparse_y_pred=sparse_y_pred),
                       keras.metrics.OneHotIoU(4, [0, 2], sparse_y_pred=sparse_y_pred), batches)
    assert_same_metric(M.OneHotMeanIoU(4, sparse_y_pred=sparse_y_pred, ignore_class=1),
                       keras.metrics.OneHotMeanIoU(4, sparse_y_pred=sparse_y_pred,
                                                   ignore_class=1), batches)


def test_iou_with_class_axis_first():
    r = rng(6)
    batches = [(np.eye(3, dtype="float32")[r.integers(0, 3, n)].T,
                r.random((3, n)).astype("float32")) for n in (5, 4)]
    kwargs = {"sparse_y_true": False, "sparse_y_pred": False, "axis": 0}
    assert_same_metric(M.MeanIoU(3, **kwargs), keras.metrics.MeanIoU(3, **kwargs), batches)


@pytest.mark.parametrize("kwargs", [{}, {"target_class_ids": [1], "threshold": 0.3},
                                    {"target_class_ids": [0], "threshold": 0.7}])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_iou(kwargs, weighted):
    r = rng(7)
    batches = []
    for n in (8, 5):
        y_pred = r.random((n, 1)).astype("float32")
        y_pred[0] = kwargs.get("threshold", 0.5)  # on the threshold: ">=" says class 1
        batches.append((r.integers(0, 2, (n, 1)), y_pred,
                        r.integers(0, 3, n) if weighted else None))
    assert_same_metric(M.BinaryIoU(**kwargs), keras.metrics.BinaryIoU(**kwargs), batches)


def test_absent_classes_are_left_out():
    m = M.MeanIoU(4)
    m.update_state(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 0, 1]))
    expected = keras.metrics.MeanIoU(4)
    expected.update_state(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
    np.testing.assert_allclose(m.result().numpy(), keras.ops.convert_to_numpy(expected.result()))
    assert m.result().dtype == torch.float32 and m.total_cm.dtype == torch.int32


@pytest.mark.parametrize("make", [lambda: M.MeanIoU(3), lambda: M.IoU(3, [1], dtype="float32"),
                                  M.BinaryIoU])
def test_state_follows_the_data_device(make):
    # The meta device stands in for CUDA: no values, so no update may read one back.
    metric = make()
    metric.update_state(torch.zeros(4, 3, device="meta"), torch.zeros(4, 3, device="meta"),
                        sample_weight=torch.ones(4, 3, dtype=torch.int32, device="meta"))
    assert all(v.device.type == "meta" for v in metric.variables)
    assert metric.result().device.type == "meta"
    metric.reset_state()
    assert metric.total_cm.device.type == "meta"


def test_bad_target_class():
    with pytest.raises(ValueError, match="target class id 3 is out of range"):
        M.IoU(3, [0, 3])


@pytest.mark.parametrize("make", [
    lambda K: K.metrics.IoU(4, [1, 2], name="iou", ignore_class=0, sparse_y_pred=False),
    lambda K: K.metrics.MeanIoU(3),
    lambda K: K.metrics.MeanIoU(3, dtype="float32", ignore_class=2, sparse_y_true=False,
                                axis=1),
    lambda K: K.metrics.BinaryIoU(),
    lambda K: K.metrics.BinaryIoU(target_class_ids=[1], threshold=0.25, name="b"),
    lambda K: K.metrics.OneHotIoU(4, [0], sparse_y_pred=True),
    lambda K: K.metrics.OneHotMeanIoU(5, ignore_class=0),
])
def test_config(make):
    assert_same_config(make)


_segmenter = dense_model(6, 1, "sigmoid")


def test_compile_by_name_and_object():
    r = rng(0)
    x = r.standard_normal((16, 6)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    assert_same_training(_segmenter, x, y, "binary_crossentropy", metrics=[
        "binary_io_u", lambda m: m.metrics.BinaryIoU(target_class_ids=[1], threshold=0.4,
                                                     name="fg_iou")])
