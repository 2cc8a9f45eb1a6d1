import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import ReversibleEmbedding
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("kwargs, n_weights", [
    ({"input_dim": 10, "output_dim": 4}, 1),
    ({"input_dim": 10, "output_dim": 4, "tie_weights": False}, 2),
    ({"input_dim": 10, "output_dim": 4, "mask_zero": True, "logit_soft_cap": 5.0}, 1),
])
def test_reversible_embedding_conformance_and_keras_parity(kwargs, n_weights):
    layer, _ = run_layer_test(
        ReversibleEmbedding, kwargs, input_shape=(2, 5), input_dtype="int32",
        expected_output_shape=(2, 5, 4), expected_num_trainable_weights=n_weights,
        keras_layer_cls=keras.layers.ReversibleEmbedding)
    assert [w.shape for w in layer.get_weights()] == [(10, 4), (4, 10)][:n_weights]


@pytest.mark.parametrize("kwargs", [
    {}, {"tie_weights": False}, {"logit_soft_cap": 0.5},
    {"reverse_dtype": "float32", "dtype": "float16"},
])
def test_reversible_embedding_reverse_matches_keras_with_gradients(kwargs):
    rng = np.random.default_rng(0)
    layer = ReversibleEmbedding(10, 4, **kwargs)
    keras_layer = keras.layers.ReversibleEmbedding(10, 4, **kwargs)
    layer.build((2, 5))
    keras_layer.build((2, 5))
    keras_layer.set_weights(layer.get_weights())
    h = rng.standard_normal((2, 5, 4)).astype("float32")
    logits, keras_logits = layer(h, reverse=True), keras_layer(h, reverse=True)
    assert logits.shape == (2, 5, 10) and logits.dtype == keras_logits.dtype
    # a float16 layer rounds its inputs to float16 first (as Keras autocasts them)
    tol = {"atol": 1e-3, "rtol": 1e-2} if "dtype" in kwargs else {}
    torch.testing.assert_close(logits, keras_logits.cpu(), **tol)
    assert_gradients_match_keras(ReversibleEmbedding, keras.layers.ReversibleEmbedding,
                                 {"input_dim": 10, "output_dim": 4, **kwargs}, h,
                                 atol=tol.get("atol", 1e-5), reverse=True)


def test_reversible_embedding_tied_logits_written_out_and_symbolic():
    layer = ReversibleEmbedding(7, 3, logit_soft_cap=2.0)
    ids = sloi.Input(shape=(5,), dtype="int32")
    h = layer(ids)
    logits = layer(h, reverse=True)
    assert tuple(h.shape) == (None, 5, 3) and tuple(logits.shape) == (None, 5, 7)
    model = sloi.Model(ids, logits)
    x = torch.tensor([[1, 2, 3, 0, 6]])
    emb = layer.embeddings.detach()
    expected = torch.tanh(emb[x] @ emb.T / 2.0) * 2.0
    torch.testing.assert_close(model(x), expected)


def test_reversible_embedding_masks_forward_only():
    layer = ReversibleEmbedding(5, 3, mask_zero=True)
    h = layer(torch.tensor([[1, 0, 2]]))
    assert h._keras_mask.tolist() == [[True, False, True]]
    logits = layer(h, reverse=True)
    assert getattr(logits, "_keras_mask", None) is None


def test_reversible_embedding_errors():
    with pytest.raises(ValueError, match=r'Layer "reversible_embedding" \(ReversibleEmbedding\): '
                                         r"logit_soft_cap must be a positive number"):
        ReversibleEmbedding(5, 3, logit_soft_cap=-1)
    layer = ReversibleEmbedding(5, 3)
    with pytest.raises(ValueError, match=r"with reverse=True maps vectors of size output_dim=3 "
                                         r"to logits; got inputs of shape \(2, 4\)"):
        layer(torch.zeros(2, 4), reverse=True)
