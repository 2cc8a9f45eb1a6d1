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


def test_compiled_metrics_leave_out_what_the_prediction_masks():
    """A mask the prediction carries reaches the metrics (the step detaches the prediction
    first), as Keras's compiled metrics fold ``y_pred._keras_mask`` into the weights."""
    import keras

    from sloi.engine.keras_mask import set_keras_mask
    from sloi.training.compile_utils import CompileMetrics

    rng = np.random.default_rng(0)
    y_true = rng.standard_normal((2, 5, 2)).astype("float32")
    y_pred = torch.as_tensor(rng.standard_normal((2, 5, 2)).astype("float32"),
                             ).requires_grad_()
    mask = torch.tensor([[True, True, True, False, False], [True, True, False, False, False]])
    set_keras_mask(y_pred, mask)
    compiled = CompileMetrics(["mae"], None, ["output"])
    compiled.build([torch.as_tensor(y_true)], [y_pred], torch.device("cpu"))
    compiled.update([torch.as_tensor(y_true)], [y_pred], [None])
    expected = keras.metrics.MeanAbsoluteError()
    expected.update_state(y_true, y_pred.detach().numpy(), sample_weight=mask.numpy())
    np.testing.assert_allclose(float(compiled.entries[0][1].result()),
                               float(expected.result()), rtol=1e-6)
