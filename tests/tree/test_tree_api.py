"""``sloi.tree`` walks structures as ``keras.tree`` does: compared on the same inputs."""

import collections

import numpy as np
import pytest

import sloi

NT = collections.namedtuple("NT", "x y")
STRUCTURES = [
    {"b": [1, (2, None)], "a": 3},
    [1, [2, (3, 4)], {"z": 5, "y": (6,)}],
    NT(1, [2, 3]),
    collections.OrderedDict([("b", 1), ("a", {"d": 2, "c": 3})]),
    (),
    7,
    None,
    "text",
]


@pytest.fixture(params=range(len(STRUCTURES)))
def structure(request):
    return STRUCTURES[request.param]


def test_flatten_and_paths_match_keras(structure):
    import keras

    assert sloi.tree.flatten(structure) == keras.tree.flatten(structure)
    assert sloi.tree.flatten_with_path(structure) == keras.tree.flatten_with_path(structure)
    assert sloi.tree.is_nested(structure) == keras.tree.is_nested(structure)


def test_building_functions_match_keras(structure):
    import keras

    def double(x):
        return None if x is None else x * 2

    for fn in ("map_structure",):
        ours = getattr(sloi.tree, fn)(double, structure)
        theirs = getattr(keras.tree, fn)(double, structure)
        assert ours == theirs and type(ours) is type(theirs)
    flat = list(range(len(keras.tree.flatten(structure))))
    assert sloi.tree.pack_sequence_as(structure, flat) == keras.tree.pack_sequence_as(
        structure, flat)
    assert sloi.tree.lists_to_tuples(structure) == keras.tree.lists_to_tuples(structure)


def test_traverse_matches_keras():
    import keras

    data = [1, (2, 3), {"k": [4]}]
    for fn, top_down in [
        (lambda x: None, True),
        (lambda x: "X" if isinstance(x, tuple) else None, True),
        (lambda x: keras.tree.MAP_TO_NONE if x == 2 else None, True),
        (lambda x: "X" if isinstance(x, tuple) else None, False),
    ]:
        def ours_fn(x, f=fn):
            answer = f(x)
            return sloi.tree.MAP_TO_NONE if answer is keras.tree.MAP_TO_NONE else answer

        assert sloi.tree.traverse(ours_fn, data, top_down=top_down) == keras.tree.traverse(
            fn, data, top_down=top_down)


def test_map_structure_up_to_and_shapes_match_keras():
    import keras

    args = ([1, (2, 3)], lambda a, b: (a, b), [[1, 2], (3, 4)], [5, (6, 7)])
    assert sloi.tree.map_structure_up_to(*args) == keras.tree.map_structure_up_to(*args)
    shapes = [(1, 2), [(3,), (None, 5)], {"a": (4,)}]
    assert sloi.tree.map_shape_structure(lambda s: s, shapes) == \
        keras.tree.map_shape_structure(lambda s: s, shapes)
    assert sloi.tree.map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)]) == [11, (22,)]
    assert sloi.tree.map_structure(lambda a: 0, [None, 1], none_is_leaf=False) == [None, 0]


@pytest.mark.parametrize("a,b", [([1, 2], [1, [2]]), ([1, 2], (1, 2)), ([1], [1, 2]),
                                 ({"a": 1}, {"b": 1})])
def test_mismatched_structures_raise_as_in_keras(a, b):
    import keras

    with pytest.raises(ValueError):
        keras.tree.assert_same_structure(a, b)
    with pytest.raises(ValueError, match="mismatch|same nested structure"):
        sloi.tree.assert_same_structure(a, b)
    with pytest.raises(ValueError):
        sloi.tree.map_structure(lambda x, y: x, a, b)


def test_assert_same_paths():
    sloi.tree.assert_same_paths([1, (2,)], (3, [4]))
    with pytest.raises(ValueError, match=r"Paths in `a` missing in `b`:\n\{\('a',\)\}"):
        sloi.tree.assert_same_paths({"a": 1}, {"b": 1})


def test_arrays_are_leaves():
    leaves = sloi.tree.flatten([np.ones(2), {"t": np.zeros(1)}])
    assert len(leaves) == 2 and leaves[0].shape == (2,)
