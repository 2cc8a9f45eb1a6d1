"""On a machine with CUDA: host inputs given to a model or layer whose weights are on the GPU
move there, as Keras puts every input on its device. Skipped without CUDA (the CPU suite
checks the same calls stay on the host; ``to_weights_device`` reads two flags there)."""

import numpy as np
import pytest
import torch

import sloi
from sloi import layers as L

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _trained_model():
    torch.manual_seed(0)
    ids = L.Input(shape=(6,), dtype="int32")
    h = L.LSTM(4)(L.Embedding(10, 3, mask_zero=True)(ids))
    model = sloi.Model(ids, L.Dense(1)(h))
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).integers(1, 10, (32, 6)).astype("int32")
    model.fit(x, np.zeros((32, 1), "float32"), epochs=1, verbose=0)
    return model, x


@pytest.fixture
def on_cuda():
    before = sloi.config.get_device()
    sloi.config.set_device("cuda")  # other tests may have chosen the CPU for this process
    yield
    sloi.config.set_device(before)


@cuda
def test_numpy_and_host_tensors_reach_a_model_on_cuda(on_cuda):
    model, x = _trained_model()
    assert next(model.parameters()).is_cuda
    expected = model.predict(x, verbose=0)
    for given in (x, torch.from_numpy(x)):
        out = model(given)
        assert out.is_cuda
        np.testing.assert_allclose(out.detach().cpu().numpy(), expected, rtol=1e-5, atol=1e-6)
    embedding = model.layers[1]
    assert embedding(torch.from_numpy(x)).is_cuda  # one layer, called on its own


@cuda
def test_a_host_mask_follows_its_input_to_a_layer_on_cuda():
    torch.manual_seed(0)
    layer = L.LSTM(3, return_sequences=True)
    x = torch.randn(2, 5, 4)
    mask = torch.tensor([[0, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)  # the step loop
    expected = layer(x, mask=mask)
    layer.to("cuda")
    out = layer(x, mask=mask)
    assert out.is_cuda
    torch.testing.assert_close(out.cpu(), expected, rtol=1e-5, atol=1e-6)


def test_host_inputs_stay_on_the_host_for_a_host_model():
    model = sloi.Sequential([L.Input(shape=(3,)), L.Dense(2)])
    model.to("cpu")
    out = model(np.ones((2, 3), "float32"))
    assert out.device.type == "cpu" and out.shape == (2, 2)
