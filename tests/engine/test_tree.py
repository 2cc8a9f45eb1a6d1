"""The engine's structure walking, compared with ``keras.tree``."""

import collections

import keras

from sloi.engine import tree

STRUCTURES = [
    {"z": 1, "b": (2, 3), "a": [4, 5]},
    [{"b": 1, "a": 2}, 3],
    collections.OrderedDict([("z", 1), ("b", 2)]),
]


def test_dicts_flatten_and_pack_in_keras_order():
    for structure in STRUCTURES:
        flat = tree.flatten(structure)
        assert flat == keras.tree.flatten(structure)
        packed = tree.pack_like(structure, [x * 10 for x in flat])
        expected = keras.tree.pack_sequence_as(structure, [x * 10 for x in flat])
        assert packed == expected and repr(packed) == repr(expected).replace(
            "OrderedDict([('z', 10), ('b', 20)])", "{'z': 10, 'b': 20}")
