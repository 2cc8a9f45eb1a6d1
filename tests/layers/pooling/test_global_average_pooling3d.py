import keras
import numpy as np
import pytest

import sloi
from sloi.layers import GlobalAveragePooling3D, GlobalAvgPool3D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format,expected", [
    ("channels_last", {False: (2, 3), True: (2, 1, 1, 1, 3)}),
    ("channels_first", {False: (2, 4), True: (2, 4, 1, 1, 1)}),
])
def test_global_average_pooling3d_matches_keras(data_format, expected, keepdims):
    # channels first reads (2, 4, 5, 2, 3) as 4 channels of 5 x 2 x 3
    run_layer_test(
        GlobalAveragePooling3D, {"data_format": data_format, "keepdims": keepdims},
        input_shape=(2, 4, 5, 2, 3), expected_output_shape=expected[keepdims],
        supports_masking=False, keras_layer_cls=keras.layers.GlobalAveragePooling3D,
    )


def test_global_average_pooling3d_written_out_and_errors():
    assert GlobalAvgPool3D is GlobalAveragePooling3D
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5, 6)).astype("float32")
    np.testing.assert_allclose(GlobalAveragePooling3D()(x).numpy(), np.mean(x, axis=(1, 2, 3)),
                               atol=1e-6)
    with pytest.raises(ValueError, match=r'"global_average_pooling3d(_\d+)?" '
                                         r"\(GlobalAveragePooling3D\) expects inputs of rank 5 "
                                         r".*\(None, 4, 4, 2\)"):
        GlobalAveragePooling3D()(sloi.Input(shape=(4, 4, 2)))
