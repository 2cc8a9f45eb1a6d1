"""CTC (Connectionist Temporal Classification) loss, for sequence labelling without an
alignment: speech or handwriting frames in, a shorter label sequence out (Graves et al., 2006).
"""

import torch
import torch.nn.functional as F

from sloi.losses.loss import BuiltinLoss, takes_integer_labels, to_tensor

_BLANK = 0  # Keras's mask_index: class 0 is the blank, and pads the labels


@takes_integer_labels
def ctc(y_true, y_pred):
    """CTC loss of every sequence in the batch, through `torch.nn.functional.ctc_loss`.

    Args:
        y_true: integer labels `(batch, max_label_length)`, padded with 0 at the end; class 0
            is the blank and is never a label. A row's label length is its number of non-zero
            entries.
        y_pred: `(batch, time_steps, num_classes)` scores; a log-softmax over the classes turns
            them into log-probabilities (as Keras's torch backend does), so logits and
            softmax outputs are both accepted. Every sequence uses all `time_steps`.

    Returns:
        `(batch,)` negative log-likelihoods (infinite where a label cannot fit its input).
    """
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device)
    if y_true.dim() != 2:
        raise ValueError(
            "ctc expects y_true of shape (batch_size, max_length), integer labels; got "
            f"y_true.shape={tuple(y_true.shape)}"
        )
    if y_pred.dim() != 3:
        raise ValueError(
            "ctc expects y_pred of shape (batch_size, max_length, num_classes); got "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"ctc expects y_true and y_pred with the same batch size; got y_true.shape="
            f"{tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}"
        )
    if y_pred.dtype != torch.float64:  # at least float32, as tf.nn.ctc_loss computes
        y_pred = y_pred.float()
    targets = to_tensor(y_true, torch.long)  # float labels truncate, as Keras's cast does
    batch, steps = y_pred.shape[0], y_pred.shape[1]
    input_lengths = torch.full((batch,), steps, dtype=torch.long, device=y_pred.device)
    target_lengths = (targets != _BLANK).sum(dim=-1)
    log_probs = F.log_softmax(y_pred.transpose(0, 1), dim=-1)  # (time, batch, classes)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=_BLANK,
                      reduction="none")



class CTC(BuiltinLoss):
    """CTC loss (see `ctc`): integer labels `(batch, max_label_length)` padded with 0 (the
    blank), per-frame class scores `(batch, time_steps, num_classes)`.

    Args:
        reduction: as for `Loss`.
        name: the loss's name. Defaults to `"ctc"`.
        dtype: as for `Loss`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction, name, dtype)
