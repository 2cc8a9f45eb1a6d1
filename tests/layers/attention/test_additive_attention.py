import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import AdditiveAttention
from tests.conformance import run_layer_test

RNG = np.random.default_rng(1)
Q = RNG.standard_normal((2, 5, 6)).astype("float32")
V = RNG.standard_normal((2, 4, 6)).astype("float32")
K = RNG.standard_normal((2, 4, 6)).astype("float32")
Q_MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
V_MASK = np.array([[1, 0, 1, 0], [0, 0, 0, 0]], bool)


@pytest.mark.parametrize("kwargs,n_weights", [({}, 1), ({"use_scale": False}, 0)])
def test_additive_attention_conformance_and_keras_parity(kwargs, n_weights):
    layer, _ = run_layer_test(
        AdditiveAttention, kwargs, input_shape=[(2, 5, 6), (2, 4, 6)],
        expected_output_shape=(2, 5, 6), expected_num_trainable_weights=n_weights,
        supports_masking=True, keras_layer_cls=keras.layers.AdditiveAttention,
    )
    if n_weights:
        assert [p for p, _ in layer.weights_with_paths()] == [f"{layer.name}/scale"]
        assert tuple(layer.scale.shape) == (6,)


@pytest.mark.parametrize("use_scale", [True, False])
@pytest.mark.parametrize("call_kwargs", [
    {},
    {"mask": [Q_MASK, V_MASK]},
    {"use_causal_mask": True, "mask": [None, V_MASK]},
    {"return_attention_scores": True, "mask": [Q_MASK, V_MASK]},
])
def test_additive_attention_call_arguments_match_keras(use_scale, call_kwargs):
    ours = AdditiveAttention(use_scale=use_scale)
    theirs = keras.layers.AdditiveAttention(use_scale=use_scale)
    ours([Q, V, K])
    theirs([Q, V, K])
    theirs.set_weights(ours.get_weights())
    a = ours([Q, V, K], **call_kwargs)
    b = theirs([Q, V, K], **call_kwargs)
    a, b = (a, b) if isinstance(a, tuple) else ((a,), (b,))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x.detach().numpy(), keras.ops.convert_to_numpy(y), atol=1e-5)


def test_additive_attention_scores_are_bahdanau_sums():
    layer = AdditiveAttention()
    q, v = torch.randn(1, 2, 3), torch.randn(1, 4, 3)
    _, weights = layer([q, v], return_attention_scores=True)
    scores = torch.stack([
        torch.stack([(layer.scale * torch.tanh(q[0, i] + v[0, j])).sum() for j in range(4)])
        for i in range(2)
    ])
    torch.testing.assert_close(weights[0], torch.softmax(scores, -1))


def test_additive_attention_config_has_no_score_mode_like_keras():
    ours = AdditiveAttention(use_scale=False, dropout=0.1, seed=2).get_config()
    theirs = keras.layers.AdditiveAttention(use_scale=False, dropout=0.1, seed=2).get_config()
    assert "score_mode" not in ours and "score_mode" not in theirs
    for key in ("use_scale", "dropout", "seed"):
        assert ours[key] == theirs[key]


def test_additive_attention_errors():
    with pytest.raises(ValueError, match=r"\(AdditiveAttention\): query and key must have the "
                                         r"same last dimension.*\(None, 5, 6\).*\(None, 4, 5\)"):
        AdditiveAttention()([sloi.Input((5, 6)), sloi.Input((4, 6)), sloi.Input((4, 5))])
    with pytest.raises(ValueError, match=r"\(AdditiveAttention\) expects a list of 2 or 3"):
        AdditiveAttention()([torch.zeros(2, 5, 6)])
