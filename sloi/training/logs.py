"""Batch logs that read values from the device only when a callback looks at them."""

from __future__ import annotations

from collections.abc import Mapping


class LazyLogs(Mapping):
    """``logs["loss"]`` as a float, computed from the running metrics on first access after
    each step; a step that nobody inspects costs no host sync."""

    def __init__(self, compute):
        self._compute = compute
        self._values = None

    def invalidate(self) -> None:
        self._values = None

    def _materialize(self) -> dict:
        if self._values is None:
            self._values = {k: float(v) for k, v in self._compute().items()}
        return self._values

    def __getitem__(self, key):
        return self._materialize()[key]

    def __iter__(self):
        return iter(self._materialize())

    def __len__(self):
        return len(self._materialize())

    def __repr__(self):
        return repr(self._materialize())
