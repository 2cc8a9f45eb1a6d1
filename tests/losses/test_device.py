"""Losses never read values back to the host: the training loop calls them once per batch.

On the `meta` device tensors have shapes but no values, so any `.item()`, `float(t)` or
Python `if` on a tensor fails there: a loss that runs on meta inputs cannot sync. On CUDA,
`torch.cuda.set_sync_debug_mode("error")` turns any sync into an error. (No Keras here, so
this file also runs on a GPU machine that has only torch.)
"""

import pytest
import torch

import sloi.losses as L

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]


def _cases(device):
    """(loss, y_true, y_pred) for every class and every argument that changes the path."""

    def probs(*shape):
        return torch.rand(*shape, device=device)

    def labels(*shape, classes=2):
        return torch.randint(0, classes, shape, device=device)

    def one_hot(*shape):
        return torch.nn.functional.one_hot(labels(*shape[:-1], classes=shape[-1]),
                                           shape[-1]).float()

    b, s, c = 8, 5, 4
    return [
        (L.BinaryCrossentropy, {}, labels(b, 1).float(), probs(b, 1)),
        (L.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
         labels(b, s, 1).float(), probs(b, s, 1)),
        (L.BinaryFocalCrossentropy, {"apply_class_balancing": True}, labels(b, 3).float(),
         probs(b, 3)),
        (L.CategoricalCrossentropy, {}, one_hot(b, c), probs(b, c)),
        (L.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
         one_hot(b, s, c), probs(b, s, c)),
        (L.CategoricalFocalCrossentropy, {"from_logits": True}, one_hot(b, c), probs(b, c)),
        (L.SparseCategoricalCrossentropy, {}, labels(b, classes=c), probs(b, c)),
        (L.SparseCategoricalCrossentropy, {"from_logits": True}, labels(b, s, classes=c),
         probs(b, s, c)),
        (L.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": 0},
         labels(b, s, classes=c), probs(b, s, c)),
        (L.KLDivergence, {}, probs(b, c), probs(b, c)),
        (L.Poisson, {}, probs(b, c), probs(b, c)),
        (L.MeanSquaredError, {}, probs(b, 1), probs(b, 1)),
        (L.MeanSquaredError, {}, probs(b), probs(b, 1)),
        (L.MeanAbsoluteError, {}, probs(b, s, 3), probs(b, s, 3)),
        (L.MeanAbsolutePercentageError, {}, probs(b, 3), probs(b, 3)),
        (L.MeanSquaredLogarithmicError, {}, probs(b, 3), probs(b, 3)),
        (L.Huber, {"delta": 0.5}, probs(b, 3), probs(b, 3)),
        (L.LogCosh, {}, probs(b, 3), probs(b, 3)),
        (L.CosineSimilarity, {}, probs(b, 3), probs(b, 3)),
        (L.Hinge, {}, labels(b, 3).float(), probs(b, 3)),
        (L.SquaredHinge, {}, labels(b, 3).float(), probs(b, 3)),
        (L.CategoricalHinge, {}, one_hot(b, c), probs(b, c)),
        (L.Dice, {}, labels(b, 3).float(), probs(b, 3)),
        (L.Dice, {"axis": -1}, labels(b, s, 3).float(), probs(b, s, 3)),
        (L.Tversky, {"alpha": 0.3, "beta": 0.7, "axis": -1}, labels(b, 3).float(), probs(b, 3)),
        (L.Circle, {}, labels(b, classes=3), probs(b, 4)),
        (L.CategoricalGeneralizedCrossEntropy, {}, labels(b, classes=c), probs(b, c)),
        # CTC is not here: torch has no meta kernel for ctc_loss, and its CUDA kernel reads
        # the label lengths back to the host (see test_ctc_on_cuda).
    ]


def _run_all(device):
    for cls, kwargs, y_true, y_pred in _cases(device):
        batch_shape = tuple(y_true.shape[:2]) if y_pred.dim() == 3 else (y_pred.shape[0],)
        masked = y_pred.clone()
        masked._keras_mask = torch.ones(batch_shape, dtype=torch.bool, device=device)
        for reduction in REDUCTIONS:
            for weight in (None, torch.rand(y_pred.shape[0], device=device),
                           torch.rand(batch_shape, device=device)):
                for pred in (y_pred, masked):
                    out = cls(reduction=reduction, **kwargs)(y_true, pred, sample_weight=weight)
                    assert out.device.type == torch.device(device).type
                    if reduction is not None:
                        assert out.shape == (), (cls, reduction)


def test_no_host_reads_on_meta_device():
    _run_all("meta")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_no_sync_on_cuda():
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        cases = _cases("cuda")  # built before: randint / one_hot may sync, the losses may not
        torch.cuda.synchronize()
        for cls, kwargs, y_true, y_pred in cases:
            for reduction in REDUCTIONS:
                out = cls(reduction=reduction, **kwargs)(y_true, y_pred)
                assert out.is_cuda
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_binary_crossentropy_under_cuda_autocast():
    # CUDA autocast refuses F.binary_cross_entropy; the loss turns autocast off around it.
    y_true = torch.randint(0, 2, (8, 1), device="cuda").float()
    y_pred = torch.rand(8, 1, device="cuda").bfloat16()
    want = L.BinaryCrossentropy()(y_true, y_pred.float())  # the same rounded probabilities
    with torch.autocast("cuda", dtype=torch.bfloat16):
        got = L.BinaryCrossentropy()(y_true, y_pred)
        got_per_sample = L.BinaryCrossentropy(reduction=None)(y_true, y_pred)
        focal = L.BinaryFocalCrossentropy()(y_true, y_pred.half())
    assert got.dtype == torch.float32 and torch.isfinite(focal)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(got_per_sample.mean(), want)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_ctc_on_cuda():
    y_true = torch.randint(1, 5, (4, 3))
    y_true[0, 2:] = 0
    y_pred = torch.randn(4, 9, 5)
    want = L.CTC(reduction=None)(y_true, y_pred)
    got = L.CTC(reduction=None)(y_true.cuda(), y_pred.cuda())
    assert got.is_cuda
    torch.testing.assert_close(got.cpu(), want, rtol=1e-5, atol=1e-5)
