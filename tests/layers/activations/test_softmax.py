import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Softmax
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("axis", [-1, 1, [1, 2], [2]])
def test_softmax_conformance_and_keras_parity(axis):
    run_layer_test(Softmax, {"axis": axis}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4), supports_masking=True,
                   keras_layer_cls=keras.layers.Softmax)


@pytest.mark.parametrize("mask_shape, mask_dtype", [
    ((2, 3, 4), "bool"), ((2, 1, 4), "bool"), ((4,), "bool"), ((2, 3, 4), "float32"),
])
def test_softmax_mask_matches_keras(mask_shape, mask_dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    mask = rng.uniform(size=mask_shape) > 0.3
    mask = mask.astype(mask_dtype)
    out = Softmax()(torch.tensor(x), mask=torch.tensor(mask)).numpy()
    ref = keras.layers.Softmax()(torch.tensor(x), mask=torch.tensor(mask)).cpu().numpy()
    np.testing.assert_allclose(out, ref, atol=1e-6)
    # masked positions get exactly nothing; the rest sum to 1 (where anything is visible)
    full = np.broadcast_to(mask.astype(bool), x.shape)
    assert (out[~full] == 0).all()
    visible = full.any(-1)
    np.testing.assert_allclose(out.sum(-1)[visible], 1.0, atol=1e-6)


def test_softmax_mask_in_a_model_and_gradients_match_keras():
    x_in, m_in = sloi.Input(shape=(3, 4)), sloi.Input(shape=(3, 4), dtype="bool")
    model = sloi.Model([x_in, m_in], Softmax()(x_in, mask=m_in))
    x = torch.randn(2, 3, 4)
    mask = torch.rand(2, 3, 4) > 0.4
    ref = keras.layers.Softmax()(x, mask=mask).cpu()
    torch.testing.assert_close(model([x, mask]), ref)
    assert_gradients_match_keras(Softmax, keras.layers.Softmax, {}, x.numpy(), mask=mask)


def test_softmax_errors():
    with pytest.raises(ValueError, match=r'Layer "softmax" \(Softmax\): axis must be an int'):
        Softmax(axis="last")
    with pytest.raises(ValueError, match=r'Layer "softmax_1" \(Softmax\): the mask of shape '
                                         r"\(2, 3\) does not broadcast to the inputs of shape "
                                         r"\(2, 3, 4\)"):
        Softmax()(torch.zeros(2, 3, 4), mask=torch.ones(2, 3, dtype=torch.bool))


def test_softmax_config_keys_and_values_are_keras():
    kwargs = {'axis': [1, 2]}
    ours, theirs = Softmax(**kwargs).get_config(), keras.layers.Softmax(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
