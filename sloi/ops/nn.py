"""``keras.ops.nn``: activations, convolutions and pooling, normalizations, losses, CTC and
attention, on torch tensors.

Each op follows Keras 3 on its torch backend: the same arguments, dtypes and numbers. The
element-wise activations are the functions of ``sloi.activations`` (one definition of the
math), behind Keras's conversion of inputs; convolutions and pooling run on the channels-last
kernels of ``sloi.kernels``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from sloi import activations
from sloi.engine.operation import keras_op
from sloi.kernels import conv as conv_kernels
from sloi.kernels import pooling
from sloi.ops.op_inputs import axes as _axes
from sloi.ops.op_inputs import convert_to_tensor, result_type, standardize_dtype
from sloi.settings import epsilon as backend_epsilon

__all__ = [
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
    "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention",
    "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax", "max_pool",
    "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu", "relu6",
    "rms_normalization", "selu", "separable_conv", "sigmoid", "silu", "soft_shrink", "softmax",
    "softplus", "softsign", "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus",
    "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh_shrink", "threshold", "unfold",
]



# ============================================================================ activations
@keras_op(module="nn")
def relu(x):
    """Rectified linear unit: ``max(x, 0)``."""
    return activations.relu(convert_to_tensor(x))


@keras_op(module="nn")
def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``."""
    return activations.relu6(convert_to_tensor(x))


@keras_op(module="nn")
def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""
    return activations.sigmoid(convert_to_tensor(x))


@keras_op(module="nn")
def sparse_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -1, ``(x + 1) / 2`` between, 1 above 1."""
    return activations.sparse_sigmoid(convert_to_tensor(x))


@keras_op(module="nn")
def softplus(x):
    """``log(exp(x) + 1)``."""
    return activations.softplus(convert_to_tensor(x))


@keras_op(module="nn")
def softsign(x):
    """``x / (|x| + 1)``."""
    return activations.softsign(convert_to_tensor(x))


@keras_op(module="nn")
def soft_shrink(x, threshold=0.5):
    """Shrinks ``x`` towards 0 by ``threshold``; 0 inside ``[-threshold, threshold]``."""
    return activations.soft_shrink(convert_to_tensor(x), threshold)


@keras_op(module="nn")
def sparse_plus(x):
    """Smooth ReLU: 0 below -1, ``(x + 1)**2 / 4`` between, ``x`` above 1."""
    return activations.sparse_plus(convert_to_tensor(x))


@keras_op(module="nn")
def silu(x):
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``."""
    return activations.silu(convert_to_tensor(x))


swish = silu  # one op under two names, as in Keras


@keras_op(module="nn")
def squareplus(x, b=4):
    """Smooth ReLU ``(x + sqrt(x**2 + b)) / 2``."""
    return activations.squareplus(convert_to_tensor(x), b)


@keras_op(module="nn")
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return activations.log_sigmoid(convert_to_tensor(x))


@keras_op(module="nn")
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below."""
    return activations.leaky_relu(convert_to_tensor(x), negative_slope)


@keras_op(module="nn")
def hard_sigmoid(x):
    """Piecewise-linear sigmoid ``relu6(x + 3) / 6``."""
    return activations.hard_sigmoid(convert_to_tensor(x))


@keras_op(module="nn")
def hard_silu(x):
    """Hard swish: ``x * relu6(x + 3) / 6``."""
    return activations.hard_silu(convert_to_tensor(x))


hard_swish = hard_silu  # one op under two names, as in Keras


@keras_op(module="nn")
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` above 0, ``alpha * (exp(x) - 1)`` below."""
    return activations.elu(convert_to_tensor(x), alpha)


@keras_op(module="nn")
def selu(x):
    """Scaled ELU with the self-normalizing constants of Klambauer et al. (2017)."""
    return activations.selu(convert_to_tensor(x))


@keras_op(module="nn")
def gelu(x, approximate=True):
    """Gaussian error linear unit ``x * P(X <= x)``, by default its tanh approximation."""
    return activations.gelu(convert_to_tensor(x), approximate)


@keras_op(module="nn")
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``x`` above 0, ``alpha * (exp(x / alpha) - 1)``
    below."""
    return activations.celu(convert_to_tensor(x), alpha)


@keras_op(module="nn")
def glu(x, axis=-1):
    """Gated linear unit: ``x`` split in halves ``a, b`` along ``axis``, ``a * sigmoid(b)``."""
    return activations.glu(convert_to_tensor(x), axis)


@keras_op(module="nn")
def tanh_shrink(x):
    """``x - tanh(x)``."""
    return activations.tanh_shrink(convert_to_tensor(x))


@keras_op(module="nn")
def hard_tanh(x):
    """``x`` clipped to ``[-1, 1]``."""
    return activations.hard_tanh(convert_to_tensor(x))


@keras_op(module="nn")
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, 0 elsewhere."""
    return activations.hard_shrink(convert_to_tensor(x), threshold)


@keras_op(module="nn")
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, ``default_value`` elsewhere."""
    return activations.threshold(convert_to_tensor(x), threshold, default_value)


@keras_op(module="nn")
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int, a tuple of ints, or None: all axes
    form one distribution)."""
    x = convert_to_tensor(x)
    return activations.softmax(_half_on_cpu(x), axis).to(x.dtype)


@keras_op(module="nn")
def log_softmax(x, axis=-1):
    """``log(softmax(x))`` along ``axis``, computed stably."""
    x = convert_to_tensor(x)
    return activations.log_softmax(_half_on_cpu(x), axis).to(x.dtype)


def _half_on_cpu(x):
    # torch has no float16 softmax on the CPU: Keras computes it in float32 and casts back
    return x.float() if x.dtype == torch.float16 and x.device.type == "cpu" else x


@keras_op(module="nn")
def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``: a softmax
    whose small entries are exactly 0 (Martins & Astudillo, 2016)."""
    return activations.sparsemax(convert_to_tensor(x), axis)


# ============================================================================ pooling
def _data_format(data_format):
    return conv_kernels.normalize_data_format(data_format)


def _spatial_input(op: str, x, data_format) -> torch.Tensor:
    x = convert_to_tensor(x)
    if x.dim() not in (3, 4, 5):
        raise ValueError(
            f"{op}: `inputs` must have rank 3, 4 or 5, "
            f"{conv_kernels.describe_layout(1, data_format)} to "
            f"{conv_kernels.describe_layout(3, data_format)}; got shape {tuple(x.shape)}"
        )
    return x


@keras_op(module="nn")
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Maximum over each ``pool_size`` window, moved by ``strides`` (``pool_size`` if None),
    over 1, 2 or 3 spatial axes."""
    data_format = _data_format(data_format)
    x = _spatial_input("max_pool", inputs, data_format)
    rank = x.dim() - 2
    pool_size = conv_kernels.normalize_tuple(pool_size, rank, "pool_size")
    strides = None if strides is None else conv_kernels.normalize_tuple(strides, rank, "strides")
    return pooling.max_pool(x, pool_size, strides, conv_kernels.normalize_padding(padding),
                            data_format)


@keras_op(module="nn")
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over each ``pool_size`` window, moved by ``strides`` (``pool_size`` if None), over
    1, 2 or 3 spatial axes; "same" padding counted as Keras on torch counts it."""
    data_format = _data_format(data_format)
    x = _spatial_input("average_pool", inputs, data_format)
    rank = x.dim() - 2
    pool_size = conv_kernels.normalize_tuple(pool_size, rank, "pool_size")
    strides = None if strides is None else conv_kernels.normalize_tuple(strides, rank, "strides")
    return pooling.average_pool(x, pool_size, strides, conv_kernels.normalize_padding(padding),
                                data_format)


_ADAPTIVE_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
_ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}


def _adaptive(op: str, table, inputs, output_size, data_format):
    data_format = _data_format(data_format)
    x = _spatial_input(op, inputs, data_format)
    rank = x.dim() - 2
    output_size = conv_kernels.normalize_tuple(output_size, rank, "output_size")
    channels_last = data_format == "channels_last"
    y = table[rank](conv_kernels.to_channels_first(x) if channels_last else x, output_size)
    return conv_kernels.to_channels_last(y) if channels_last else y


@keras_op(module="nn")
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed ``output_size``: output cell ``i`` of an axis of length
    ``n`` averages inputs ``floor(i * n / out)`` to ``ceil((i + 1) * n / out)``."""
    return _adaptive("adaptive_average_pool", _ADAPTIVE_AVG, inputs, output_size, data_format)


@keras_op(module="nn")
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed ``output_size`` (the windows of ``adaptive_average_pool``)."""
    return _adaptive("adaptive_max_pool", _ADAPTIVE_MAX, inputs, output_size, data_format)


# ============================================================================ convolutions
def _conv_inputs(op: str, inputs, kernel, data_format):
    x = _spatial_input(op, inputs, data_format)
    kernel = convert_to_tensor(kernel)
    if kernel.dim() != x.dim():
        raise ValueError(
            f"{op}: `kernel` must have the rank of `inputs` ({x.dim()}): (*kernel_size, "
            f"in_channels, out_channels); got inputs {tuple(x.shape)}, kernel "
            f"{tuple(kernel.shape)}"
        )
    return x, kernel


def _channels(x, data_format) -> int:
    return x.shape[conv_kernels.channel_axis(data_format)]


@keras_op(module="nn")
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1 to 3 spatial axes) of ``inputs`` with ``kernel`` of shape
    ``(*kernel_size, in_channels // groups, filters)``; groups = in_channels / kernel's."""
    data_format = _data_format(data_format)
    x, kernel = _conv_inputs("conv", inputs, kernel, data_format)
    rank = x.dim() - 2
    if _channels(x, data_format) % kernel.shape[-2]:
        raise ValueError(
            f"conv: the input channels ({_channels(x, data_format)}) must be a multiple of "
            f"the kernel's input channels ({kernel.shape[-2]}); got inputs {tuple(x.shape)}, "
            f"kernel {tuple(kernel.shape)}"
        )
    return conv_kernels.conv(
        x, kernel, None, conv_kernels.normalize_tuple(strides, rank, "strides"),
        conv_kernels.normalize_padding(padding),
        conv_kernels.normalize_tuple(dilation_rate, rank, "dilation_rate"), data_format)


def _check_depthwise(op, x, kernel, data_format):
    if _channels(x, data_format) != kernel.shape[-2]:
        raise ValueError(
            f"{op}: the input channels ({_channels(x, data_format)}) must equal the "
            f"depthwise kernel's input channels ({kernel.shape[-2]}); got inputs "
            f"{tuple(x.shape)}, kernel {tuple(kernel.shape)}"
        )


@keras_op(module="nn")
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each input channel convolved on its own by ``kernel`` of shape ``(*kernel_size,
    in_channels, depth_multiplier)``; output channel ``c * depth_multiplier + m``."""
    data_format = _data_format(data_format)
    x, kernel = _conv_inputs("depthwise_conv", inputs, kernel, data_format)
    _check_depthwise("depthwise_conv", x, kernel, data_format)
    rank = x.dim() - 2
    return conv_kernels.conv(
        x, conv_kernels.depthwise_kernel_to_grouped(kernel), None,
        conv_kernels.normalize_tuple(strides, rank, "strides"),
        conv_kernels.normalize_padding(padding),
        conv_kernels.normalize_tuple(dilation_rate, rank, "dilation_rate"), data_format)


@keras_op(module="nn")
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1x1) one with ``pointwise_kernel``
    ``(1, ..., 1, in_channels * depth_multiplier, filters)``."""
    data_format = _data_format(data_format)
    x, depthwise_kernel = _conv_inputs("separable_conv", inputs, depthwise_kernel, data_format)
    _check_depthwise("separable_conv", x, depthwise_kernel, data_format)
    rank = x.dim() - 2
    return conv_kernels.separable_conv(
        x, depthwise_kernel, convert_to_tensor(pointwise_kernel), None,
        conv_kernels.normalize_tuple(strides, rank, "strides"),
        conv_kernels.normalize_padding(padding),
        conv_kernels.normalize_tuple(dilation_rate, rank, "dilation_rate"), data_format)


@keras_op(module="nn")
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of ``conv``), ``kernel`` of shape
    ``(*kernel_size, filters, in_channels)``; output lengths as Keras computes them."""
    data_format = _data_format(data_format)
    x, kernel = _conv_inputs("conv_transpose", inputs, kernel, data_format)
    if _channels(x, data_format) != kernel.shape[-1]:
        raise ValueError(
            f"conv_transpose: the input channels ({_channels(x, data_format)}) must equal the "
            f"kernel's last axis ({kernel.shape[-1]}); got inputs {tuple(x.shape)}, kernel "
            f"{tuple(kernel.shape)}"
        )
    rank = x.dim() - 2
    if output_padding is not None:
        output_padding = conv_kernels.normalize_tuple(output_padding, rank, "output_padding",
                                                      allow_zero=True)
    return conv_kernels.conv_transpose(
        x, kernel, None, conv_kernels.normalize_tuple(strides, rank, "strides"),
        conv_kernels.normalize_padding(padding), output_padding,
        conv_kernels.normalize_tuple(dilation_rate, rank, "dilation_rate"), data_format)


# ============================================================================ encodings
@keras_op(module="nn")
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer labels ``x`` as one-hot vectors of length ``num_classes`` on a new axis
    ``axis``; negative labels give all-zero vectors. ``dtype`` defaults to float32."""
    if sparse:
        raise ValueError("one_hot: `sparse=True` is not supported on torch")
    x = convert_to_tensor(x).long()
    # F.one_hot rejects negative labels: encode max(x, 0), then blank the negative ones
    encoded = F.one_hot(x.clamp(min=0), num_classes) * (x >= 0).unsqueeze(-1)
    encoded = encoded.to(standardize_dtype(dtype))
    return torch.movedim(encoded, -1, axis) if axis != -1 else encoded


@keras_op(module="nn")
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Each row of integer labels as one vector with 1 at every label present (a bag of
    labels); a 1-D ``inputs`` is one row."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)  # Keras 2's name
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` must be given")
    inputs = convert_to_tensor(inputs)
    # Keras reduces over axis 1 of the one-hot encoding (the labels of a row), 0 for 1-D
    row_axis = 1 if inputs.dim() > 1 else 0
    return torch.amax(one_hot(inputs.int(), num_classes, axis=axis, dtype=dtype, sparse=sparse),
                      dim=row_axis)


# ============================================================================ losses
def _same_shape(op: str, target, output):
    if target.shape != output.shape:
        raise ValueError(
            f"{op}: `target` and `output` must have the same shape; got target "
            f"{tuple(target.shape)}, output {tuple(output.shape)}"
        )


@keras_op(module="nn")
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise ``-(t * log(p) + (1 - t) * log(1 - p))``; ``output`` is probabilities
    (clipped to ``[eps, 1 - eps]``) or, with ``from_logits``, logits."""
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    _same_shape("binary_crossentropy", target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    output = torch.clip(output, backend_epsilon(), 1.0 - backend_epsilon())
    return F.binary_cross_entropy(output, target, reduction="none")


@keras_op(module="nn")
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``-sum(target * log(p))`` along ``axis``; ``output`` is scores summing to one along
    ``axis`` (renormalized and clipped) or, with ``from_logits``, logits."""
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    _same_shape("categorical_crossentropy", target, output)
    if target.dim() < 1:
        raise ValueError("categorical_crossentropy: `target` and `output` must be at least "
                         "rank 1; got scalars")
    return -torch.sum(target * _log_probabilities(output, axis, from_logits), dim=axis)


def _log_probabilities(output, axis, from_logits):
    if from_logits:
        return F.log_softmax(output, dim=axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    return torch.log(torch.clip(output, backend_epsilon(), 1.0 - backend_epsilon()))


@keras_op(module="nn")
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``categorical_crossentropy`` with integer class ``target`` instead of one-hot vectors:
    ``-log(p[target])``, the class axis of ``output`` being ``axis``."""
    target, output = convert_to_tensor(target).long(), convert_to_tensor(output)
    if output.dim() < 1:
        raise ValueError("sparse_categorical_crossentropy: `output` must be at least rank 1")
    if target.dim() == output.dim() and target.shape[axis] == 1:
        target = target.squeeze(axis)
    expected = list(output.shape)
    del expected[axis]
    if list(target.shape) != expected:
        raise ValueError(
            "sparse_categorical_crossentropy: `target` must have the shape of `output` "
            f"without its class axis; got target {tuple(target.shape)}, output "
            f"{tuple(output.shape)}"
        )
    # torch's losses want the classes on axis 1, and a batch
    squeeze = output.dim() == 1
    output = output.unsqueeze(0) if squeeze else torch.movedim(output, axis, 1)
    target = target.unsqueeze(0) if squeeze else target
    log_p = _log_probabilities(output, 1, from_logits)
    loss = F.nll_loss(log_p, target, reduction="none")
    return loss.squeeze(0) if squeeze else loss


# ============================================================================ CTC
@keras_op(module="nn", class_name="CTCLoss")
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss per sequence (Graves et al., 2006):
    ``-log P(target | output)`` summed over every alignment.

    Args:
        target: ``(batch, max_label_length)`` integer labels, padded past ``target_length``.
        output: ``(batch, max_time, num_classes)`` logits (a log-softmax is applied here).
        target_length: ``(batch,)`` label lengths.
        output_length: ``(batch,)`` numbers of valid time steps.
        mask_index: the class of the blank symbol.

    Returns ``(batch,)`` losses, float32 or wider.
    """
    target = convert_to_tensor(target)
    output = convert_to_tensor(output)
    output = output.to(result_type(output.dtype, torch.float32))
    log_probs = F.log_softmax(output.transpose(0, 1), dim=-1)  # torch wants time first
    return F.ctc_loss(log_probs, target.long(), convert_to_tensor(output_length).long(),
                      convert_to_tensor(target_length).long(), blank=mask_index,
                      reduction="none")


@keras_op(module="nn", class_name="CTCDecode")
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """The most likely label sequences of CTC outputs ``inputs (batch, max_time,
    num_classes)``.

    "greedy" takes the best class at every step, merges repeats (``merge_repeated``) and drops
    blanks (``mask_index``); "beam_search" keeps ``beam_width`` prefixes, each with the
    probability of ending in a blank and in a label, and returns the ``top_paths`` best.

    Returns ``(paths, scores)``: ``paths (top_paths, batch, max_time)`` int32, each sequence
    padded with -1; ``scores (batch, top_paths)``: for greedy, minus the sum of the chosen
    inputs; for beam search, the log-probability of each path.
    """
    inputs = convert_to_tensor(inputs)
    inputs = inputs.to(result_type(inputs.dtype, torch.float32))
    lengths = convert_to_tensor(sequence_lengths).int()
    if mask_index is None:
        mask_index = inputs.shape[-1] - 1
    if strategy == "greedy":
        return _greedy_decode(inputs, lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        return _beam_search_decode(inputs, lengths, beam_width, top_paths, mask_index)
    raise ValueError(
        f'ctc_decode: `strategy` must be "greedy" or "beam_search"; got {strategy!r}')


def _greedy_decode(inputs, lengths, merge_repeated, blank):
    batch, steps, _ = inputs.shape
    scores, best = inputs.max(dim=-1)
    best = best.int()
    past_end = torch.arange(steps, device=inputs.device) >= lengths[:, None]
    best = torch.where(past_end, blank, best)
    scores = torch.where(past_end, 0.0, scores)
    if merge_repeated:
        repeat = F.pad(best[:, 1:] == best[:, :-1], (1, 0))
        best = torch.where(repeat, blank, best)
    dropped = best == blank
    # move the kept labels to the front, in order, and pad with -1
    order = torch.where(dropped, steps, torch.arange(steps, device=inputs.device))
    order = torch.argsort(order, dim=-1, stable=True)
    paths = torch.take_along_dim(torch.where(dropped, -1, best), order, dim=-1)
    return paths.unsqueeze(0), -scores.sum(dim=1, keepdim=True)


def _beam_search_decode(inputs, lengths, beam_width, top_paths, blank):
    """Prefix beam search (Hannun et al., 2014), one sequence at a time. A beam is a list of
    label prefixes, each with two log-probabilities: of the steps so far ending in a label
    (``emit``) and ending in a blank. Every step extends each prefix by every class (numpy, a
    row per prefix), merges the extensions that reach the same prefix, and keeps the
    ``beam_width`` best."""
    log_probs = F.log_softmax(inputs, dim=-1).detach().cpu().double().numpy()
    batch, steps, classes = inputs.shape
    paths = torch.full((top_paths, batch, steps), -1, dtype=torch.int32)
    scores = torch.full((batch, top_paths), -math.inf, dtype=inputs.dtype)
    for b in range(batch):
        x = log_probs[b]
        # the first step: the best min(classes, beam_width) classes start the prefixes
        first = np.argsort(-x[0], kind="stable")[:beam_width]
        prefixes = [() if c == blank else (int(c),) for c in first]
        emit = np.where(first == blank, -np.inf, x[0][first])
        blank_end = np.where(first == blank, x[0][first], -np.inf)
        for t in range(1, int(lengths[b])):
            prefixes, emit, blank_end = _beam_step(prefixes, emit, blank_end, x[t], blank,
                                                   beam_width)
        total = np.logaddexp(emit, blank_end)
        for k, i in enumerate(np.argsort(-total, kind="stable")[:top_paths]):
            paths[k, b, : len(prefixes[i])] = torch.tensor(prefixes[i], dtype=torch.int32)
            scores[b, k] = float(total[i])
    return paths.to(inputs.device), scores.to(inputs.device)


def _beam_step(prefixes, emit, blank_end, x, blank, beam_width):
    """One time step of prefix beam search; ``x`` holds the step's log-probabilities."""
    n, classes = len(prefixes), x.shape[0]
    last = np.array([p[-1] if p else -1 for p in prefixes])
    # staying on the same prefix: a blank after anything, or the last label repeated (CTC
    # merges repeats unless a blank separates them)
    stay_blank = np.logaddexp(emit, blank_end) + x[blank]
    stay_emit = np.where(last >= 0, emit + x[np.maximum(last, 0)], -np.inf)
    # growing prefix i by label c: after a blank always; after a label unless c repeats it
    after_label = emit[:, None] + x[None, :]
    after_label[np.arange(n), np.maximum(last, 0)] = np.where(
        last >= 0, -np.inf, after_label[np.arange(n), 0])
    grow = np.logaddexp(after_label, blank_end[:, None] + x[None, :])
    grow[:, blank] = -np.inf
    # a grown prefix that is already in the beam adds to that prefix's emit score instead
    index = {p: i for i, p in enumerate(prefixes)}
    for j, p in enumerate(prefixes):
        parent = index.get(p[:-1]) if p else None
        if parent is not None:
            stay_emit[j] = np.logaddexp(stay_emit[j], grow[parent, p[-1]])
            grow[parent, p[-1]] = -np.inf
    totals = np.concatenate([np.logaddexp(stay_emit, stay_blank), grow.reshape(-1)])
    keep = [i for i in np.argsort(-totals, kind="stable")[:beam_width]
            if totals[i] > -np.inf]
    new_prefixes, new_emit, new_blank = [], [], []
    for i in keep:
        if i < n:
            new_prefixes.append(prefixes[i])
            new_emit.append(stay_emit[i])
            new_blank.append(stay_blank[i])
        else:
            parent, c = divmod(i - n, classes)
            new_prefixes.append(prefixes[parent] + (int(c),))
            new_emit.append(grow[parent, c])
            new_blank.append(-np.inf)
    return new_prefixes, np.array(new_emit), np.array(new_blank)


# ============================================================================ normalization
@keras_op(module="nn")
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (biased) variance of ``x`` over ``axes``, as ``E[x**2] - E[x]**2`` like
    Keras; float16 is computed in float32."""
    if synchronized:
        raise NotImplementedError("moments: `synchronized=True` is not supported on torch")
    x = convert_to_tensor(x)
    dtype = x.dtype
    if dtype == torch.float16:  # its range is too short for squares
        x = x.float()
    dims = _axes(axes, x.dim())
    mean = torch.mean(x, dim=dims, keepdim=True)
    variance = torch.mean(torch.square(x), dim=dims, keepdim=True) - torch.square(mean)
    if not keepdims:
        mean, variance = mean.squeeze(dims), variance.squeeze(dims)
    if dtype == torch.float16:
        limit = torch.finfo(torch.float16).max
        mean, variance = (v.clip(-limit, limit).to(dtype) for v in (mean, variance))
    return mean, variance


@keras_op(module="nn", class_name="BatchNorm")
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the statistics being
    vectors along ``axis``."""
    x = convert_to_tensor(x)
    shape = [1] * x.dim()
    shape[axis] = -1

    def along_axis(v):
        return convert_to_tensor(v).reshape(shape)

    factor = torch.rsqrt(along_axis(variance) + epsilon)
    if scale is not None:
        factor = factor * along_axis(scale)
    y = (x - along_axis(mean)) * factor
    return y if offset is None else y + along_axis(offset)


def _sorted_axes(axis, ndim):
    return sorted(_axes(axis, ndim))


@keras_op(module="nn", class_name="LayerNorm")
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """``(x - mean) / sqrt(variance + epsilon) * gamma + beta``, statistics over ``axis``;
    computed in float32 or wider and returned in ``x``'s dtype."""
    if kwargs.pop("rms_scaling", False):
        raise ValueError(
            "layer_normalization: `rms_scaling=True` (deprecated in Keras) is not supported; "
            "use rms_normalization")
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected arguments {sorted(kwargs)}")
    epsilon = backend_epsilon() if epsilon is None else epsilon
    x = convert_to_tensor(x)
    dtype = x.dtype
    x = x.to(result_type(dtype, torch.float32))
    dims = _sorted_axes(axis, x.dim())
    gamma = None if gamma is None else convert_to_tensor(gamma).to(x.dtype)
    beta = None if beta is None else convert_to_tensor(beta).to(x.dtype)
    if dims == list(range(x.dim() - len(dims), x.dim())):  # trailing axes: torch's kernel
        shape = tuple(x.shape[d] for d in dims)
        gamma = None if gamma is None else gamma.reshape(shape)
        beta = None if beta is None else beta.reshape(shape)
        return F.layer_norm(x, shape, gamma, beta, epsilon).to(dtype)
    mean, variance = moments(x, dims, keepdims=True)
    factor = torch.rsqrt(variance + epsilon)
    broadcast = [x.shape[d] if d in dims else 1 for d in range(x.dim())]
    if gamma is not None:
        factor = factor * gamma.reshape(broadcast)
    shift = -mean * factor
    if beta is not None:
        shift = shift + beta.reshape(broadcast)
    return (x * factor + shift).to(dtype)


@keras_op(module="nn", class_name="RMSNorm")
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2) + epsilon) * scale``, the mean over ``axis``; computed in
    float32 or wider and returned in ``x``'s dtype."""
    epsilon = backend_epsilon() if epsilon is None else epsilon
    x = convert_to_tensor(x)
    dtype = x.dtype
    x = x.to(result_type(dtype, torch.float32))
    scale = None if scale is None else convert_to_tensor(scale).to(x.dtype)
    dims = _sorted_axes(axis, max(x.dim(), 1))
    if x.dim() and dims == list(range(x.dim() - len(dims), x.dim())):
        shape = tuple(x.shape[d] for d in dims)
        return F.rms_norm(x, shape, None if scale is None else scale.reshape(shape),
                          epsilon).to(dtype)
    y = x * torch.rsqrt(torch.mean(torch.square(x), dim=dims, keepdim=True) + epsilon)
    if scale is not None:
        # a scale over the normalized axes, placed on them (Keras 3.15 broadcasts it from the
        # right instead, which fails or misplaces it for axes that are not trailing)
        y = y * scale.reshape([x.shape[d] if d in dims else 1 for d in range(x.dim())])
    return y.to(dtype)


@keras_op(module="nn")
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (the norm at least ``epsilon``)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1; got {order!r}")
    epsilon = backend_epsilon() if epsilon is None else epsilon
    x = convert_to_tensor(x)
    if x.dim() == 0:
        x = x.reshape(1)
    if order == 2:  # as Keras: x * rsqrt(sum of squares), the factor capped at 1 / epsilon
        factor = torch.rsqrt(torch.sum(torch.square(x), dim=axis, keepdim=True))
        return x * torch.clamp(factor, max=1.0 / epsilon)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


# ============================================================================ misc
@keras_op(module="nn")
def polar(abs_, angle):
    """The complex number with magnitude ``abs_`` and phase ``angle``:
    ``abs_ * (cos(angle) + i sin(angle))``."""
    abs_, angle = convert_to_tensor(abs_), convert_to_tensor(angle)
    real, imag = abs_ * torch.cos(angle), abs_ * torch.sin(angle)
    if real.shape != imag.shape or not (real.is_floating_point() and imag.is_floating_point()):
        raise ValueError(
            "polar: `abs_` and `angle` must be floats of the same shape; got "
            f"{tuple(abs_.shape)} {abs_.dtype} and {tuple(angle.shape)} {angle.dtype}")
    return torch.complex(real, imag)


@keras_op(module="nn", class_name="PSNR")
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mean((x1 - x2)**2))``, in
    decibels, over all elements."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: `x1` and `x2` must have the same shape; got "
                         f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    max_val = convert_to_tensor(max_val, dtype=x1.dtype)
    mse = torch.mean((x1 - x2) ** 2)
    return 20 * torch.log10(max_val) - 10 * torch.log10(mse)


# Keras's stand-in for -inf in attention masks: finite, so a fully masked row stays finite
_LARGE_NEGATIVE = {torch.float16: -65500.0 * 0.7}


@keras_op(module="nn")
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """``softmax(query @ key^T * scale + bias) @ value`` for ``(batch, steps, heads,
    head_dim)`` tensors; ``mask`` (True = attend) or ``is_causal`` leave keys out, and fewer
    key/value heads than query heads are shared by groups (grouped-query attention)."""
    if attn_logits_soft_cap is not None:
        raise ValueError("dot_product_attention: `attn_logits_soft_cap` is only supported by "
                         "Keras on JAX with TPUs, not on torch")
    query, key, value = (convert_to_tensor(t) for t in (query, key, value))
    if not query.dim() == key.dim() == value.dim() == 4:
        raise ValueError(
            "dot_product_attention: `query`, `key` and `value` must be 4-D (batch, steps, "
            f"heads, head_dim); got {tuple(query.shape)}, {tuple(key.shape)}, "
            f"{tuple(value.shape)}")
    if bias is not None and mask is not None:
        raise ValueError("dot_product_attention: give `bias` or `mask`, not both")
    dtype = result_type(query.dtype, key.dtype, value.dtype)
    query, key, value = (t.to(dtype).transpose(1, 2) for t in (query, key, value))
    attn_mask = None
    if mask is not None:
        mask = convert_to_tensor(mask).bool()
        if is_causal:  # torch takes a mask or is_causal, not both: fold the causal one in
            mask = mask & torch.ones(query.shape[2], key.shape[2], dtype=torch.bool,
                                     device=mask.device).tril()
            is_causal = False
        attn_mask = torch.where(mask, 0.0, _LARGE_NEGATIVE.get(dtype, -3.38953e38 * 0.7))
        attn_mask = attn_mask.to(dtype)
    elif bias is not None:
        attn_mask = convert_to_tensor(bias).to(dtype)
    query_heads, kv_heads = query.shape[1], key.shape[1]
    if query_heads > kv_heads > 1:
        key = key.repeat_interleave(query_heads // kv_heads, dim=1)
        value = value.repeat_interleave(query_heads // kv_heads, dim=1)
    if flash_attention:
        if not query.is_cuda:
            raise RuntimeError("dot_product_attention: `flash_attention=True` needs a CUDA "
                               "device; got tensors on " + str(query.device))
        with torch.nn.attention.sdpa_kernel([torch.nn.attention.SDPBackend.FLASH_ATTENTION]):
            out = F.scaled_dot_product_attention(query, key, value, attn_mask=attn_mask,
                                                 is_causal=is_causal, scale=scale)
    else:
        out = F.scaled_dot_product_attention(
            query.contiguous(), key.contiguous(), value.contiguous(),
            attn_mask=None if attn_mask is None else attn_mask.contiguous(),
            is_causal=is_causal, scale=scale)
    return out.transpose(1, 2)


@keras_op(module="nn")
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding ``kernel_size`` blocks of a ``(N, C, H, W)`` image as columns:
    ``(N, C * kh * kw, blocks)`` (im2col, ``torch.nn.functional.unfold``)."""
    x = convert_to_tensor(x)
    if x.dim() != 4:
        raise ValueError(f"unfold: `x` must be 4-D (N, C, H, W); got shape {tuple(x.shape)}")
    return F.unfold(x, kernel_size, dilation, padding, stride)


@keras_op(module="nn")
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The inverse arrangement of ``unfold`` (col2im): columns ``(N, C * kh * kw, blocks)``
    summed back into a ``(N, C, *output_size)`` image."""
    x = convert_to_tensor(x)
    if x.dim() != 3:
        raise ValueError(f"fold: `x` must be 3-D (N, C * kh * kw, blocks); got shape "
                         f"{tuple(x.shape)}")
    return F.fold(x, output_size, kernel_size, dilation, padding, stride)


def _check_block(op, block_size):
    if block_size < 2:
        raise ValueError(f"{op}: `block_size` must be at least 2; got {block_size}")


@keras_op(module="nn")
def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves channels into ``block_size x block_size`` spatial blocks (TensorFlow's order):
    ``(N, H, W, C)`` -> ``(N, H * b, W * b, C / b**2)``."""
    _check_block("depth_to_space", block_size)
    data_format = _data_format(data_format)
    x = convert_to_tensor(x)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        y = x.reshape(n, h, w, b, b, c // b**2).permute(0, 1, 3, 2, 4, 5)
        return y.reshape(n, h * b, w * b, c // b**2)
    n, c, h, w = x.shape
    y = x.reshape(n, c // b**2, b, b, h, w).permute(0, 1, 4, 2, 5, 3)
    return y.reshape(n, c // b**2, h * b, w * b)


@keras_op(module="nn")
def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves ``block_size x block_size`` spatial blocks into channels, the inverse of
    ``depth_to_space``: ``(N, H, W, C)`` -> ``(N, H / b, W / b, C * b**2)``."""
    _check_block("space_to_depth", block_size)
    data_format = _data_format(data_format)
    x = convert_to_tensor(x)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        y = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
        return y.reshape(n, h // b, w // b, c * b**2)
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // b, b, w // b, b).permute(0, 1, 3, 5, 2, 4)
    return y.reshape(n, c * b**2, h // b, w // b)
