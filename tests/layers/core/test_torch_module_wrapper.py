import keras
import numpy as np
import pytest
import torch
from torch import nn

import sloi
from sloi.layers import Dense, TorchModuleWrapper
from tests.conformance import assert_gradients_match_keras, run_layer_test


class TwoLayer(nn.Module):
    """A user's module: rebuilt on loading from custom_objects and its attributes."""

    def __init__(self, features, hidden=5):
        super().__init__()
        self.features, self.hidden = features, hidden
        self.fc1, self.fc2 = nn.Linear(features, hidden), nn.Linear(hidden, 2)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


class Scaled(nn.Module):
    """A module whose constructor argument is not kept as an attribute: get_config says it."""

    def __init__(self, factor):
        super().__init__()
        self._factor = factor
        self.weight = nn.Parameter(torch.full((3,), float(factor)))

    def forward(self, x):
        return x * self.weight

    def get_config(self):
        return {"factor": self._factor}


@pytest.mark.parametrize("make, shape, out, n_trainable", [
    (lambda: nn.Linear(4, 3), (2, 4), (2, 3), 2),
    (lambda: nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2)), (2, 4), (2, 2), 4),
    (lambda: nn.Conv1d(3, 4, 2), (2, 3, 5), (2, 4, 4), 2),
])
def test_torch_module_wrapper_conformance_and_keras_parity(make, shape, out, n_trainable):
    layer, _ = run_layer_test(
        TorchModuleWrapper, {"module": make()}, input_shape=shape, expected_output_shape=out,
        expected_num_trainable_weights=n_trainable,
        keras_layer_cls=keras.layers.TorchModuleWrapper, keras_init_kwargs={"module": make()})
    assert layer.get_config()["module"]["class_name"].startswith("torch.nn.")


def test_torch_module_wrapper_gradients_match_keras():
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    assert_gradients_match_keras(TorchModuleWrapper, keras.layers.TorchModuleWrapper,
                                 {"module": nn.Linear(4, 3)}, x,
                                 keras_kwargs={"module": nn.Linear(4, 3)})


def test_torch_module_wrapper_buffers_are_non_trainable_weights_and_follow_training():
    layer = TorchModuleWrapper(nn.BatchNorm1d(3))
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 3
    x = torch.randn(8, 3) * 4 + 2
    layer(x)  # inference: the running statistics stay
    torch.testing.assert_close(layer.module.running_mean, torch.zeros(3))
    layer(x, training=True)
    assert not torch.allclose(layer.module.running_mean, torch.zeros(3))
    layer.trainable = False
    assert not layer.trainable_weights and not layer.module.weight.requires_grad


def test_torch_module_wrapper_trains_with_fit_in_sequential_and_functional():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = (x @ rng.standard_normal((4, 1))).astype("float32")
    seq = sloi.Sequential([sloi.Input(shape=(4,)), TorchModuleWrapper(nn.Linear(4, 8)),
                           Dense(1)])
    inputs = sloi.Input(shape=(4,))
    functional = sloi.Model(inputs, Dense(1)(TorchModuleWrapper(TwoLayer(4))(inputs)))
    for model in (seq, functional):
        model.compile(optimizer="adam", loss="mse")
        wrapped = model.layers[0] if model is seq else model.layers[1]
        before = [w.detach().clone() for w in wrapped.trainable_weights]
        history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]
        assert all(not torch.equal(a, b) for a, b in zip(before, wrapped.trainable_weights))


def test_torch_module_wrapper_model_saves_and_loads_without_pickle(tmp_path):
    inputs = sloi.Input(shape=(4,))
    h = TorchModuleWrapper(nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)))(inputs)
    h = TorchModuleWrapper(TwoLayer(3, hidden=6))(h)
    outputs = TorchModuleWrapper(Scaled(0.5), output_shape=(None, 3))(
        TorchModuleWrapper(nn.Linear(2, 3))(h))
    model = sloi.Model(inputs, outputs)
    model.layers[1](torch.randn(16, 4), training=True)  # move the BatchNorm statistics
    path = tmp_path / "wrapped.sloi"
    model.save(path)
    with pytest.raises(ValueError, match=r"'TwoLayer' is not in custom_objects; pass it when "
                                         r"loading: custom_objects=\{'TwoLayer': TwoLayer\}"):
        sloi.saving.load_model(path)
    loaded = sloi.saving.load_model(path, custom_objects={"TwoLayer": TwoLayer,
                                                         "Scaled": Scaled})
    x = torch.randn(5, 4)
    torch.testing.assert_close(loaded(x), model(x))
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.layers[2].module.hidden == 6


def test_torch_module_wrapper_errors():
    with pytest.raises(ValueError, match=r'Layer "torch_module_wrapper" \(TorchModuleWrapper\): '
                                         r"module must be a torch.nn.Module; got function"):
        TorchModuleWrapper(lambda x: x)
    with pytest.raises(ValueError, match=r"lazy modules must be initialized"):
        TorchModuleWrapper(nn.LazyLinear(3))

    class Opaque(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.fc = nn.Linear(n, n)

    with pytest.raises(ValueError, match=r"cannot write a config for its module: argument 'n' of "
                                         r"Opaque is not kept as an attribute of the same name"):
        TorchModuleWrapper(Opaque(2)).get_config()
    with pytest.raises(ValueError, match=r"pickled torch module .* never does"):
        TorchModuleWrapper.from_config({"name": "t", "module": "gASV...", "output_shape": None})
