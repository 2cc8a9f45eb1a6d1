"""Walking nested structures (tensor, list, tuple, dict) the way layers receive them.

A dict's leaves come in sorted key order (an ``OrderedDict``'s in its own order), as Keras
flattens them: a model's ``inputs``, ``outputs``, layer order and weight order follow it, so
``Model(x, {"z": ..., "b": ...})`` lists the ``"b"`` output first, as Keras does.
"""

from collections import OrderedDict


def dict_keys(structure: dict) -> list:
    """A dict's keys in the order :func:`flatten` takes its leaves."""
    if isinstance(structure, OrderedDict):
        return list(structure)
    try:
        return sorted(structure)
    except TypeError:  # keys that do not compare (1 and "a"): their own order
        return list(structure)


def flatten(structure) -> list:
    """Leaves of ``structure`` in order; dicts in sorted key order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in dict_keys(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """The same structure with ``fn`` applied to every leaf (a dict keeps its key order)."""
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, item) for key, item in structure.items()}
    return fn(structure)


def pack_like(structure, leaves: list):
    """Rebuild ``structure`` with ``leaves`` (as given by :func:`flatten`) in place of its own;
    dicts come back with their keys sorted, as Keras packs them."""
    it = iter(leaves)

    def pack(node):
        if isinstance(node, list):
            return [pack(item) for item in node]
        if isinstance(node, tuple):
            return tuple(pack(item) for item in node)
        if isinstance(node, dict):
            return {key: pack(node[key]) for key in dict_keys(node)}
        return next(it)

    return pack(structure)
