"""Window pooling cases shared by the MaxPooling2D and AveragePooling2D tests.

Input (2, 7, 6, 3): an odd height and an even width, so "same" padding is even on one axis and
uneven (one more at the bottom / right) on the other, depending on pool size and strides.
"""

INPUT_SHAPE = (2, 7, 6, 3)

# (pool_size, strides, padding)
CASES = [
    ((2, 2), None, "valid"),
    ((2, 2), None, "same"),
    (3, None, "valid"),
    (3, None, "same"),
    (3, 2, "same"),
    (3, 1, "same"),
    (2, 1, "same"),
    (4, 1, "same"),
    ((2, 3), (1, 2), "valid"),
    ((2, 3), (1, 2), "same"),
    ((3, 1), (2, 3), "same"),
]
