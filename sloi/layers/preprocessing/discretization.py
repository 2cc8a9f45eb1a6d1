"""``Discretization``: continuous values to bucket indices (Keras 3)."""

from __future__ import annotations

import numpy as np
import torch

from sloi.engine import Layer
from sloi.layers.preprocessing import index_encoding

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(Layer):
    """Maps each value to the index of the bucket it falls in.

    With boundaries ``[0., 1., 2.]`` the buckets are ``(-inf, 0)``, ``[0, 1)``, ``[1, 2)`` and
    ``[2, inf)``: index 0 to 3.

    Args:
        bin_boundaries: the sorted boundaries. Or:
        num_bins: learn ``num_bins - 1`` boundaries (quantiles) with ``adapt``.
        epsilon: ``adapt``'s error tolerance (the approximate quantile summary Keras keeps;
            smaller is more exact and slower).
        output_mode: ``"int"`` (int32 indices, the input's shape), ``"one_hot"``,
            ``"multi_hot"`` or ``"count"`` (float vectors of ``len(bin_boundaries) + 1``).
        sparse: must be False.

    Input shape: any; values are compared as float32. Output shape: the input's in
    ``"int"`` mode, otherwise as ``CategoryEncoding``'s.

    Example:
        >>> Discretization(bin_boundaries=[0.0, 1.0])(np.array([[-0.5, 0.5, 3.0]]))
        tensor([[0, 1, 2]], dtype=torch.int32)
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        where = f'Layer "{self.name}" (Discretization)'
        index_encoding.refuse_sparse(where, sparse)
        index_encoding.check_output_mode(where, output_mode, _OUTPUT_MODES)
        if num_bins is not None and (isinstance(num_bins, bool) or not isinstance(
                num_bins, int) or num_bins < 0):
            raise ValueError(f"{where}: `num_bins` must be an integer >= 0; got "
                             f"num_bins={num_bins!r}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{where}: give `num_bins` or `bin_boundaries`, not both; got "
                             f"num_bins={num_bins} and bin_boundaries={bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{where}: give either `num_bins` (and call adapt()) or "
                             "`bin_boundaries`")
        if bin_boundaries is not None:
            bounds = np.asarray(bin_boundaries, dtype=np.float64)
            if bounds.ndim != 1 or np.any(np.diff(bounds) < 0):
                raise ValueError(f"{where}: `bin_boundaries` must be a sorted list of numbers;"
                                 f" got {bin_boundaries!r}")
            bin_boundaries = [float(b) for b in bounds]
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self._summary = np.zeros((2, 0), dtype=np.float32) if bin_boundaries is None else None

    # ------------------------------------------------------------------ adapt
    def adapt(self, data, steps=None):
        """Learn ``num_bins - 1`` boundaries splitting ``data`` into equally full buckets.

        Args:
            data: a numpy array or tensor, or an iterable of such batches.
            steps: with an iterable, read at most this many batches.
        """
        if self.num_bins is None:
            raise ValueError(f'Layer "{self.name}" (Discretization) was given its '
                             "bin_boundaries; create it with num_bins= to adapt it")
        self._summary = np.zeros((2, 0), dtype=np.float32)
        if isinstance(data, (np.ndarray, torch.Tensor)) or not hasattr(data, "__iter__"):
            self._update(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self._update(batch)
        self.bin_boundaries = _boundaries(self._summary, self.num_bins).tolist()

    def _update(self, batch):
        if isinstance(batch, torch.Tensor):
            batch = batch.detach().cpu().numpy()
        values = np.array(batch).astype("float32")
        merged = np.concatenate([_summarize(values, self.epsilon), self._summary], axis=1)
        merged = merged[:, np.argsort(merged[0])]
        self._summary = _compress(merged, self.epsilon)

    # ------------------------------------------------------------------ calling
    def _depth(self):
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else (
            self.num_bins)

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f'Layer "{self.name}" (Discretization) has no bin boundaries yet:'
                             " pass bin_boundaries= or call adapt() on sample data first")
        x = inputs if inputs.dtype != torch.bool else inputs.to(torch.uint8)
        bounds = torch.tensor(self.bin_boundaries, dtype=torch.float32, device=x.device)
        if x.is_floating_point():
            bounds = bounds.to(x.dtype)
        else:
            x = x.to(torch.float32)
        indices = torch.bucketize(x, bounds, right=True).to(torch.int32)
        dtype = torch.int32 if self.output_mode == "int" else self._dtype
        return index_encoding.encode(indices, self.output_mode, self._depth(), dtype,
                                     f'Layer "{self.name}" (Discretization)')

    def compute_output_shape(self, input_shape):
        return index_encoding.encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_dtype(self, input_dtype):
        return torch.int32 if self.output_mode == "int" else self._dtype

    def get_config(self):
        # Keras's config has exactly these keys (no "trainable")
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # an adapted layer: rebuilt with num_bins, then given its learned boundaries
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)


# Keras's approximate quantiles: a summary is a (2, n) array of values and weights, sorted by
# value; merging two summaries and compressing them back to ~1/epsilon entries keeps it small.

def _summarize(values, epsilon):
    """Every ``step``-th sorted value, each standing for ``step`` values."""
    values = np.sort(values.reshape(-1))
    step = max(values.size * epsilon, 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.ones_like(kept) * step])


def _compress(summary, epsilon):
    """Resample the summary at the quantiles ``epsilon, 2 * epsilon, ..., 1``."""
    if summary.shape[1] * epsilon < 1:
        return summary
    quantiles = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    fractions = cum_weights / cum_weights[-1]
    values = np.interp(quantiles, fractions, summary[0])
    cum_weights = np.interp(quantiles, fractions, cum_weights)
    weights = cum_weights - np.concatenate(([0], cum_weights[:-1]))
    return np.stack((values, weights)).astype("float32")


def _boundaries(summary, num_bins):
    return _compress(summary, 1.0 / num_bins)[0, :-1]
