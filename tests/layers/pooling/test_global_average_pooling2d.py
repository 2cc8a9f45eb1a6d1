import keras
import numpy as np
import pytest

import sloi
from sloi.layers import GlobalAveragePooling2D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("data_format,keepdims,expected", [
    ("channels_last", False, (2, 3)),
    ("channels_last", True, (2, 1, 1, 3)),
    ("channels_first", False, (2, 5)),
    ("channels_first", True, (2, 5, 1, 1)),
])
def test_global_average_pooling2d_matches_keras(data_format, keepdims, expected):
    run_layer_test(
        GlobalAveragePooling2D, {"data_format": data_format, "keepdims": keepdims},
        input_shape=(2, 5, 4, 3), expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.GlobalAveragePooling2D,
    )


def test_global_average_pooling2d_written_out():
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 3)).astype("float32")
    y = GlobalAveragePooling2D(data_format="channels_first", keepdims=True)(x).detach().numpy()
    np.testing.assert_allclose(y, x.mean(axis=(2, 3), keepdims=True), atol=1e-6)


def test_global_average_pooling2d_rank_is_checked():
    with pytest.raises(ValueError, match=r"\(GlobalAveragePooling2D\) expects inputs of rank 4"):
        GlobalAveragePooling2D()(sloi.Input(shape=(8,)))
    with pytest.raises(ValueError, match=r"GlobalAveragePooling2D\): `data_format` must be"):
        GlobalAveragePooling2D(data_format="nchw")
