import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import UnitNormalization
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("shape, axis", [((3, 5), -1), ((2, 3, 5), 1), ((2, 3, 5), [1, 2])])
def test_unit_norm_conformance_and_keras_parity(shape, axis):
    run_layer_test(UnitNormalization, {"axis": axis}, input_shape=shape,
                   expected_output_shape=shape, supports_masking=True,
                   keras_layer_cls=keras.layers.UnitNormalization)


def test_unit_norm_gives_unit_norms_and_keeps_zeros():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]])
    out = UnitNormalization()(x)
    torch.testing.assert_close(out, torch.tensor([[0.6, 0.8], [0.0, 0.0]]))
    y = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")
    out = UnitNormalization(axis=[1, 2])(y).numpy()
    np.testing.assert_allclose(np.sqrt((out**2).sum(axis=(1, 2))), 1.0, atol=1e-6)


def test_unit_norm_gradients_match_keras():
    x = np.random.default_rng(0).standard_normal((3, 5)).astype("float32")
    assert_gradients_match_keras(UnitNormalization, keras.layers.UnitNormalization, {}, x)


def test_unit_norm_errors():
    with pytest.raises(TypeError, match=r'Layer "unit_normalization" \(UnitNormalization\): axis '
                                        r"must be an int or a list of ints"):
        UnitNormalization(axis=1.5)
    with pytest.raises(ValueError, match=r"axis 3 is out of range for inputs of shape "
                                         r"\(None, 4, 5\)"):
        UnitNormalization(axis=3)(sloi.Input(shape=(4, 5)))


def test_unitnormalization_config_keys_and_values_are_keras():
    kwargs = {}
    ours, theirs = UnitNormalization(**kwargs).get_config(), keras.layers.UnitNormalization(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
