"""Keras-style automatic names: ``dense``, ``dense_1``, ``dense_2``, ...

Names are unique within a session, as in Keras; :func:`clear_session` starts the count again.
"""

import re

_counts: dict[str, int] = {}


def to_snake_case(name: str) -> str:
    """``Conv2D`` -> ``conv2d``, ``GlobalMaxPooling2D`` -> ``global_max_pooling2d``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def unique_name(base: str) -> str:
    """The first call with ``base`` returns ``base``, the next ``base_1``, ``base_2``, ..."""
    count = _counts.get(base, 0)
    _counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


_uids: dict[str, int] = {}


def get_uid(prefix: str = "") -> int:
    """1 for the first call with ``prefix``, then 2, 3, ... (``keras.backend.get_uid``)."""
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return _uids[prefix]


def clear_session() -> None:
    """Forget every name given so far (``keras.backend.clear_session()``)."""
    _counts.clear()
    _uids.clear()
