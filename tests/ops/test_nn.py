"""``sloi.ops`` nn ops against Keras 3's ``keras.ops`` (torch backend): values, dtypes, shapes,
symbolic shapes; CTC loss gradients; ops in a functional model."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import ops
from sloi.engine.symbolic import SymbolicTensor
from tests.ops.op_parity import check_op, check_symbolic

RNG = np.random.default_rng(0)


def normal(*shape, dtype="float32", scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def check_op_or_both_raise(name, *args, **kwargs):
    """Keras's torch backend refuses some dtypes (a softmax of ints): sloi must refuse them
    too, and match Keras wherever Keras gives an answer."""
    import keras

    try:
        getattr(keras.ops, name)(*args, **{k: v for k, v in kwargs.items()
                                           if k not in ("rtol", "atol", "symbolic")})
    except Exception:
        with pytest.raises(Exception):  # noqa: B017 - any refusal, as Keras's is torch's own
            getattr(ops, name)(*args, **{k: v for k, v in kwargs.items()
                                         if k not in ("rtol", "atol", "symbolic")})
        return None
    return check_op(name, *args, **kwargs)


def check_symbolic_batch(name, x, *rest, keras_shape=True, **kwargs):
    """Given a symbolic ``x`` with a None batch and concrete ``rest`` (kernels, statistics),
    sloi infers Keras's output shapes (``keras_shape``), or, where Keras's
    ``compute_output_spec`` is wrong, the shapes of the eager result with a None batch."""
    ours = getattr(ops, name)(SymbolicTensor((None,) + x.shape[1:], str(x.dtype)),
                              *[torch.from_numpy(r) if isinstance(r, np.ndarray) else r
                                for r in rest], **kwargs)
    if keras_shape:
        expected = getattr(keras.ops, name)(keras.KerasTensor((None,) + x.shape[1:],
                                                              dtype=str(x.dtype)),
                                            *rest, **kwargs)
    else:
        expected = getattr(ops, name)(x, *rest, **kwargs)
    ours, expected = (v if isinstance(v, (tuple, list)) else [v] for v in (ours, expected))
    for a, b in zip(ours, expected, strict=True):
        want = tuple(b.shape) if keras_shape else (None,) + tuple(b.shape)[1:]
        assert tuple(a.shape) == want, f"{name}: symbolic {tuple(a.shape)} != {want}"


X2 = normal(3, 4, scale=2.0)
X3 = normal(2, 3, 4, scale=2.0)
I32 = RNG.integers(-4, 5, (3, 4)).astype("int32")

ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("sigmoid", {}), ("sparse_sigmoid", {}), ("softplus", {}),
    ("softsign", {}), ("soft_shrink", {}), ("soft_shrink", {"threshold": 1.0}),
    ("sparse_plus", {}), ("silu", {}), ("swish", {}), ("squareplus", {}),
    ("squareplus", {"b": 2}), ("log_sigmoid", {}), ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.5}), ("hard_sigmoid", {}), ("hard_silu", {}),
    ("hard_swish", {}), ("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("gelu", {}),
    ("gelu", {"approximate": False}), ("celu", {}), ("celu", {"alpha": 2.0}),
    ("tanh_shrink", {}), ("hard_tanh", {}), ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.0}), ("threshold", {"threshold": 0.3, "default_value": -1.0}),
]


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=lambda v: str(v))
@pytest.mark.parametrize("x", [X2, X3], ids=["rank2", "rank3"])
def test_activations_match_keras(name, kwargs, x):
    check_op(name, x, **kwargs)


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=lambda v: str(v))
def test_activations_on_ints_match_keras_or_fail_with_it(name, kwargs):
    check_op_or_both_raise(name, I32, **kwargs)


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS[::3] + [("softmax", {}),
                                                           ("log_softmax", {})],
                         ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ["float16", "float64", "int8", "bool"])
def test_activations_on_other_dtypes_match_keras_or_fail_with_it(name, kwargs, dtype):
    x = X2 > 0 if dtype == "bool" else X2.astype(dtype)
    tolerance = {"rtol": 1e-3, "atol": 1e-3} if dtype == "float16" else {}
    check_op_or_both_raise(name, x, **kwargs, **tolerance, symbolic=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "sparsemax", "glu"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("x", [normal(2, 4, 6), normal(4, 6)], ids=["rank3", "rank2"])
def test_axis_activations_match_keras(name, axis, x):
    check_op(name, x, axis=axis, batch_none=axis != 0)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [None, (1, 2), (0, 2)])
def test_softmax_over_several_axes_matches_keras(name, axis):
    check_op(name, normal(2, 3, 4), axis=axis, batch_none=axis is None)


# ---------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("name", ["max_pool", "average_pool"])
@pytest.mark.parametrize("shape,pool,strides", [
    ((2, 9, 3), 2, None), ((2, 9, 3), 3, 2), ((2, 7, 6, 3), (2, 3), (2, 1)),
    ((2, 5, 6, 4, 2), 2, 1),
])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_matches_keras(name, shape, pool, strides, padding, data_format):
    check_op(name, normal(*shape), pool, strides=strides, padding=padding,
             data_format=data_format)


@pytest.mark.parametrize("name", ["adaptive_average_pool", "adaptive_max_pool"])
@pytest.mark.parametrize("shape,size", [((2, 9, 3), 4), ((2, 7, 6, 3), (3, 2)),
                                        ((1, 5, 6, 4, 2), 2)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_adaptive_pooling_matches_keras(name, shape, size, data_format):
    x = normal(*shape)
    check_op(name, x, size, data_format=data_format, symbolic=False)
    # Keras 3.15's AdaptivePool.compute_output_spec keeps a spatial axis too many for
    # channels_last and fails on an int size: there, sloi must give the eager shapes
    keras_right = data_format == "channels_first" and not isinstance(size, int)
    check_symbolic_batch(name, x, size, data_format=data_format, keras_shape=keras_right)


# ---------------------------------------------------------------------------- convolutions
# Convolutions sum kernel-size * channels products in an order that oneDNN picks per layout
# (sloi hands it channels-last views, Keras channels-first copies): 1e-5 relative.
CONV_TOL = {"rtol": 1e-5, "atol": 1e-5}


def conv_input(x_shape, data_format):
    """Random inputs, ``x_shape`` given channels-last, moved to ``data_format``."""
    x = normal(*x_shape)
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x


@pytest.mark.parametrize("x_shape,k_shape,strides,dilation", [
    ((2, 10, 3), (3, 3, 4), 1, 1), ((2, 10, 4), (3, 2, 6), 2, 1), ((2, 11, 3), (3, 3, 2), 1, 2),
    ((2, 8, 7, 3), (3, 2, 3, 5), (2, 1), 1), ((2, 8, 7, 4), (3, 3, 1, 4), 1, (2, 1)),
    ((1, 5, 6, 4, 2), (2, 3, 2, 2, 3), 1, 1),
])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_matches_keras(x_shape, k_shape, strides, dilation, padding, data_format):
    if padding == "same" and strides != 1 and dilation != 1:
        pytest.skip("strides and dilation together")
    x = conv_input(x_shape, data_format)
    kernel = normal(*k_shape)
    kwargs = {"strides": strides, "padding": padding, "data_format": data_format,
              "dilation_rate": dilation}
    check_op("conv", x, kernel, **kwargs, **CONV_TOL, symbolic=False)
    # Keras 3.15's Conv.compute_output_spec refuses grouped kernels that its eager conv takes
    grouped = x.shape[-1 if data_format == "channels_last" else 1] != kernel.shape[-2]
    check_symbolic_batch("conv", x, kernel, **kwargs, keras_shape=not grouped)


@pytest.mark.parametrize("x_shape,k_shape,strides", [
    ((2, 10, 3), (3, 3, 2), 1), ((2, 8, 7, 3), (3, 2, 3, 2), (2, 1)),
    ((1, 5, 6, 4, 2), (2, 2, 2, 2, 1), 1),
])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_and_separable_conv_match_keras(x_shape, k_shape, strides, padding,
                                                  data_format):
    x = conv_input(x_shape, data_format)
    depthwise = normal(*k_shape)
    rank = len(x_shape) - 2
    pointwise = normal(*(1,) * rank, k_shape[-2] * k_shape[-1], 4)
    kwargs = {"strides": strides, "padding": padding, "data_format": data_format}
    check_op("depthwise_conv", x, depthwise, **kwargs, **CONV_TOL, symbolic=False)
    check_op("separable_conv", x, depthwise, pointwise, **kwargs, **CONV_TOL, symbolic=False)
    check_symbolic_batch("depthwise_conv", x, depthwise, **kwargs)
    check_symbolic_batch("separable_conv", x, depthwise, pointwise, **kwargs)


@pytest.mark.parametrize("x_shape,k_shape,strides,output_padding", [
    ((2, 5, 3), (3, 4, 3), 1, None), ((2, 5, 3), (3, 4, 3), 2, None), ((2, 5, 3), (3, 2, 3), 2, 1),
    ((2, 4, 5, 3), (3, 2, 4, 3), (2, 1), None), ((2, 4, 5, 2), (2, 2, 3, 2), 3, None),
    ((1, 3, 4, 2, 2), (2, 3, 2, 3, 2), 2, None),
])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_transpose_matches_keras(x_shape, k_shape, strides, output_padding, padding,
                                      data_format):
    x = conv_input(x_shape, data_format)
    kernel = normal(*k_shape)
    kwargs = {"strides": strides, "padding": padding, "output_padding": output_padding,
              "data_format": data_format}
    check_op("conv_transpose", x, kernel, **kwargs, **CONV_TOL, symbolic=False)
    check_symbolic_batch("conv_transpose", x, kernel, **kwargs)


def test_conv_refuses_channels_that_do_not_fit_the_kernel():
    with pytest.raises(ValueError, match=r"conv: the input channels \(3\) must be a multiple"):
        ops.conv(normal(2, 5, 3), normal(3, 2, 4))


# ---------------------------------------------------------------------------- encodings
LABELS = RNG.integers(-1, 5, (3, 4)).astype("int32")


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("dtype", [None, "int32", "float32"])
def test_one_hot_matches_keras(axis, dtype):
    check_op("one_hot", LABELS, 5, axis=axis, dtype=dtype)


@pytest.mark.parametrize("x", [LABELS, LABELS[0]], ids=["rank2", "rank1"])
@pytest.mark.parametrize("dtype", [None, "int32"])
def test_multi_hot_matches_keras(x, dtype):
    check_op("multi_hot", x, 5, dtype=dtype, batch_none=x.ndim > 1)


# ---------------------------------------------------------------------------- losses
def probabilities(*shape, axis=-1):
    e = np.exp(normal(*shape))
    return (e / e.sum(axis=axis, keepdims=True)).astype("float32")


@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 3, 4)])
@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_crossentropy_matches_keras(shape, from_logits):
    target = RNG.integers(0, 2, shape).astype("float32")
    output = normal(*shape) if from_logits else RNG.uniform(0, 1, shape).astype("float32")
    check_op("binary_crossentropy", target, output, from_logits=from_logits,
             batch_none=len(shape) > 1)


@pytest.mark.parametrize("shape,axis", [((5,), -1), ((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1)])
@pytest.mark.parametrize("from_logits", [False, True])
def test_categorical_crossentropies_match_keras(shape, axis, from_logits):
    output = normal(*shape) if from_logits else probabilities(*shape, axis=axis)
    labels = RNG.integers(0, shape[axis], shape[:axis % len(shape)] + shape[axis % len(shape)
                                                                            + 1:])
    target = np.moveaxis(np.eye(shape[axis], dtype="float32")[labels], -1, axis)
    symbolic = len(shape) > 1 and axis % len(shape) != 0
    # Keras 3.15's CategoricalCrossentropy.compute_output_spec drops the last axis whatever
    # `axis` is; sloi's symbolic shape is the eager one
    check_op("categorical_crossentropy", np.ascontiguousarray(target), output,
             from_logits=from_logits, axis=axis, symbolic=symbolic and axis == -1)
    if symbolic and axis != -1:
        out = ops.categorical_crossentropy(SymbolicTensor((None,) + shape[1:]),
                                           SymbolicTensor((None,) + shape[1:]),
                                           from_logits=from_logits, axis=axis)
        assert tuple(out.shape) == (None,) + tuple(np.delete(shape, axis))[1:]
    check_op("sparse_categorical_crossentropy", labels.astype("int32"), output,
             from_logits=from_logits, axis=axis, symbolic=symbolic)


def test_sparse_categorical_crossentropy_takes_labels_with_a_trailing_one():
    check_op("sparse_categorical_crossentropy", RNG.integers(0, 5, (3, 1)).astype("int32"),
             normal(3, 5), from_logits=True)


def test_losses_refuse_shapes_that_differ():
    with pytest.raises(ValueError, match=r"binary_crossentropy: .*target \(3, 4\), output "
                                         r"\(3, 5\)"):
        ops.binary_crossentropy(np.zeros((3, 4), "float32"), np.zeros((3, 5), "float32"))


# ---------------------------------------------------------------------------- CTC
def ctc_batch(batch=3, steps=12, classes=6, max_label=4, blank=0):
    logits = normal(batch, steps, classes)
    labels_range = [c for c in range(classes) if c != blank]
    target = RNG.choice(labels_range, (batch, max_label)).astype("int32")
    target_length = RNG.integers(1, max_label + 1, batch).astype("int32")
    for i, n in enumerate(target_length):
        target[i, n:] = blank  # padding past the length, as Keras's users give it
    output_length = RNG.integers(steps - 3, steps + 1, batch).astype("int32")
    return target, logits, target_length, output_length


@pytest.mark.parametrize("blank", [0, 5])
@pytest.mark.parametrize("steps,classes", [(12, 6), (7, 4)])
def test_ctc_loss_matches_keras(blank, steps, classes):
    target, logits, target_length, output_length = ctc_batch(steps=steps, classes=classes,
                                                             blank=min(blank, classes - 1))
    check_op("ctc_loss", target, logits, target_length, output_length,
             mask_index=min(blank, classes - 1), rtol=1e-5)


def test_ctc_loss_gradients_match_keras():
    target, logits, target_length, output_length = ctc_batch()
    ours = torch.tensor(logits, requires_grad=True)
    theirs = torch.tensor(logits, requires_grad=True)
    loss = ops.ctc_loss(torch.from_numpy(target), ours, torch.from_numpy(target_length),
                        torch.from_numpy(output_length))
    keras_loss = keras.ops.ctc_loss(torch.from_numpy(target), theirs,
                                    torch.from_numpy(target_length),
                                    torch.from_numpy(output_length))
    weights = torch.arange(1.0, 4.0)
    (loss * weights).sum().backward()
    (keras_loss * weights).sum().backward()
    assert ours.grad.abs().sum() > 0
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("merge_repeated", [True, False])
@pytest.mark.parametrize("mask_index", [0, 3, None])
def test_ctc_greedy_decode_matches_keras(merge_repeated, mask_index):
    # few classes, so that repeats and blanks happen
    _, logits, _, lengths = ctc_batch(batch=4, steps=10, classes=4)
    check_op("ctc_decode", logits, lengths, strategy="greedy", merge_repeated=merge_repeated,
             mask_index=mask_index)


@pytest.mark.parametrize("beam_width,top_paths", [(1, 1), (4, 2), (10, 3), (100, 2)])
@pytest.mark.parametrize("mask_index", [0, 4])
def test_ctc_beam_search_decode_matches_keras(beam_width, top_paths, mask_index):
    _, logits, _, lengths = ctc_batch(batch=3, steps=9, classes=5)
    check_op("ctc_decode", logits * 2, lengths, strategy="beam_search", beam_width=beam_width,
             top_paths=top_paths, mask_index=mask_index, rtol=1e-5, symbolic=False)


def test_ctc_beam_search_with_a_wide_beam_scores_each_path_by_its_exact_probability():
    # a beam wider than the number of prefixes drops nothing: each path's score is then
    # log P(path | inputs), summed over all alignments, which is -ctc_loss of the path
    _, logits, _, _ = ctc_batch(batch=2, steps=5, classes=3)
    lengths = np.array([5, 4], "int32")
    paths, scores = ops.ctc_decode(logits, lengths, strategy="beam_search", beam_width=100,
                                   top_paths=4)
    for b in range(2):
        for k in range(4):
            path = paths[k, b][paths[k, b] >= 0]
            loss = ops.ctc_loss(path[None].numpy(), logits[b:b + 1], np.array([len(path)]),
                                lengths[b:b + 1])
            np.testing.assert_allclose(scores[b, k].item(), -loss.item(), rtol=1e-5)
    assert (scores[:, :-1] >= scores[:, 1:]).all()


def test_ctc_decode_symbolic_shapes_match_keras():
    _, logits, _, lengths = ctc_batch(batch=2, steps=5, classes=4)
    check_op("ctc_decode", logits, lengths, strategy="beam_search", beam_width=3, top_paths=2,
             batch_none=False)


# ---------------------------------------------------------------------------- normalization
@pytest.mark.parametrize("axes", [[0], [1], [0, 2], [-1]])
@pytest.mark.parametrize("keepdims", [False, True])
def test_moments_match_keras(axes, keepdims):
    check_op("moments", normal(3, 4, 5) + 2, axes, keepdims=keepdims, rtol=1e-5, atol=1e-6,
             batch_none=0 not in axes)


@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("with_offset_scale", [False, True])
def test_batch_normalization_matches_keras(axis, with_offset_scale):
    x = normal(3, 4, 4)
    n = x.shape[axis]
    extra = {"offset": normal(n), "scale": normal(n)} if with_offset_scale else {}
    check_op("batch_normalization", x, normal(n), np.abs(normal(n)) + 0.1, axis, epsilon=1e-3,
             **extra, symbolic=False)


@pytest.mark.parametrize("axis", [-1, (1, 2), [0, 2]])
@pytest.mark.parametrize("affine", [False, True])
def test_layer_normalization_matches_keras(axis, affine):
    x = normal(3, 4, 5) * 3 + 1
    shape = tuple(x.shape[a] for a in (axis if isinstance(axis, (tuple, list)) else [axis]))
    extra = {"gamma": normal(*shape), "beta": normal(*shape)} if affine else {}
    check_op("layer_normalization", x, axis=axis, **extra, rtol=1e-5, atol=1e-5,
             batch_none=0 not in (axis if isinstance(axis, list) else [axis]))


def test_layer_normalization_over_an_axis_that_is_not_last_follows_the_formula():
    # Keras 3.15 on torch hands any contiguous axes to F.layer_norm, which normalizes the
    # *trailing* axes: for axis=1 of a (3, 4, 4) tensor it silently normalizes axis 2. sloi
    # normalizes the axis asked for, checked against the formula written out
    x = normal(3, 4, 4) * 2 + 1
    gamma, beta = normal(4), normal(4)
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-3) * gamma[:, None] + beta[:, None]
    np.testing.assert_allclose(ops.layer_normalization(x, gamma, beta, axis=1,
                                                       epsilon=1e-3).numpy(),
                               expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("axis", [-1, (1, 2), (0, 2)])
@pytest.mark.parametrize("with_scale", [False, True])
def test_rms_normalization_matches_keras(axis, with_scale):
    x = normal(3, 4, 5) * 3
    shape = tuple(x.shape[a] for a in (axis if isinstance(axis, tuple) else [axis]))
    if with_scale and axis == (0, 2):
        # Keras 3.15 broadcasts the scale from the right, which fails for these axes: sloi
        # places it on the normalized axes, checked against the formula written out
        scale = normal(*shape)
        rms = np.sqrt(np.mean(x.astype("float64") ** 2, axis=axis, keepdims=True) + 1e-5)
        np.testing.assert_allclose(ops.rms_normalization(x, scale, axis, 1e-5).numpy(),
                                   x / rms * scale[:, None, :], rtol=1e-5)
        return
    check_op("rms_normalization", x, scale=normal(*shape) if with_scale else None, axis=axis,
             epsilon=1e-5, rtol=1e-5, atol=1e-6, batch_none=axis != (0, 2))


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("axis", [-1, 0])
def test_normalize_matches_keras(order, axis):
    x = normal(3, 4)
    x[1] = 0.0  # a zero row: the epsilon guard
    check_op("normalize", x, axis=axis, order=order, rtol=1e-5, symbolic=axis != 0)


# ---------------------------------------------------------------------------- the rest
def test_polar_and_psnr_match_keras():
    check_op("polar", np.abs(normal(3, 4)), normal(3, 4))
    check_op("psnr", RNG.uniform(0, 1, (2, 8, 8, 3)).astype("float32"),
             RNG.uniform(0, 1, (2, 8, 8, 3)).astype("float32"), 1.0, rtol=1e-5)


@pytest.mark.parametrize("case", ["plain", "causal", "mask", "mask_causal", "bias", "scale",
                                  "gqa"])
def test_dot_product_attention_matches_keras(case):
    q, k, v = normal(2, 5, 4, 8), normal(2, 6, 4, 8), normal(2, 6, 4, 8)
    kwargs = {}
    if case in ("causal", "mask_causal"):
        kwargs["is_causal"] = True
    if case in ("mask", "mask_causal"):
        kwargs["mask"] = RNG.integers(0, 2, (2, 4, 5, 6)).astype(bool) | np.eye(5, 6, dtype=bool)
    if case == "bias":
        kwargs["bias"] = normal(2, 4, 5, 6)
    if case == "scale":
        kwargs["scale"] = 0.5
    if case == "gqa":
        k, v = normal(2, 6, 2, 8), normal(2, 6, 2, 8)
    check_op("dot_product_attention", q, k, v, **kwargs, rtol=1e-5, atol=1e-6,
             symbolic=case in ("plain", "causal", "gqa"))


def test_dot_product_attention_refuses_what_torch_cannot_do():
    q = normal(1, 2, 1, 4)
    with pytest.raises(ValueError, match="attn_logits_soft_cap"):
        ops.dot_product_attention(q, q, q, attn_logits_soft_cap=1.0)


@pytest.mark.parametrize("kernel_size,dilation,padding,stride", [
    (2, 1, 0, 1), ((2, 3), 1, 1, 2), (3, 2, (1, 0), (1, 2))])
def test_unfold_and_fold_match_keras(kernel_size, dilation, padding, stride):
    x = normal(2, 3, 7, 8)
    kwargs = {"dilation": dilation, "padding": padding, "stride": stride}
    # Keras's torch unfold / fold take tensors only (they read x.shape)
    cols = check_op("unfold", torch.from_numpy(x), kernel_size, **kwargs, symbolic=False)
    check_symbolic("unfold", x, kernel_size, **kwargs)
    check_op("fold", cols, (7, 8), kernel_size, **kwargs, symbolic=False)
    check_symbolic("fold", cols.numpy(), (7, 8), kernel_size, **kwargs)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("block_size", [2, 3])
def test_depth_to_space_and_back_match_keras(data_format, block_size):
    shape = (2, 3, 4, 2 * block_size**2) if data_format == "channels_last" else (
        2, 2 * block_size**2, 3, 4)
    x = normal(*shape)
    y = check_op("depth_to_space", x, block_size, data_format=data_format)
    back = check_op("space_to_depth", y.numpy(), block_size, data_format=data_format)
    np.testing.assert_array_equal(back.numpy(), x)


# ---------------------------------------------------------------------------- graphs
def test_nn_ops_in_a_functional_model_equal_the_eager_computation():
    inputs = sloi.Input((5, 6))
    dense = sloi.layers.Dense(6)
    h = dense(inputs)
    probs = ops.softmax(h, axis=-1)
    scores = ops.logsumexp(h, axis=1) + ops.relu(probs)[:, 0]
    model = sloi.Model(inputs, [probs, scores])
    data = normal(4, 5, 6)
    t = torch.from_numpy(data)
    with torch.no_grad():
        hidden = dense(t)
        expected_probs = torch.softmax(hidden, -1)
        expected_scores = torch.logsumexp(hidden, 1) + torch.relu(expected_probs)[:, 0]
    got_probs, got_scores = model.predict(data, verbose=0)
    np.testing.assert_allclose(got_probs, expected_probs.numpy(), rtol=1e-6)
    np.testing.assert_allclose(got_scores, expected_scores.numpy(), rtol=1e-6)
    assert tuple(scores.shape) == (None, 6)


def test_op_nodes_carry_keras_class_names():
    inputs = sloi.Input((4, 6))
    lengths = sloi.Input((), dtype="int32")
    out = ops.layer_normalization(ops.softmax(inputs), epsilon=1e-3)
    paths, scores = ops.ctc_decode(out, lengths)
    assert tuple(paths.shape) == (1, None, 4) and tuple(scores.shape) == (None, 1)
    model = sloi.Model([inputs, lengths], scores)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    for name in ("(Softmax)", "(LayerNorm)", "(CTCDecode)"):
        assert name in text


def test_a_model_of_nn_and_math_ops_survives_its_config():
    inputs = sloi.Input((4, 6))
    lengths = sloi.Input((), dtype="int32")
    h = ops.layer_normalization(ops.softmax(inputs, axis=1), epsilon=1e-3)
    _, scores = ops.ctc_decode(h, lengths, strategy="beam_search", beam_width=3)
    model = sloi.Model([inputs, lengths], [scores, ops.logsumexp(h, axis=-1)])
    config = model.get_config()
    assert [layer["class_name"] for layer in config["layers"]] == [
        "InputLayer", "Softmax", "LayerNorm", "InputLayer", "CTCDecode", "Logsumexp"]
    rebuilt = sloi.Model.from_config(config)
    data = [normal(2, 4, 6), np.array([4, 3], "int32")]
    for a, b in zip(model.predict(data, verbose=0), rebuilt.predict(data, verbose=0),
                    strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_keras_model_of_these_ops_loads_from_its_json_and_agrees():
    K = keras.ops
    inputs, lengths = keras.Input((4, 6)), keras.Input((), dtype="int32")
    h = K.layer_normalization(K.softmax(inputs, axis=1), epsilon=1e-3)
    _, scores = K.ctc_decode(h, lengths, strategy="beam_search", beam_width=3)
    y = K.logsumexp(h, axis=-1)
    outputs = [scores, y, K.top_k(y, 2)[0],
               K.gelu(K.max_pool(inputs, 2, padding="same"), approximate=False),
               K.one_hot(lengths, 5), K.rms_normalization(inputs, axis=(1, 2)),
               K.segment_sum(inputs, lengths, num_segments=3), K.stft(inputs, 4, 2, 4)[0],
               K.moments(inputs, axes=[1])[1]]
    model = keras.Model([inputs, lengths], outputs)
    ours = sloi.models.model_from_json(model.to_json())
    data = [normal(3, 4, 6), np.array([4, 3, 2], "int32")]
    for a, b in zip(ours.predict(data, verbose=0), model.predict(data, verbose=0),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
