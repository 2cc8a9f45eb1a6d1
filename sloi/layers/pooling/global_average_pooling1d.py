"""``GlobalAveragePooling1D``: the mean of each channel over the (unmasked) time steps."""

from sloi.kernels.pooling import global_average_pool, masked_global_average_pool
from sloi.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Global average pooling over time steps, honouring a mask.

    With a mask (from ``Embedding(mask_zero=True)``, ``Masking``, or passed as ``mask=``), only
    the unmasked steps are averaged, as in Keras; a sequence masked entirely gives NaN (0 / 0),
    as in Keras. The output carries no mask: the steps axis is gone.

    Args:
        data_format: ``"channels_last"`` (default, ``(batch, steps, channels)``) or
            ``"channels_first"`` (``(batch, channels, steps)``).
        keepdims: keep the steps axis with size 1 (False by default).

    Call arguments:
        inputs: a 3-D tensor.
        mask: optional boolean ``(batch, steps)``, True where a step counts.

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, channels)``; with ``keepdims=True``, ``(batch, 1, channels)``
    (or ``(batch, channels, 1)`` channels first).

    Example:
        >>> x = Input(shape=(None,), dtype="int32")
        >>> e = Embedding(1000, 16, mask_zero=True)(x)
        >>> y = GlobalAveragePooling1D()(e)   # (None, 16), the mean over the non-zero ids
    """

    supports_masking = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)

    def call(self, inputs, mask=None):
        if mask is None:
            return global_average_pool(inputs, self.data_format, self.keepdims)
        return masked_global_average_pool(inputs, mask, self.data_format, self.keepdims)

    def compute_mask(self, inputs, previous_mask=None):
        return None
