"""Walking nested structures (tensor, list, tuple, dict) the way layers receive them."""


def flatten(structure) -> list:
    """Leaves of ``structure`` in order; dicts in their own key order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in flatten(item)]
    return [structure]


def map_structure(fn, structure):
    """The same structure with ``fn`` applied to every leaf."""
    if isinstance(structure, list):
        return [map_structure(fn, item) for item in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, item) for item in structure)
    if isinstance(structure, dict):
        return {key: map_structure(fn, item) for key, item in structure.items()}
    return fn(structure)


def pack_like(structure, leaves: list):
    """Rebuild ``structure`` with ``leaves`` (as given by :func:`flatten`) in place of its own."""
    it = iter(leaves)
    return map_structure(lambda _: next(it), structure)
