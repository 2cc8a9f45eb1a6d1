"""The Loss base class: reductions, sample weights, masks, dtypes, devices, subclasses."""

import keras
import numpy as np
import pytest
import torch

import sloi.losses
from sloi.losses import Loss, LossFunctionWrapper
from sloi.losses.loss import takes_integer_labels
from tests.losses.helpers import assert_close, logits, sample_weights


def _mse_pair(shape=(6, 4)):
    return logits(shape), logits(shape, 1)


def test_sum_over_batch_size_counts_zero_weights():
    # Keras 3 divides by the number of entries, zero-weighted ones included.
    y_true, y_pred = _mse_pair()
    per_sample = ((y_true - y_pred) ** 2).mean(axis=-1)
    w = np.array([0.0, 0.0, 1.0, 2.0, 0.5, 0.0], dtype="float32")
    got = sloi.losses.MeanSquaredError()(y_true, y_pred, sample_weight=w)
    np.testing.assert_allclose(got.numpy(), (per_sample * w).sum() / 6, rtol=1e-6)
    assert_close(got, keras.losses.MeanSquaredError()(y_true, y_pred, sample_weight=w))


def test_mean_with_sample_weight_divides_by_the_weights():
    y_true, y_pred = _mse_pair()
    per_sample = ((y_true - y_pred) ** 2).mean(axis=-1)
    w = sample_weights((6,))
    loss = sloi.losses.MeanSquaredError(reduction="mean_with_sample_weight")
    np.testing.assert_allclose(loss(y_true, y_pred, sample_weight=w).numpy(),
                               (per_sample * w).sum() / w.sum(), rtol=1e-6)
    zeros = np.zeros(6, dtype="float32")  # all weights 0: 0, not NaN (divide_no_nan)
    assert loss(y_true, y_pred, sample_weight=zeros) == 0.0
    assert_close(loss(y_true, y_pred, sample_weight=zeros),
                 keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")(
                     y_true, y_pred, sample_weight=zeros))


@pytest.mark.parametrize("reduction", [None, "none"])
def test_no_reduction_returns_weighted_per_sample_losses(reduction):
    y_true, y_pred = _mse_pair((4, 5, 3))
    w = sample_weights((4, 5))
    got = sloi.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=w)
    assert got.shape == (4, 5)
    np.testing.assert_allclose(got.numpy(), ((y_true - y_pred) ** 2).mean(-1) * w, rtol=1e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_per_sample_weights_on_sequence_losses(reduction):
    # A (batch,) weight scales every step of its sample. (Keras 3 raises here, or, when
    # batch == steps, weighs step i by weight i; we take the weight per sample as Keras 2.)
    y_true, y_pred = _mse_pair((4, 5, 3))
    w = sample_weights((4,))
    got = sloi.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight=w)
    want = sloi.losses.MeanSquaredError(reduction=reduction)(
        y_true, y_pred, sample_weight=np.repeat(w[:, None], 5, axis=1))
    assert_close(got, want)


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        sloi.losses.MeanSquaredError(reduction="average")


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean",
                                       "mean_with_sample_weight", None])
@pytest.mark.parametrize("weighted", [False, True])
def test_mask_carried_by_predictions(reduction, weighted):
    # A mask on y_pred (from Embedding(mask_zero=True) / Masking) leaves masked steps out;
    # Keras reads the same `_keras_mask` attribute.
    y_true, y_pred = _mse_pair((4, 5, 3))
    mask = torch.ones(4, 5, dtype=torch.bool)
    mask[0, 3:] = False
    mask[2, 1:] = False
    w = sample_weights((4, 5)) if weighted else None
    ours, theirs = torch.tensor(y_pred), torch.tensor(y_pred)
    ours._keras_mask = theirs._keras_mask = mask
    got = sloi.losses.MeanSquaredError(reduction=reduction)(y_true, ours, sample_weight=w)
    want = keras.losses.MeanSquaredError(reduction=reduction)(y_true, theirs, sample_weight=w)
    assert_close(got, want)


def test_mask_and_ignore_class_combine():
    y_true = torch.tensor([[1, 0, 2], [0, 2, 1]])
    y_pred = torch.tensor(logits((2, 3, 4), 1))
    mask = torch.tensor([[True, True, False], [True, True, True]])
    ours, theirs = y_pred.clone(), y_pred.clone()
    ours._keras_mask = theirs._keras_mask = mask
    kwargs = {"from_logits": True, "ignore_class": 0}
    got = sloi.losses.SparseCategoricalCrossentropy(**kwargs)(y_true, ours)
    want = keras.losses.SparseCategoricalCrossentropy(**kwargs)(y_true, theirs)
    assert_close(got, want)


def test_result_is_a_zero_dim_tensor_on_the_input_device():
    y_true, y_pred = _mse_pair()
    out = sloi.losses.MeanSquaredError()(torch.tensor(y_true), torch.tensor(y_pred))
    assert isinstance(out, torch.Tensor) and out.dim() == 0
    assert out.device == torch.device("cpu") and out.dtype == torch.float32


def test_dtype_defaults_to_float32_like_keras():
    # float64 predictions are computed in float32 unless the loss is given another dtype.
    y_true, y_pred = torch.zeros(3, 2, dtype=torch.float64), torch.ones(3, 2, dtype=torch.float64)
    assert sloi.losses.MeanSquaredError()(y_true, y_pred).dtype == torch.float32
    loss = sloi.losses.MeanSquaredError(dtype="float64")
    assert loss.dtype == "float64"
    assert loss(y_true, y_pred).dtype == torch.float64


def test_accepts_numpy_and_lists():
    got = sloi.losses.MeanAbsoluteError()([[0.0, 1.0]], np.array([[1.0, 1.0]]), [2.0])
    assert_close(got, np.float32(1.0))


def test_empty_batch():
    loss = sloi.losses.MeanSquaredError()
    out = loss(torch.zeros(0, 3), torch.zeros(0, 3))
    assert out.shape == (0,)  # Keras returns an empty (0,) array as it is
    assert loss(torch.zeros(0, 2, 3), torch.zeros(0, 2, 3)) == 0.0


class ScaledAbsolute(Loss):
    def __init__(self, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * (y_true - y_pred).abs().mean(dim=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def test_subclass():
    y_true, y_pred = _mse_pair()
    loss = ScaledAbsolute(scale=3.0, reduction="sum")
    assert loss.name == "scaled_absolute"
    assert ScaledAbsolute().name == "scaled_absolute_1"
    want = 3.0 * np.abs(y_true - y_pred).mean(-1).sum()
    np.testing.assert_allclose(loss(y_true, y_pred).numpy(), want, rtol=1e-6)
    clone = ScaledAbsolute.from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()


def test_base_call_is_abstract():
    with pytest.raises(NotImplementedError, match="must implement"):
        Loss()(torch.zeros(2, 2), torch.zeros(2, 2))


def double_error(y_true, y_pred, factor=2.0):
    return factor * (y_true - y_pred).abs().mean(dim=-1)


def test_loss_function_wrapper():
    y_true, y_pred = logits((6,)), logits((6, 1), 1)  # ranks matched before the call
    loss = LossFunctionWrapper(double_error, name="double", factor=3.0)
    want = 3.0 * np.abs(y_true - y_pred[:, 0]).mean()
    np.testing.assert_allclose(loss(y_true, y_pred).numpy(), want, rtol=1e-6)
    config = loss.get_config()
    assert config["fn"]["config"] == "double_error" and config["factor"] == 3.0
    clone = LossFunctionWrapper.from_config(
        {**config, "fn": double_error})  # a user function comes back through custom objects
    assert clone(y_true, y_pred) == loss(y_true, y_pred)


def test_wrapped_builtin_function_round_trips():
    loss = LossFunctionWrapper(sloi.losses.huber, delta=0.5)
    clone = LossFunctionWrapper.from_config(loss.get_config())
    assert clone.fn is sloi.losses.huber and clone._fn_kwargs == {"delta": 0.5}


def test_sparse_labels_stay_integers():
    seen = {}

    @takes_integer_labels
    def spy(y_true, y_pred):
        seen["dtype"] = y_true.dtype
        return sloi.losses.sparse_categorical_crossentropy(y_true, y_pred)

    LossFunctionWrapper(spy)(torch.tensor([0, 2]), torch.rand(2, 3))
    assert seen["dtype"] == torch.int64
    LossFunctionWrapper(spy)(torch.tensor([0.0, 2.0]), torch.rand(2, 3))
    assert seen["dtype"] == torch.float32

    def unmarked(y_true, y_pred):
        seen["dtype"] = y_true.dtype
        return sloi.losses.sparse_categorical_crossentropy(y_true.long(), y_pred)

    LossFunctionWrapper(unmarked)(torch.tensor([0, 2]), torch.rand(2, 3))
    assert seen["dtype"] == torch.float32  # labels of an unmarked function become floats


@pytest.mark.parametrize("make, y_true, y_pred", [
    (lambda: sloi.losses.SparseCategoricalCrossentropy(from_logits=True),
     torch.tensor([[1, 0, 2], [2, 2, 0]]), torch.tensor(logits((2, 3, 4)))),
    (lambda: sloi.losses.SparseCategoricalCrossentropy(),
     torch.tensor([[1], [0], [3]]), torch.rand(3, 4)),
    (lambda: sloi.losses.BinaryCrossentropy(label_smoothing=0.1),
     torch.tensor([0, 1, 1]), torch.rand(3, 1)),
    (lambda: sloi.losses.BinaryCrossentropy(from_logits=True),
     torch.tensor([[0.0, 1.0], [1.0, 1.0]]), torch.tensor(logits((2, 2)))),
    (lambda: sloi.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
     torch.eye(4)[[0, 3, 1]], torch.tensor(logits((3, 4)))),
    (lambda: sloi.losses.MeanSquaredError(), torch.rand(5), torch.rand(5, 1)),
    (lambda: sloi.losses.MeanAbsoluteError(), torch.rand(2, 3, 4), torch.rand(2, 3, 4)),
])
def test_fused_mean_equals_the_general_path(make, y_true, y_pred):
    # Tensors, default reduction, no weights: one fused torch loss. It must give what the
    # per-sample losses averaged give.
    fused = make()(y_true, y_pred)
    general = make()(y_true, y_pred, sample_weight=torch.ones(y_pred.shape[0]))
    per_sample = make().__class__(**{**make().get_config(), "reduction": "none"})(y_true, y_pred)
    assert fused.shape == ()
    assert_close(fused, general)
    assert_close(fused, per_sample.mean())


@pytest.mark.parametrize("name", ["MeanSquaredError", "KLDivergence",
                                  "CategoricalCrossentropy"])
def test_numpy_arrays_with_negative_strides_as_in_keras(name):
    rng = np.random.default_rng(3)
    y = rng.uniform(0.1, 1.0, (6, 4)).astype("float32")
    ours = getattr(sloi.losses, name)()(y, y[::-1])
    theirs = getattr(keras.losses, name)()(y, y[::-1])
    assert_close(ours, theirs)
