"""``rearrange`` (``sloi/ops/einops.py``) against Keras 3's ``keras.ops.rearrange``."""

import numpy as np
import pytest
import torch

import sloi
from sloi import layers, ops
from tests.ops.keras_configs import check_keras_config
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(6)
IMAGES = {"float32": RNG.standard_normal((2, 6, 4, 3)).astype("float32"),
          "int32": RNG.integers(-9, 9, (2, 6, 4, 3)).astype("int32"),
          "bool": RNG.random((2, 6, 4, 3)) > 0.5}


@pytest.mark.parametrize("dtype", IMAGES)
@pytest.mark.parametrize("pattern,lengths", [
    ("b h w c -> b c h w", {}),
    ("b h w c -> (b h) w c", {}),
    ("b h w c -> h (b w) c", {}),
    ("b h w c -> b (c h w)", {}),
    ("b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2}),
    ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 3, "w1": 2}),
    ("b (h h1) w c -> b h w (c h1)", {"h": 3, "h1": 2}),
])
def test_rearrange(dtype, pattern, lengths):
    # Keras's symbolic Rearrange takes no None size: compare static shapes with it, and the
    # None batch in the model test below
    check_op("rearrange", IMAGES[dtype], pattern, batch_none=False, **lengths)


@pytest.mark.parametrize("pattern,lengths,match", [
    ("b h w -> b h w", {}, "names 3 input axes"),
    ("b h w c -> b h w", {}, "same axes"),
    ("b (h h1) w c -> b h w c h1", {}, "cannot infer"),
    ("b (h h1) w c -> b h w c h1", {"h1": 4}, "does not split"),
    ("b h w c", {}, "one '->'"),
])
def test_rearrange_explains_bad_patterns(pattern, lengths, match):
    with pytest.raises(ValueError, match=match):
        ops.rearrange(IMAGES["float32"], pattern, **lengths)


def test_rearrange_in_a_model_saves_and_loads(tmp_path):
    inputs = sloi.Input((6, 4, 3))
    x = layers.Dense(3)(inputs)
    y = ops.rearrange(x, "b (h h1) w c -> b h w (c h1)", h1=2)
    model = sloi.Model(inputs, y)
    assert model.output_shape == (None, 3, 4, 6)
    data = IMAGES["float32"]
    with torch.no_grad():
        h = model.layers[1](torch.from_numpy(data))
        expected = h.reshape(2, 3, 2, 4, 3).permute(0, 1, 3, 4, 2).reshape(2, 3, 4, 6)
    np.testing.assert_allclose(model.predict(data, verbose=0), expected.numpy(), rtol=1e-6)
    model.save(tmp_path / "m.sloi")
    loaded = sloi.saving.load_model(tmp_path / "m.sloi")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected.numpy(), rtol=1e-6)


def test_rearrange_rebuilds_from_a_keras_config():
    check_keras_config("rearrange", IMAGES["float32"], "b (h h1) w c -> b h w (c h1)", h1=2)
