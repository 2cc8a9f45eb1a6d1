"""What ``compile`` binds for each loss identifier."""

import numpy as np
import pytest
import torch

from sloi import losses
from sloi.training.compile_utils import _loss_object


@pytest.mark.parametrize("name, cls", [
    ("binary_crossentropy", losses.BinaryCrossentropy), ("mse", losses.MeanSquaredError),
    ("mae", losses.MeanAbsoluteError), ("categorical_crossentropy",
                                        losses.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
    ("huber", losses.Huber), ("log_cosh", losses.LogCosh),
])
def test_builtin_function_names_become_their_class_with_the_same_numbers(name, cls):
    """A built-in function name gives its class (fused kernel) and the numbers of the function
    wrapped as Keras wraps it, with and without sample weights."""
    bound = _loss_object(name)
    assert type(bound) is cls and bound.name == name
    wrapped = losses.LossFunctionWrapper(losses.get(name))
    rng = np.random.default_rng(0)
    if "categorical" in name:
        y_pred = torch.softmax(torch.as_tensor(rng.standard_normal((6, 4)), dtype=torch.float32),
                               -1)
        labels = rng.integers(0, 4, 6)
        y_true = (torch.as_tensor(labels) if name.startswith("sparse")
                  else torch.eye(4)[torch.as_tensor(labels)])
    else:
        y_pred = torch.as_tensor(rng.random((6, 1)), dtype=torch.float32)
        y_true = torch.as_tensor(rng.integers(0, 2, (6, 1)), dtype=torch.float32)
    weight = torch.as_tensor(rng.random(6), dtype=torch.float32)
    for sw in (None, weight):
        torch.testing.assert_close(bound(y_true, y_pred, sample_weight=sw),
                                   wrapped(y_true, y_pred, sample_weight=sw),
                                   rtol=1e-6, atol=1e-7)


def test_other_functions_stay_wrapped():
    def halved_mse(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(-1) / 2

    bound = _loss_object(halved_mse)
    assert type(bound) is losses.LossFunctionWrapper and bound.name == "halved_mse"
    assert losses.class_of(halved_mse) is None
    assert losses.class_of(losses.mean_squared_error) is losses.MeanSquaredError
