"""``FusedLayout``: a recurrent layer's weights laid out for the fused kernel as soon as they
get their storage.

On cuDNN, ``sloi.kernels.rnn.FusedWeights`` lays an LSTM's or SimpleRNN's parameters out in its
buffer, making them views of it (their strides change); a GRU gets its gather index. Doing that
at the first call would be too late for anything that read the parameters' layout in between:
``DistributedDataParallel`` sizes its gradient buckets by the strides it sees when it wraps the
model, and a change after that scrambles the first step's averaged gradients. So the layout is
made when the layer is built and again whenever its weights move (``.to``, ``.cuda``, a dtype
change: every one of them goes through ``nn.Module._apply``). A call still lays out again if
the parameters moved some other way.
"""

from __future__ import annotations

import torch


class FusedLayout:
    """Mixin for layers holding ``self._fused_weights`` (a ``FusedWeights``) whose
    ``_fused_groups()`` gives ``(mode, groups)`` for their fused call, or None."""

    def _fused_groups(self):
        raise NotImplementedError

    def _cudnn_allowed(self) -> bool:
        """False where ``use_cudnn=False``: the weights then keep PyTorch's plain layout."""
        return True

    def _lay_out_weights(self) -> None:
        if not self._cudnn_allowed():
            return
        fused = self._fused_groups()
        if fused is not None:
            with torch.no_grad():
                self._fused_weights.get(*fused)

    def _apply(self, fn, *args, **kwargs):
        result = super()._apply(fn, *args, **kwargs)
        if self.built:
            self._lay_out_weights()
        return result
