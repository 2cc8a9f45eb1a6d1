import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import GroupedQueryAttention, GroupQueryAttention
from tests.conformance import assert_gradients_match_keras, run_layer_test
from tests.layers.attention.attention_cases import assert_same, keras_pair

RNG = np.random.default_rng(3)
Q = RNG.standard_normal((2, 5, 6)).astype("float32")
V = RNG.standard_normal((2, 4, 6)).astype("float32")
K = RNG.standard_normal((2, 4, 6)).astype("float32")
Q_MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
V_MASK = np.array([[1, 1, 0, 0], [1, 0, 1, 1]], bool)
K_MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)


class _ListInputs(GroupedQueryAttention):
    """``[query, value(, key)]`` as one argument, the form ``run_layer_test`` calls with."""

    def build(self, input_shape):
        super().build(*input_shape)

    def call(self, inputs):
        return super().call(*inputs)


class _KerasListInputs(keras.layers.GroupQueryAttention):
    def build(self, input_shape):
        super().build(*input_shape)

    def call(self, inputs):
        return super().call(*inputs)


@pytest.mark.parametrize("kwargs, shapes, n_weights", [
    ({"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}, [(2, 5, 6), (2, 4, 6)], 8),
    ({"head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 1},
     [(2, 5, 6), (2, 4, 6), (2, 4, 5)], 8),
    ({"head_dim": 3, "num_query_heads": 2, "num_key_value_heads": 2, "use_bias": False},
     [(2, 5, 6), (2, 5, 6)], 4),
    ({"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, "use_gate": True},
     [(2, 5, 6), (2, 4, 6)], 10),
])
def test_gqa_conformance_and_keras_parity(kwargs, shapes, n_weights):
    run_layer_test(_ListInputs, kwargs, input_shape=shapes, expected_output_shape=shapes[0],
                   expected_num_trainable_weights=n_weights, keras_layer_cls=_KerasListInputs)


def _pair(kwargs, *inputs):
    """A sloi and a Keras layer built on ``inputs``, with the same random weights."""
    return keras_pair(GroupedQueryAttention, keras.layers.GroupQueryAttention, kwargs, *inputs,
                      rng=RNG, scale=0.5)


def test_gqa_weight_names_shapes_and_order_are_keras():
    kwargs = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, "use_gate": True}
    ours, theirs = _pair(kwargs, Q, V, K)
    assert [p.split("/", 1)[1] for p, _ in ours.weights_with_paths()] == [
        w.path.split("/", 1)[1] for w in theirs.weights]
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    assert set(ours.get_config()) == set(theirs.get_config())
    assert type(ours).__name__ == type(theirs).__name__ == "GroupedQueryAttention"
    assert GroupQueryAttention is GroupedQueryAttention


@pytest.mark.parametrize("kwargs", [
    {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2},
    {"head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 1, "use_gate": True},
    {"head_dim": 3, "num_query_heads": 2, "num_key_value_heads": 2, "sliding_window": 2},
    {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, "dropout": 0.5},
])
@pytest.mark.parametrize("call_kwargs", [
    {}, {"use_causal_mask": True}, {"value_mask": V_MASK},
    {"query_mask": Q_MASK, "value_mask": V_MASK, "key_mask": K_MASK, "use_causal_mask": True},
    {"attention_mask": RNG.random((2, 5, 4)) > 0.3}, {"return_attention_scores": True},
])
def test_gqa_matches_keras_with_masks(kwargs, call_kwargs):
    ours, theirs = _pair(kwargs, Q, V, K)
    assert_same(ours(Q, V, K, **call_kwargs), theirs(Q, V, K, **call_kwargs))


def test_gqa_gradients_match_keras():
    kwargs = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, "use_gate": True}
    assert_gradients_match_keras(GroupedQueryAttention, keras.layers.GroupQueryAttention,
                                 kwargs, [Q, V], inputs_as_args=True, value_mask=V_MASK)


def test_gqa_dropout_in_training_and_seed():
    kwargs = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, "dropout": 0.5,
              "seed": 1}
    a, b = GroupedQueryAttention(**kwargs), GroupedQueryAttention(**kwargs)
    a(Q, V)
    b(Q, V)
    b.set_weights(a.get_weights())
    inference = a(Q, V)
    torch.testing.assert_close(a(Q, V), inference)  # no dropout outside training
    first = a(Q, V, training=True)
    assert not torch.allclose(first, inference)
    torch.testing.assert_close(first, b(Q, V, training=True))  # same seed, same masks


def test_gqa_in_a_model_with_carried_masks_saves_and_loads(tmp_path):
    ids = sloi.Input(shape=(5,), dtype="int32")
    h = sloi.layers.Embedding(10, 6, mask_zero=True)(ids)
    out = GroupedQueryAttention(3, 4, 2)(h, h, use_causal_mask=True)
    model = sloi.Model(ids, out)
    x = torch.tensor([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]])
    path = tmp_path / "gqa.sloi"
    model.save(path)
    loaded = sloi.saving.load_model(path)
    torch.testing.assert_close(loaded(x), model(x))


def test_gqa_errors():
    with pytest.raises(ValueError, match=r'Layer "grouped_query_attention" '
                                         r"\(GroupedQueryAttention\): num_query_heads=3 must be "
                                         r"divisible by num_key_value_heads=2"):
        GroupedQueryAttention(4, 3, 2)
    with pytest.raises(ValueError, match=r"head_dim must be a positive integer; got head_dim=0"):
        GroupedQueryAttention(0, 2, 2)
    with pytest.raises(ValueError, match=r"dropout is not supported with flash_attention=True"):
        GroupedQueryAttention(4, 2, 2, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match=r"query must have rank 3, \(batch, steps, features\), "
                                         r"with known features; got query shape \(None, 6\)"):
        GroupedQueryAttention(4, 2, 2)(sloi.Input(shape=(6,)), sloi.Input(shape=(3, 6)))
    with pytest.raises(ValueError, match=r"query and value must have the same last dimension; got "
                                         r"query shape \(None, 5, 6\) and value shape "
                                         r"\(None, 4, 7\)"):
        GroupedQueryAttention(4, 2, 2)(sloi.Input(shape=(5, 6)), sloi.Input(shape=(4, 7)))
