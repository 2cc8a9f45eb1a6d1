import keras
import numpy as np
import pytest

import sloi
from sloi.layers import GlobalMaxPooling2D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("data_format,keepdims,expected", [
    ("channels_last", False, (2, 3)),
    ("channels_last", True, (2, 1, 1, 3)),
    ("channels_first", False, (2, 5)),
    ("channels_first", True, (2, 5, 1, 1)),
])
def test_global_max_pooling2d_matches_keras(data_format, keepdims, expected):
    run_layer_test(
        GlobalMaxPooling2D, {"data_format": data_format, "keepdims": keepdims},
        input_shape=(2, 5, 4, 3), expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.GlobalMaxPooling2D,
    )


def test_global_max_pooling2d_written_out():
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 3)).astype("float32")
    y = GlobalMaxPooling2D()(x).detach().numpy()
    np.testing.assert_allclose(y, x.max(axis=(1, 2)))


def test_global_max_pooling2d_rank_is_checked():
    with pytest.raises(ValueError, match=r'"global_max_pooling2d" \(GlobalMaxPooling2D\) expects '
                                         r"inputs of rank 4.*\(None, 8, 3\)"):
        GlobalMaxPooling2D()(sloi.Input(shape=(8, 3)))
