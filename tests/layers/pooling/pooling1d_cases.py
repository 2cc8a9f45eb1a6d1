"""Window pooling cases shared by the MaxPooling1D and AveragePooling1D tests.

Sequences of 7 and 8 steps: with "same" padding the padding is then even for some pool sizes
and strides and uneven (one more step at the end) for others.
"""

# (steps, pool_size, strides, padding)
CASES = [
    (7, 2, None, "valid"),
    (7, 2, None, "same"),
    (8, 2, None, "same"),
    (7, 3, None, "valid"),
    (7, 3, None, "same"),
    (8, 3, 2, "same"),
    (7, 3, 1, "same"),
    (8, 2, 1, "same"),
    (7, 4, 1, "same"),
    (8, 4, 3, "valid"),
    (7, 5, 2, "same"),
    (8, (3,), (2,), "valid"),
]
