"""Window pooling cases and checks shared by the MaxPooling3D and AveragePooling3D tests.

Input (2, 5, 4, 3, 2): odd and even sizes, so "same" padding is even on some axes and uneven
(one more at the end) on others, depending on pool size and strides.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import sloi
from tests.conformance import run_layer_test

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


def check_matches_keras(layer_cls, keras_cls, pool_size, strides, padding, data_format):
    kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding,
              "data_format": data_format}
    x_shape = INPUT_SHAPE if data_format == "channels_last" else INPUT_SHAPE_CHANNELS_FIRST
    expected = keras_cls(**kwargs).compute_output_shape(x_shape)
    run_layer_test(
        layer_cls, kwargs, input_shape=x_shape, expected_output_shape=expected,
        supports_masking=False, keras_layer_cls=keras_cls,
    )


def check_defaults_and_written_out(layer_cls, reduce):
    """Default pool size and strides 2, and the windows reduced by ``reduce`` written out."""
    layer = layer_cls()
    assert layer.pool_size == (2, 2, 2) and layer.strides == (2, 2, 2)
    x = np.random.default_rng(0).standard_normal((1, 4, 2, 6, 3)).astype("float32")
    y = layer(x)
    assert y.shape == (1, 2, 1, 3, 3)
    blocks = x.reshape(1, 2, 2, 1, 2, 3, 2, 3).transpose(0, 1, 3, 5, 2, 4, 6, 7)
    np.testing.assert_allclose(y.numpy(), reduce(blocks.reshape(1, 2, 1, 3, 8, 3), axis=4),
                               atol=1e-6)
    return y


def check_errors(layer_cls, default_name):
    cls = re.escape(layer_cls.__name__)
    with pytest.raises(ValueError, match=rf'"{default_name}" \({cls}\) expects '
                                         r"inputs of rank 5 \(batch, depth, height, width, "
                                         r"channels\);.*\(None, 4, 4, 2\)"):
        layer_cls()(sloi.Input(shape=(4, 4, 2)))
    with pytest.raises(ValueError, match=rf"{cls}\): pool_size \(3, 3, 3\) is larger "
                                         r"than the spatial size \(2, 5, 5\)"):
        layer_cls(3)(torch.zeros(1, 2, 5, 5, 1))
    with pytest.raises(ValueError, match=rf"{cls}\): `pool_size` must be an integer "
                                         r"or a tuple of 3"):
        layer_cls((2, 2))


# GlobalMaxPooling3D and GlobalAveragePooling3D: (data_format, expected shape by keepdims);
# channels first reads (2, 4, 5, 2, 3) as 4 channels of 5 x 2 x 3
GLOBAL_INPUT_SHAPE = (2, 4, 5, 2, 3)
GLOBAL_CASES = [
    ("channels_last", {False: (2, 3), True: (2, 1, 1, 1, 3)}),
    ("channels_first", {False: (2, 4), True: (2, 4, 1, 1, 1)}),
]


def check_global_matches_keras(layer_cls, keras_cls, data_format, expected, keepdims):
    run_layer_test(
        layer_cls, {"data_format": data_format, "keepdims": keepdims},
        input_shape=GLOBAL_INPUT_SHAPE, expected_output_shape=expected[keepdims],
        supports_masking=False, keras_layer_cls=keras_cls,
    )


def check_global_written_out_and_errors(layer_cls, default_name, reduce):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5, 6)).astype("float32")
    np.testing.assert_allclose(layer_cls()(x).numpy(), reduce(x, axis=(1, 2, 3)), atol=1e-6)
    with pytest.raises(ValueError, match=rf'"{default_name}(_\d+)?" '
                                         rf"\({re.escape(layer_cls.__name__)}\) expects inputs "
                                         r"of rank 5 .*\(None, 4, 4, 2\)"):
        layer_cls()(sloi.Input(shape=(4, 4, 2)))
