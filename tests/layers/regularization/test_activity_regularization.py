import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import ActivityRegularization
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [{}, {"l1": 0.01}, {"l1": 0.1, "l2": 0.2}])
def test_activity_regularization_conformance_and_keras_parity(kwargs):
    layer, _ = run_layer_test(ActivityRegularization, kwargs, input_shape=(3, 4),
                              expected_output_shape=(3, 4), supports_masking=True,
                              keras_layer_cls=keras.layers.ActivityRegularization)
    assert "activity_regularizer" not in layer.get_config()


def test_activity_regularization_loss_matches_keras_and_math():
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    layer = ActivityRegularization(l1=0.1, l2=0.2)
    keras_layer = keras.layers.ActivityRegularization(l1=0.1, l2=0.2)
    out = layer(torch.tensor(x))
    keras_layer(x)
    np.testing.assert_array_equal(out.numpy(), x)
    expected = (0.1 * np.abs(x).sum() + 0.2 * (x**2).sum()) / 4
    np.testing.assert_allclose(float(sum(layer.losses)), expected, rtol=1e-5)
    np.testing.assert_allclose(float(sum(layer.losses)),
                               float(sum(keras_layer.losses).cpu()), rtol=1e-5)


def test_activity_regularization_loss_reaches_fit():
    inputs = sloi.Input(shape=(3,))
    model = sloi.Model(inputs, ActivityRegularization(l2=0.5)(sloi.layers.Dense(2)(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    with torch.no_grad():
        pred = model(torch.tensor(x))
    mse = float((pred**2).mean())
    reg = 0.5 * float((pred**2).sum()) / 4
    loss = model.evaluate(x, y, verbose=0)
    loss = loss[0] if isinstance(loss, list) else loss
    np.testing.assert_allclose(loss, mse + reg, rtol=1e-4)


def test_activity_regularization_errors():
    with pytest.raises(ValueError, match=r'Layer "activity_regularization" '
                                         r"\(ActivityRegularization\): l1 must be a non-negative "
                                         r"number; got l1=-1"):
        ActivityRegularization(l1=-1)


def test_activity_regularization_config_keys_and_values_are_keras():
    kwargs = {'l1': 0.1}
    ours, theirs = ActivityRegularization(**kwargs).get_config(), keras.layers.ActivityRegularization(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
