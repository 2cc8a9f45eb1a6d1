"""Attention math: scores, masks, softmax-weighted sums, multi-head projections.

Pure functions on tensors, used by ``Attention``, ``AdditiveAttention`` and
``MultiHeadAttention``. Shapes follow Keras: queries ``(batch, Tq, dim)``, keys and values
``(batch, Tv, dim)``; multi-head tensors ``(batch, T, heads, channels)``.

Masked positions are pushed down by large finite numbers, never ``-inf``, and each layer uses
the number Keras uses, so the softmax gives the same weights to the last bit, including rows
where every position is masked:
- ``Attention`` subtracts 1e9 from masked scores (``scores - 1e9``);
- multi-head attention with explicit weights (scores returned, dropout, more than one attention
  axis) replaces masked scores by -1e9 and zeroes the weights of masked positions afterwards,
  so a fully masked row attends to nothing;
- the fused multi-head path adds ``-0.7 * 3.38953e38`` to masked scores, as Keras's torch
  backend does before ``scaled_dot_product_attention``: a fully masked row then averages all
  values uniformly on the CPU. (On CUDA the memory-efficient kernel gives such rows other
  numbers, as it does under Keras, which makes the same call; rows with at least one visible
  position agree across devices.)
"""

from __future__ import annotations

import contextlib
import math

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from sloi import settings
from sloi.kernels.linear import dense


def _is_half(dtype: torch.dtype) -> bool:
    return dtype == torch.float16


def _score_offset(dtype: torch.dtype) -> float:
    """What ``Attention`` subtracts from masked scores (65504 is float16's largest value)."""
    return 65504.0 if _is_half(dtype) else 1.0e9


def _softmax_fill(dtype: torch.dtype) -> float:
    """The value Keras's masked ``Softmax`` puts in masked positions."""
    return -3.0e4 if _is_half(dtype) else -1.0e9


def _fused_fill(dtype: torch.dtype) -> float:
    """The additive mask Keras's torch backend gives ``scaled_dot_product_attention``."""
    return (65500.0 if _is_half(dtype) else 3.38953e38) * -0.7


def as_mask(mask, device=None):
    """A mask given as a tensor, numpy array or nested list, as a boolean tensor (or None)."""
    if mask is None:
        return None
    return torch.as_tensor(mask, device=device).bool()


def causal_mask(q_len: int, k_len: int, device=None) -> torch.Tensor:
    """Boolean ``(q_len, k_len)``: query ``i`` may see keys ``j <= i`` (top-left aligned)."""
    return torch.ones(q_len, k_len, dtype=torch.bool, device=device).tril()


# ---------------------------------------------------------------------- single-head scores
def dot_scores(query, key, scale=None):
    """``query @ key^T``, times ``scale`` when given: ``(..., Tq, Tv)``."""
    scores = torch.matmul(query, key.transpose(-2, -1))
    return scores if scale is None else scores * scale


def concat_scores(query, key, weight, scale=None):
    """``weight * sum(tanh(scale * (q_i + k_j)))`` over features: ``(..., Tq, Tv)``."""
    pairs = query.unsqueeze(-2) + key.unsqueeze(-3)  # (..., Tq, Tv, dim)
    if scale is not None:
        pairs = scale * pairs
    return weight * torch.tanh(pairs).sum(-1)


def additive_scores(query, key, scale=None):
    """Bahdanau scores ``sum_d scale_d * tanh(q_id + k_jd)``: ``(..., Tq, Tv)``."""
    pairs = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))  # (..., Tq, Tv, dim)
    return pairs.sum(-1) if scale is None else torch.matmul(pairs, scale)


def score_mask(value_mask, q_len: int, v_len: int, use_causal_mask: bool, device=None):
    """The boolean mask of the scores, ``(batch, 1 or Tq, Tv)``, or None: the value mask, and
    with ``use_causal_mask`` the causal mask too."""
    if not use_causal_mask:
        return value_mask
    causal = causal_mask(q_len, v_len, device).unsqueeze(0)  # (1, Tq, Tv)
    if value_mask is None:
        return causal
    return value_mask.bool().unsqueeze(-2) & causal


def apply_scores(scores, value, mask=None, dropout=None):
    """Softmax of the scores over the values, and the weighted sum of the values.

    Args:
        scores: ``(..., Tq, Tv)``.
        value: ``(..., Tv, dim)``.
        mask: boolean, ``(batch, Tv)`` or broadcastable to the scores; False positions get
            ``scores - 1e9`` (Keras's bias, not -inf).
        dropout: optional function applied to the softmax weights (training only).

    Returns:
        ``(output (..., Tq, dim), weights (..., Tq, Tv))``, the weights after dropout.
    """
    if mask is not None:
        mask = mask.bool()
        if mask.ndim == 2:
            mask = mask.unsqueeze(-2)
        scores = torch.where(mask, scores, scores - _score_offset(scores.dtype))
    weights = torch.softmax(scores, dim=-1)
    if dropout is not None:
        weights = dropout(weights)
    return torch.matmul(weights, value), weights


def zero_masked_queries(output, query_mask):
    """Zero the outputs of masked query steps (``query_mask`` ``(batch, Tq)``)."""
    if query_mask is None:
        return output
    return torch.where(query_mask.bool().unsqueeze(-1), output, 0.0)


# ---------------------------------------------------------------------- multi-head
def project_in(x, kernel, bias=None):
    """``(..., dim) @ (dim, heads, channels) + (heads, channels)`` -> ``(..., heads, channels)``."""
    flat_bias = None if bias is None else bias.reshape(-1)
    return dense(x, kernel.reshape(kernel.shape[0], -1), flat_bias).unflatten(-1, kernel.shape[1:])


def project_out(x, kernel, bias=None):
    """``(..., heads, channels)`` through ``(heads, channels, *out)`` -> ``(..., *out)``."""
    heads_channels = kernel.shape[0] * kernel.shape[1]
    flat_bias = None if bias is None else bias.reshape(-1)
    y = dense(x.flatten(-2), kernel.reshape(heads_channels, -1), flat_bias)
    return y.unflatten(-1, kernel.shape[2:])


def multi_head_mask(query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
                    q_len=None, v_len=None, use_causal_mask=False, sliding_window=None,
                    device=None):
    """Keras's combined boolean attention mask, ``(batch or 1, Tq, Tv)``, or None.

    ``query_mask`` ``(batch, Tq)`` becomes ``(batch, Tq, 1)``; ``value_mask`` and ``key_mask``
    ``(batch, Tv)`` become ``(batch, 1, Tv)``; the causal and sliding-window masks are
    ``(1, Tq, Tv)``; all are and-ed with ``attention_mask`` ``(batch, Tq, Tv)``.
    """
    auto = None

    def merge(a, b):
        return b if a is None else a & b

    if query_mask is not None:
        auto = query_mask.bool().unsqueeze(-1)
    for mask in (value_mask, key_mask):
        if mask is not None:
            auto = merge(auto, mask.bool().unsqueeze(-2))
    if use_causal_mask:
        auto = merge(auto, causal_mask(q_len, v_len, device).unsqueeze(0))
    if sliding_window is not None:
        rows = torch.arange(q_len, device=device).view(1, q_len, 1)
        cols = torch.arange(v_len, device=device).view(1, 1, v_len)
        auto = merge(auto, (rows - cols).abs() < sliding_window)
    if attention_mask is not None:
        attention_mask = attention_mask.bool()
        return attention_mask if auto is None else attention_mask & auto
    return auto


def multi_head_attention(query, key, value, attention_axes, mask=None, use_causal_mask=False,
                         dropout=None, fused=False):
    """Scaled dot-product attention of every head over ``attention_axes``.

    Args:
        query: ``(batch, *free_q, heads, key_dim)``, the projected queries.
        key: ``(batch, *free_k, heads, key_dim)``.
        value: ``(batch, *free_k, heads, value_dim)``.
        attention_axes: axes of the free dimensions attended over (the others are batch axes
            and must agree between query and key).
        mask: boolean, Keras's layout ``(batch..., q axes..., k axes...)`` without heads (or with
            size-1 leading axes); it is broadcast over heads.
        use_causal_mask: add the causal mask (one attention axis only).
        dropout: optional function applied to the attention weights.
        fused: use ``scaled_dot_product_attention`` with Keras's additive mask (its fast path);
            otherwise the weights are computed explicitly and returned.

    Returns:
        ``(output (batch, *free_q, heads, value_dim), scores or None)``; ``scores`` are the
        softmax weights before dropout, ``(batch axes..., heads, q axes..., k axes...)``.
    """
    rank = query.ndim
    attn = list(attention_axes)
    batch_axes = [i for i in range(rank - 2) if i not in attn]
    perm = batch_axes + attn + [rank - 2, rank - 1]
    q, k, v = (t.permute(perm) for t in (query, key, value))
    nb, na = len(batch_axes), len(attn)
    batch_shape, q_shape, k_shape = q.shape[:nb], q.shape[nb:nb + na], k.shape[nb:nb + na]
    heads = q.shape[-2]
    # One batch axis and one attention axis: (B, T, N, H) -> (B, N, T, H), what SDPA wants.
    q, k, v = (t.reshape(-1, math.prod(s), heads, t.shape[-1]).transpose(1, 2)
               for t, s in ((q, q_shape), (k, k_shape), (v, k_shape)))
    if mask is not None:
        mask = _mask_to_heads(mask.bool(), batch_shape, heads, q_shape, k_shape, na)
    if use_causal_mask and (fused is False or mask is not None):
        causal = causal_mask(q.shape[-2], k.shape[-2], q.device)
        mask = causal if mask is None else mask & causal
    scale = 1.0 / math.sqrt(query.shape[-1])
    if fused:
        bias = None
        if mask is not None:
            bias = torch.where(mask, 0.0, _fused_fill(q.dtype)).to(q.dtype)
        with _flash_choice():
            out = F.scaled_dot_product_attention(
                q.contiguous(), k.contiguous(), v.contiguous(), attn_mask=bias,
                is_causal=use_causal_mask and bias is None, scale=scale)
        scores = None
    else:
        logits = torch.matmul(q * scale, k.transpose(-2, -1))  # (B', N, Tq, Tk)
        if mask is not None:
            logits = torch.where(mask, logits, _softmax_fill(logits.dtype))
        scores = torch.softmax(logits, dim=-1)
        if mask is not None:  # a fully masked row attends to nothing, as in Keras
            scores = torch.where(mask, scores, 0.0)
        weights = scores if dropout is None else dropout(scores)
        out = torch.matmul(weights, v)
        scores = scores.reshape(*batch_shape, heads, *q_shape, *k_shape)
    out = out.transpose(1, 2).reshape(*batch_shape, *q_shape, heads, out.shape[-1])
    return out.permute(_inverse(perm)), scores


def _mask_to_heads(mask, batch_shape, heads, q_shape, k_shape, n_attn):
    """A mask in Keras's layout, expanded over heads as Keras does, as ``(B', N, Tq, Tk)``."""
    full = (*batch_shape, heads, *q_shape, *k_shape)
    while mask.ndim < len(full):
        mask = mask.unsqueeze(mask.ndim - 2 * n_attn)  # Keras inserts axes before the heads
    if len(batch_shape) == 1 and n_attn == 1:
        return mask  # already (B or 1, 1, Tq or 1, Tk): broadcasts as it is
    return mask.expand(full).reshape(-1, heads, math.prod(q_shape), math.prod(k_shape))


def _inverse(perm):
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return inverse


def _flash_choice():
    """The kernels ``scaled_dot_product_attention`` may use, as ``sloi.config`` says:
    torch's own choice by default; only flash after ``enable_flash_attention()`` (an error
    where flash cannot run); anything but flash after ``disable_flash_attention()``."""
    choice = settings.is_flash_attention_enabled()
    if choice is None:
        return contextlib.nullcontext()
    if choice:
        return sdpa_kernel([SDPBackend.FLASH_ATTENTION])
    return sdpa_kernel([SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION,
                        SDPBackend.MATH])
