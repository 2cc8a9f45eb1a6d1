"""Window pooling cases shared by the MaxPooling3D and AveragePooling3D tests.

Input (2, 5, 4, 3, 2): odd and even sizes, so "same" padding is even on some axes and uneven
(one more at the end) on others, depending on pool size and strides.
"""

INPUT_SHAPE = (2, 5, 4, 3, 2)
INPUT_SHAPE_CHANNELS_FIRST = (2, 2, 5, 4, 3)

# (pool_size, strides, padding)
CASES = [
    ((2, 2, 2), None, "valid"),
    ((2, 2, 2), None, "same"),
    (3, 1, "same"),
    (3, 2, "same"),
    ((2, 3, 1), (1, 2, 3), "valid"),
    ((3, 2, 2), (2, 1, 2), "same"),
]
