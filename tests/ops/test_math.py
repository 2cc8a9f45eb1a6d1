"""``sloi.ops`` math ops against Keras 3's ``keras.ops`` (torch backend): values, dtypes,
shapes and symbolic shapes."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import ops
from sloi.engine.symbolic import SymbolicTensor
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(1)

# FFTs add many products in orders that differ between torch's complex and real paths: 1e-5
FFT_TOL = {"rtol": 1e-5, "atol": 1e-5}


def normal(*shape, dtype="float32", scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


# ---------------------------------------------------------------------------- element-wise
@pytest.mark.parametrize("name", ["erf", "erfc", "rsqrt", "erfinv"])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_special_functions_match_keras(name, dtype, shape):
    if name == "rsqrt":
        x = RNG.uniform(0.1, 4, shape)
    elif name == "erfinv":
        x = RNG.uniform(-0.99, 0.99, shape)
    else:
        x = RNG.standard_normal(shape) * 2
    if dtype == "int32":
        x = np.round(x) if name != "erfinv" else np.zeros(shape)
        x = np.maximum(x, 1) if name == "rsqrt" else x
    check_op(name, x.astype(dtype), rtol=1e-6, atol=1e-6, batch_none=len(shape) > 1)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_logdet_matches_keras(shape):
    a = normal(*shape)
    spd = (a @ np.swapaxes(a, -1, -2) + 3 * np.eye(shape[-1])).astype("float32")
    check_op("logdet", spd, rtol=1e-5, batch_none=len(shape) > 2)


# ---------------------------------------------------------------------------- reductions
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), [1, 2]])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_logsumexp_matches_keras(axis, keepdims, dtype):
    x = normal(2, 3, 4, scale=3.0)
    x = x if dtype == "float32" else np.round(x).astype(dtype)
    reduces_batch = axis is None or 0 in np.atleast_1d(axis)
    check_op("logsumexp", x, axis=axis, keepdims=keepdims, batch_none=not reduces_batch)


@pytest.mark.parametrize("x_shape,y_shape", [((4, 3), (5, 3)), ((2, 4, 3), (2, 5, 3)),
                                             ((2, 4, 3), (1, 5, 3))])
def test_cdist_matches_keras(x_shape, y_shape):
    check_op("cdist", normal(*x_shape), normal(*y_shape), rtol=1e-5, batch_none=False)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("sorted_", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_top_k_matches_keras(k, sorted_, dtype):
    x = normal(3, 6, scale=10)
    x = x if dtype == "float32" else RNG.permutation(18).reshape(3, 6).astype(dtype)
    if sorted_:
        check_op("top_k", x, k, sorted=sorted_)
    else:  # torch leaves the order free: compare as sets
        values, indices = ops.top_k(x, k, sorted=False)
        theirs = keras.ops.top_k(x, k, sorted=False)
        np.testing.assert_array_equal(np.sort(values.numpy()), np.sort(theirs[0].numpy()))
        assert values.dtype == theirs[0].dtype and indices.dtype == theirs[1].dtype


@pytest.mark.parametrize("k", [1, 2, 4])
def test_in_top_k_matches_keras(k):
    predictions = normal(6, 5)
    predictions[0, :] = 1.0  # ties count as in
    check_op("in_top_k", RNG.integers(0, 5, 6).astype("int32"), predictions, k)


# ---------------------------------------------------------------------------- segments
@pytest.mark.parametrize("name", ["segment_sum", "segment_max", "segment_min", "segment_prod"])
@pytest.mark.parametrize("shape", [(6,), (6, 3)])
@pytest.mark.parametrize("num_segments", [None, 4, 6])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_segment_reductions_match_keras(name, shape, num_segments, dtype):
    data = normal(*shape, scale=3)
    data = data if dtype == "float32" else np.round(data).astype(dtype)
    ids = np.array([0, 0, 2, 1, 5, 2], "int32")  # segment 3 is empty; 5 is out of 4 segments
    if dtype == "int32" and num_segments == 6 and name in ("segment_max", "segment_min"):
        # an empty segment holds +-inf, which Keras (and sloi) cast to int32: platform-defined
        return
    check_op(name, data, ids, num_segments=num_segments, batch_none=False,
             symbolic=num_segments is not None)


def test_segments_of_functional_tensors_need_their_number():
    data, ids = sloi.Input((3,)), sloi.Input((), dtype="int32")
    assert tuple(ops.segment_max(data, ids, num_segments=4).shape) == (4, 3)
    with pytest.raises(ValueError, match="segment_sum: on functional-API tensors "
                                         "`num_segments` must be given"):
        ops.segment_sum(data, ids)


def test_segment_ids_must_be_one_per_row():
    with pytest.raises(ValueError, match=r"segment_sum: `segment_ids` and `data` must have the "
                                         r"same first axis; got \(3,\) and \(4, 2\)"):
        ops.segment_sum(np.ones((4, 2), "float32"), np.zeros(3, "int32"))


# ---------------------------------------------------------------------------- Fourier
@pytest.mark.parametrize("name", ["fft", "fft2", "ifft2"])
@pytest.mark.parametrize("shape", [(8,), (3, 8), (2, 4, 6)])
def test_complex_ffts_match_keras(name, shape):
    if name != "fft" and len(shape) < 2:
        shape = (4,) + shape
    check_op(name, (normal(*shape), normal(*shape)), **FFT_TOL, symbolic=False)
    symbolic = tuple(SymbolicTensor(shape) for _ in range(2))
    theirs = getattr(keras.ops, name)(tuple(keras.KerasTensor(shape) for _ in range(2)))
    for a, b in zip(getattr(ops, name)(symbolic), theirs, strict=True):
        assert tuple(a.shape) == tuple(b.shape)


@pytest.mark.parametrize("fft_length", [None, 6, 10])
@pytest.mark.parametrize("shape", [(8,), (3, 8), (2, 3, 7)])
def test_rfft_and_irfft_match_keras(fft_length, shape):
    real, imag = check_op("rfft", normal(*shape), fft_length=fft_length, **FFT_TOL)
    check_op("irfft", (real.numpy(), imag.numpy()), fft_length=fft_length, **FFT_TOL,
             symbolic=False)


@pytest.mark.parametrize("sequence_length,sequence_stride,fft_length", [
    (8, 4, 8), (8, 3, 16), (7, 2, 8)])
@pytest.mark.parametrize("window", ["hann", "hamming", None, "array"])
@pytest.mark.parametrize("center", [True, False])
def test_stft_and_istft_match_keras(sequence_length, sequence_stride, fft_length, window,
                                    center):
    if window == "array":
        window = RNG.uniform(0.5, 1.0, sequence_length).astype("float32")
    x = normal(2, 40)
    kwargs = {"sequence_length": sequence_length, "sequence_stride": sequence_stride,
              "fft_length": fft_length, "window": window, "center": center}
    real, imag = check_op("stft", x, **kwargs, **FFT_TOL)
    spectrum = (real.numpy(), imag.numpy())
    check_op("istft", spectrum, **kwargs, **FFT_TOL, symbolic=False)
    check_op("istft", spectrum, **kwargs, length=30, **FFT_TOL, symbolic=False)


def test_stft_and_istft_of_a_batch_of_batches_match_keras():
    kwargs = {"sequence_length": 8, "sequence_stride": 4, "fft_length": 8}
    real, imag = check_op("stft", normal(2, 3, 32), **kwargs, **FFT_TOL)
    check_op("istft", (real.numpy(), imag.numpy()), **kwargs, **FFT_TOL, symbolic=False)


@pytest.mark.parametrize("length,stride", [(4, 2), (5, 5), (3, 1)])
@pytest.mark.parametrize("shape", [(12,), (2, 12), (2, 3, 11)])
def test_extract_sequences_matches_keras(length, stride, shape):
    check_op("extract_sequences", normal(*shape), length, stride, batch_none=len(shape) > 1)


def test_view_as_complex_and_back_match_keras():
    pairs = normal(3, 4, 2)
    z = check_op("view_as_complex", pairs)
    assert z.dtype == torch.complex64
    back = check_op("view_as_real", z.numpy(), symbolic=False)
    np.testing.assert_array_equal(back.numpy(), pairs)
    with pytest.raises(RuntimeError):  # Keras refuses a real input: so does sloi
        keras.ops.view_as_real(normal(3, 4))
    with pytest.raises(ValueError, match="view_as_real: `x` must be complex; got float32"):
        ops.view_as_real(normal(3, 4))


# ---------------------------------------------------------------------------- graphs
def test_math_ops_in_a_functional_model_equal_the_eager_computation():
    inputs = sloi.Input((5, 6))
    scores = ops.logsumexp(inputs, axis=-1)
    gated = ops.erf(inputs) * ops.softmax(inputs, axis=1)
    model = sloi.Model(inputs, [scores, gated])
    assert tuple(scores.shape) == (None, 5) and tuple(gated.shape) == (None, 5, 6)
    data = normal(3, 5, 6)
    t = torch.from_numpy(data)
    got_scores, got_gated = model.predict(data, verbose=0)
    np.testing.assert_allclose(got_scores, torch.logsumexp(t, -1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(got_gated, (torch.erf(t) * torch.softmax(t, 1)).numpy(),
                               rtol=1e-6)
