"""Keras 3's ``keras.tree``: walking nested structures of lists, tuples (named or not) and
dicts.

The leaves are everything else, ``None`` included. A dict's leaves come in sorted key order
(an ``OrderedDict``'s in its own order), as Keras (optree) orders them; ``map_structure``
keeps a dict's own key order in what it builds, ``pack_sequence_as`` writes keys sorted.
"""

from __future__ import annotations

from collections import OrderedDict


class _MapToNone:
    """What a ``traverse`` function returns to put ``None`` in place of a node."""

    def __repr__(self):
        return "MAP_TO_NONE"


MAP_TO_NONE = _MapToNone()


def is_nested(structure) -> bool:
    """Whether ``structure`` is a list, a tuple or a dict (a node, not a leaf)."""
    return isinstance(structure, (list, tuple, dict))


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _keys(node) -> list:
    """The children's keys, in flattening order."""
    if isinstance(node, dict):
        if isinstance(node, OrderedDict):
            return list(node)
        try:
            return sorted(node)
        except TypeError:
            return list(node)
    return list(range(len(node)))


def _rebuild(node, children: dict, sort_dict_keys: bool = False):
    """A node like ``node`` holding ``children`` (key -> child)."""
    if isinstance(node, dict):
        keys = _keys(node) if sort_dict_keys else list(node)
        return type(node)((k, children[k]) for k in keys) if type(node) in (dict, OrderedDict) \
            else {k: children[k] for k in keys}
    values = [children[i] for i in range(len(node))]
    if _is_namedtuple(node):
        return type(node)(*values)
    if isinstance(node, tuple):
        return tuple(values)
    return values


def _is_leaf(x, none_is_leaf=True) -> bool:
    if x is None:
        return none_is_leaf
    return not is_nested(x)


def flatten_with_path(structure) -> list:
    """``[(path, leaf), ...]``: each leaf with the keys that lead to it."""
    found = []

    def walk(node, path):
        if _is_leaf(node):
            found.append((path, node))
            return
        for key in _keys(node):
            walk(node[key], path + (key,))

    walk(structure, ())
    return found


def flatten(structure) -> list:
    """The leaves of ``structure``, in order."""
    return [leaf for _, leaf in flatten_with_path(structure)]


def assert_same_structure(a, b, check_types=None) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same nesting, node types and
    keys (``check_types`` is accepted for Keras 2 code; types are always checked, as in
    Keras 3)."""
    _check_same(a, b, ())


def _check_same(a, b, path) -> None:
    if _is_leaf(a) and _is_leaf(b):
        return
    if _is_leaf(a) != _is_leaf(b):
        raise ValueError(
            f"Structures don't have the same nested structure: at path {path}, "
            f"{type(a).__name__} {a!r:.60} against {type(b).__name__} {b!r:.60}")
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        raise ValueError(f"Node type mismatch at path {path}; expected {type(a)}, but got "
                         f"{type(b)}.")
    if len(a) != len(b):
        raise ValueError(f"Node arity mismatch at path {path}; expected {len(a)}, but got "
                         f"{len(b)}.")
    if isinstance(a, dict) and set(a) != set(b):
        raise ValueError(f"Node keys mismatch at path {path}; expected {sorted(a)}, but got "
                         f"{sorted(b)}.")
    for key in _keys(a):
        _check_same(a[key], b[key], path + (key,))


def assert_same_paths(a, b) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same leaf paths (node types may
    differ)."""
    paths_a = {p for p, _ in flatten_with_path(a)}
    paths_b = {p for p, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            "`a` and `b` don't have the same paths.\n"
            f"Paths in `a` missing in `b`:\n{paths_a - paths_b}\n"
            f"Paths in `b` missing in `a`:\n{paths_b - paths_a}")


def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied leaf by leaf to structures of the same shape; the result has the
    first structure's shape. With ``none_is_leaf=False``, a ``None`` is kept as it is."""
    if not structures:
        raise ValueError("map_structure needs at least one structure")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)

    def walk(nodes):
        first = nodes[0]
        if first is None and not none_is_leaf:
            return None
        if _is_leaf(first):
            return func(*nodes)
        return _rebuild(first, {k: walk([n[k] for n in nodes]) for k in _keys(first)})

    return walk(list(structures))


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` applied to the parts of ``structures`` found at the leaves of
    ``shallow_structure`` (deeper nesting is passed to ``func`` whole)."""

    def walk(shallow, nodes):
        if _is_leaf(shallow):
            return func(*nodes)
        for n in nodes:
            if _is_leaf(n) or len(n) != len(shallow):
                raise ValueError(f"The structure {n!r:.80} does not match the shallow "
                                 f"structure {shallow!r:.80}")
        return _rebuild(shallow, {k: walk(shallow[k], [n[k] for n in nodes])
                                  for k in _keys(shallow)})

    return walk(shallow_structure, list(structures))


def map_shape_structure(func, structure):
    """Like ``map_structure``, with shapes (tuples or lists of ints and None) as leaves."""
    if _is_shape(structure) or _is_leaf(structure):
        return func(structure)
    return _rebuild(structure, {k: map_shape_structure(func, structure[k])
                                for k in _keys(structure)})


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and not _is_namedtuple(x) and all(
        d is None or isinstance(d, int) for d in x)


def pack_sequence_as(structure, flat_sequence):
    """``flat_sequence`` packed into ``structure``'s shape (leaves in flattening order)."""
    flat_sequence = list(flat_sequence)
    count = len(flatten(structure))
    if count != len(flat_sequence):
        raise ValueError(f"The structure has {count} leaves, but flat_sequence has "
                         f"{len(flat_sequence)} items")
    it = iter(flat_sequence)

    def walk(node):
        if _is_leaf(node):
            return next(it)
        return _rebuild(node, {k: walk(node[k]) for k in _keys(node)}, sort_dict_keys=True)

    return walk(structure)


def lists_to_tuples(structure):
    """The same structure with every list made a tuple."""
    if _is_leaf(structure):
        return structure
    children = {k: lists_to_tuples(structure[k]) for k in _keys(structure)}
    if isinstance(structure, list):
        return tuple(children[i] for i in range(len(structure)))
    return _rebuild(structure, children)


def traverse(func, structure, top_down=True):
    """Visit every node and leaf. Top-down, ``func`` returning None goes deeper; any other
    value replaces the node (``MAP_TO_NONE`` for ``None``). Bottom-up, ``func`` sees each
    node after its children, and a None answer keeps the rebuilt node."""

    def settle(value):
        return None if value is MAP_TO_NONE else value

    def down(node):
        answer = func(node)
        if answer is not None:
            return settle(answer)
        if _is_leaf(node):
            return node
        return _rebuild(node, {k: down(node[k]) for k in _keys(node)})

    def up(node):
        if not _is_leaf(node):
            node = _rebuild(node, {k: up(node[k]) for k in _keys(node)})
        answer = func(node)
        return node if answer is None else settle(answer)

    return down(structure) if top_down else up(structure)
