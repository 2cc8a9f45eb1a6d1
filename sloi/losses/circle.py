"""Circle loss, for metric learning: pulls embeddings of one class together and pushes
those of other classes apart, each pair weighted by how far it is from its optimum
(Sun et al., 2020, https://arxiv.org/abs/2002.10857).
"""

import torch
import torch.nn.functional as F

from sloi.engine.keras_mask import set_keras_mask
from sloi.losses.loss import BuiltinLoss, takes_integer_labels, to_tensor


def _pair_masks(labels, ref_labels, remove_diagonal):
    """`(positive, negative)`: which (query, reference) pairs share a label, which do not;
    with `remove_diagonal`, a query is not its own positive."""
    positive = labels.reshape(-1, 1) == ref_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        eye = torch.eye(positive.shape[0], positive.shape[1], dtype=torch.bool,
                        device=positive.device)
        positive = positive & ~eye
    return positive, negative


@takes_integer_labels
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss of every embedding in the batch against the references.

    Args:
        y_true: integer labels, `(batch,)` (or `(batch, 1)`).
        y_pred: L2-normalised embeddings, `(batch, dim)`.
        ref_labels: labels of the reference embeddings; `y_true` by default.
        ref_embeddings: L2-normalised reference embeddings, `(refs, dim)`; `y_pred` by default.
        remove_diagonal: leave a sample's similarity with itself out of its positives.
        gamma: the scale of the similarities. Defaults to 80.
        margin: the relaxation: positives aim at cosine distance below `margin`, negatives
            above `1 - margin`. Defaults to 0.4.

    Returns:
        `(batch,)` losses; a sample with no positive (or no negative) pair gets 0 and a mask
        (`_keras_mask`) that leaves it out of the mean.
    """
    y_pred = to_tensor(y_pred)
    labels = to_tensor(y_true, torch.long, y_pred.device)
    if y_pred.dim() != 2:
        raise ValueError(f"circle expects y_pred of shape (batch_size, embedding_dim); got "
                         f"y_pred.shape={tuple(y_pred.shape)}")
    if labels.numel() != y_pred.shape[0]:
        raise ValueError(f"circle expects one label per embedding; got y_true.shape="
                         f"{tuple(labels.shape)} and y_pred.shape={tuple(y_pred.shape)}")
    refs = y_pred if ref_embeddings is None else to_tensor(ref_embeddings, y_pred.dtype,
                                                           y_pred.device)
    ref_labels = labels if ref_labels is None else to_tensor(ref_labels, torch.long,
                                                             y_pred.device)
    optimum_pos, optimum_neg = margin, 1.0 + margin
    delta_pos, delta_neg = margin, 1.0 - margin

    distances = (1.0 - y_pred @ refs.T).clamp_min(0.0)  # pairwise cosine distances
    positive, negative = _pair_masks(labels, ref_labels, remove_diagonal)
    # Each pair's weight grows with its distance from the optimum (zero once past it).
    pos_weights = ((optimum_pos + distances) * positive).clamp_min(0.0)
    neg_weights = ((optimum_neg - distances) * negative).clamp_min(0.0)
    pos_terms = -gamma * pos_weights * (delta_pos - distances)
    neg_terms = gamma * neg_weights * (delta_neg - distances)
    # Pairs outside a mask are -inf, nothing in the log-sum-exp; a row with none gives -inf.
    p_loss = torch.logsumexp(pos_terms.masked_fill(~positive, float("-inf")), dim=1)
    n_loss = torch.logsumexp(neg_terms.masked_fill(~negative, float("-inf")), dim=1)
    losses = F.softplus(p_loss + n_loss)
    set_keras_mask(losses, losses > 0)
    return losses



class Circle(BuiltinLoss):
    """Circle loss (see `circle`) between integer labels and L2-normalised embeddings (a
    `Dense` layer without activation followed by `UnitNormalization`, say).

    Args:
        gamma: the scale of the similarities. Defaults to 80.0.
        margin: the relaxation factor. Defaults to 0.4.
        remove_diagonal: leave self-similarities out of the positives. Defaults to True.
        reduction: as for `Loss`; the mean runs over the samples that have both a positive
            and a negative pair.
        name: the loss's name. Defaults to `"circle"`.
        dtype: as for `Loss`.
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
