"""Checks shared by the six adaptive pooling tests: Keras parity over output sizes that divide
the input, that do not (overlapping windows) and that exceed it, both data formats; the windows
written out; the errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import sloi
from tests.conformance import run_layer_test

# spatial input sizes and output sizes per rank
INPUTS = {1: (10,), 2: (7, 6), 3: (5, 4, 6)}
OUTPUT_SIZES = {
    1: [5, 3, (4,), 12, 1],
    2: [2, 3, (4, 5), (7, 1), (8, 6)],
    3: [2, (3, 2, 4), (1, 5, 6), (5, 4, 6)],
}


def expected_shape(rank, output_size, data_format, batch=2, channels=3):
    size = (output_size,) * rank if isinstance(output_size, int) else tuple(output_size)
    if data_format == "channels_last":
        return (batch, *size, channels)
    return (batch, channels, *size)


def check_matches_keras(layer_cls, keras_layer_cls, rank, output_size, data_format):
    spatial = INPUTS[rank]
    x_shape = (2, *spatial, 3) if data_format == "channels_last" else (2, 3, *spatial)
    kwargs = {"output_size": output_size, "data_format": data_format}
    expected = expected_shape(rank, output_size, data_format)
    assert tuple(keras_layer_cls(**kwargs).compute_output_shape(x_shape)) == expected
    layer, _ = run_layer_test(layer_cls, kwargs, input_shape=x_shape,
                              expected_output_shape=expected, supports_masking=False,
                              keras_layer_cls=keras_layer_cls)
    assert layer.output_size == expected[1:-1] if data_format == "channels_last" else True


def check_windows_written_out(layer_cls, rank, reduce):
    """Window i of m over n positions is [floor(i n / m), ceil((i + 1) n / m))."""
    spatial = INPUTS[rank]
    out = tuple(max(1, n // 2 + 1) for n in spatial)  # does not divide: windows overlap
    x = np.random.default_rng(3).standard_normal((1, *spatial, 2)).astype("float32")
    y = layer_cls(out)(x).detach().numpy()
    for index in itertools.product(*(range(m) for m in out)):
        window = tuple(slice(math.floor(i * n / m), math.ceil((i + 1) * n / m))
                       for i, n, m in zip(index, spatial, out))
        np.testing.assert_allclose(y[(0, *index)], reduce(x[(0, *window)].reshape(-1, 2), axis=0),
                                   atol=1e-6)


def check_errors(layer_cls, rank):
    name = layer_cls.__name__
    wrong = sloi.Input(shape=(4,) * (rank + 2))  # one axis too many
    with pytest.raises(ValueError, match=rf"\({name}\) expects inputs of rank {rank + 2} "):
        layer_cls(2)(wrong)
    with pytest.raises(ValueError, match=rf"{name}\): `output_size` must be an integer or a "
                                         rf"tuple of {rank}"):
        layer_cls((2,) * (rank + 1))
    with pytest.raises(ValueError, match=rf"{name}\): `output_size` must be positive"):
        layer_cls(0)
