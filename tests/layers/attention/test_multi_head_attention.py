import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dropout, MultiHeadAttention
from tests.conformance import run_layer_test
from tests.layers.attention.attention_cases import assert_same, keras_pair

RNG = np.random.default_rng(2)
Q = RNG.standard_normal((2, 5, 6)).astype("float32")
V = RNG.standard_normal((2, 4, 7)).astype("float32")
K = RNG.standard_normal((2, 4, 3)).astype("float32")
Q_MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
V_MASK = np.array([[1, 1, 0, 0], [1, 0, 1, 1]], bool)
K_MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)


def _pair(kwargs, *inputs):
    """A sloi and a Keras layer built on ``inputs``, with the same random weights."""
    return keras_pair(MultiHeadAttention, keras.layers.MultiHeadAttention, kwargs, *inputs,
                      rng=RNG, scale=0.5)


@pytest.mark.parametrize("kwargs,shapes,expected,n_weights", [
    ({"num_heads": 2, "key_dim": 3}, [(2, 5, 6), (2, 4, 7)], (2, 5, 6), 8),
    ({"num_heads": 1, "key_dim": 4}, [(2, 5, 6), (2, 5, 6)], (2, 5, 6), 8),
    ({"num_heads": 4, "key_dim": 2, "value_dim": 5}, [(2, 5, 6), (2, 4, 7), (2, 4, 3)],
     (2, 5, 6), 8),
    ({"num_heads": 2, "key_dim": 3, "output_shape": 8}, [(2, 5, 6), (2, 4, 7)], (2, 5, 8), 8),
    ({"num_heads": 2, "key_dim": 3, "output_shape": (2, 3)}, [(2, 5, 6), (2, 4, 7)],
     (2, 5, 2, 3), 8),
    ({"num_heads": 2, "key_dim": 3, "use_bias": False}, [(2, 5, 6), (2, 4, 7)], (2, 5, 6), 4),
    ({"num_heads": 2, "key_dim": 3, "use_gate": True}, [(2, 5, 6), (2, 4, 7)], (2, 5, 6), 10),
    ({"num_heads": 2, "key_dim": 3}, [(2, 3, 4, 6), (2, 2, 5, 6)], (2, 3, 4, 6), 8),
    ({"num_heads": 2, "key_dim": 3, "attention_axes": (2,)}, [(2, 3, 4, 6), (2, 3, 5, 6)],
     (2, 3, 4, 6), 8),
])
def test_multi_head_attention_conformance_and_keras_parity(kwargs, shapes, expected, n_weights):
    # query, value (and key) are separate call arguments: inputs_as_args
    layer, _ = run_layer_test(
        MultiHeadAttention, kwargs, shapes, expected, n_weights, supports_masking=True,
        keras_layer_cls=keras.layers.MultiHeadAttention, inputs_as_args=True,
        check_gradients=True, grad_atol=1e-4)
    # Keras's weight names, in Keras's order (the helper checks their shapes)
    theirs = keras.layers.MultiHeadAttention(**kwargs)
    theirs(*[RNG.standard_normal(s).astype("float32") for s in shapes])
    assert [p.split("/", 1)[1] for p, _ in layer.weights_with_paths()] == [
        w.path.split("/", 1)[1] for w in theirs.weights]
    assert tuple(theirs.compute_output_shape(*shapes)) == expected
    assert layer.compute_output_shape(*shapes) == expected


@pytest.mark.parametrize("kwargs", [
    {"num_heads": 2, "key_dim": 3},
    {"num_heads": 1, "key_dim": 3},
    {"num_heads": 4, "key_dim": 2, "value_dim": 5, "output_shape": 7},
    {"num_heads": 2, "key_dim": 3, "use_bias": False},
    {"num_heads": 2, "key_dim": 3, "use_gate": True},
    {"num_heads": 2, "key_dim": 3, "sliding_window": 2},
    {"num_heads": 2, "key_dim": 3, "dropout": 0.5},  # dropout > 0: Keras's explicit path
])
@pytest.mark.parametrize("call_kwargs", [
    {},
    {"use_causal_mask": True},
    {"value_mask": V_MASK},
    {"value_mask": V_MASK, "key_mask": K_MASK, "use_causal_mask": True},
    {"attention_mask": RNG.random((2, 5, 4)) > 0.3},
    {"return_attention_scores": True},
    {"return_attention_scores": True, "value_mask": V_MASK, "use_causal_mask": True},
])
def test_multi_head_attention_call_arguments_match_keras(kwargs, call_kwargs):
    ours, theirs = _pair(kwargs, Q, V, K)
    assert_same(ours(Q, V, K, **call_kwargs), theirs(Q, V, K, **call_kwargs))


def _masked(x, mask):
    t = torch.from_numpy(x)
    t._keras_mask = torch.from_numpy(mask)
    return t


@pytest.mark.parametrize("dropout", [0.0, 0.5])
@pytest.mark.parametrize("return_scores", [False, True])
def test_multi_head_attention_carried_masks_match_keras(dropout, return_scores):
    """Masks carried by the tensors: a masked query step attends to nothing on Keras's explicit
    path (output = bias) and to every value uniformly on its fused path; both are matched."""
    ours, theirs = _pair({"num_heads": 2, "key_dim": 3, "dropout": dropout}, Q, V, K)

    def run(layer):
        return layer(_masked(Q, Q_MASK), _masked(V, V_MASK), _masked(K, K_MASK),
                     return_attention_scores=return_scores)

    out = run(ours)
    assert_same(out, run(theirs))
    first = out[0] if return_scores else out
    assert torch.equal(first._keras_mask, torch.from_numpy(Q_MASK))  # output mask = query mask


def test_multi_head_attention_explicit_query_mask_acts_as_the_carried_one():
    layer = MultiHeadAttention(2, 3)
    carried = layer(_masked(Q, Q_MASK), V, return_attention_scores=True)
    explicit = layer(Q, V, query_mask=Q_MASK, return_attention_scores=True)
    for a, b in zip(carried, explicit, strict=True):
        torch.testing.assert_close(a, b)
    assert not torch.allclose(layer(Q, V), explicit[0])


def test_multi_head_attention_multi_axis_scores_match_keras():
    q = RNG.standard_normal((2, 3, 4, 6)).astype("float32")
    v = RNG.standard_normal((2, 2, 5, 6)).astype("float32")
    for axes, value in ((None, v), ((2,), q[:, :, :3]), ((1, 2), v)):
        ours, theirs = _pair({"num_heads": 2, "key_dim": 3, "attention_axes": axes}, q, value)
        assert_same(ours(q, value, return_attention_scores=True),
                     theirs(q, value, return_attention_scores=True))


def test_multi_head_attention_symbolic_key_and_scores():
    q, v, k = sloi.Input((5, 6)), sloi.Input((None, 7)), sloi.Input((None, 3))
    out, scores = MultiHeadAttention(2, 3, output_shape=(2, 2))(q, v, key=k,
                                                                return_attention_scores=True)
    assert out.shape == (None, 5, 2, 2) and scores.shape == (None, 2, 5, None)
    model = sloi.Model([q, v, k], [out, scores])
    y, s = model([Q, V, K])
    assert tuple(y.shape) == (2, 5, 2, 2) and tuple(s.shape) == (2, 2, 5, 4)


def test_multi_head_attention_self_attention_in_a_model_matches_keras_and_trains():
    def build(lib):
        x = lib.Input((6, 8))
        a = lib.layers.MultiHeadAttention(4, 2)(x, x, use_causal_mask=True)
        return lib.Model(x, lib.layers.Dense(1)(lib.layers.GlobalMaxPooling1D()(a)))

    ours, theirs = build(sloi), build(keras)
    theirs.set_weights(ours.get_weights())
    x = RNG.standard_normal((3, 6, 8)).astype("float32")
    assert_same(ours(x), theirs(x))
    grads = []
    for model in (ours, theirs):
        loss = model(x).sum()
        weights = [w for w in model.trainable_weights]
        weights = [w.value if hasattr(w, "value") else w for w in weights]
        grads.append(torch.autograd.grad(loss, weights))
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_multi_head_attention_eager_masks_from_embedding_match_keras():
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]], "int32")
    emb_ours = sloi.layers.Embedding(10, 4, mask_zero=True)
    emb_theirs = keras.layers.Embedding(10, 4, mask_zero=True)
    emb_ours(ids)
    emb_theirs(ids)
    emb_theirs.set_weights(emb_ours.get_weights())
    x = np.zeros((2, 6, 4), "float32")
    ours, theirs = _pair({"num_heads": 2, "key_dim": 2}, x, x)
    e_ours, e_theirs = emb_ours(ids), emb_theirs(ids)
    assert e_ours._keras_mask is not None
    assert_same(ours(e_ours, e_ours), theirs(e_theirs, e_theirs))


def test_multi_head_attention_functional_masks_from_embedding_match_keras():
    def build(lib):
        x = lib.Input((6,), dtype="int32")
        e = lib.layers.Embedding(10, 4, mask_zero=True)(x)
        return lib.Model(x, lib.layers.MultiHeadAttention(2, 2)(e, e))

    ours, theirs = build(sloi), build(keras)
    theirs.set_weights(ours.get_weights())
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]], "int32")
    assert_same(ours(ids), theirs(ids))


def test_multi_head_attention_activity_and_kernel_losses_match_keras():
    kwargs = {"num_heads": 2, "key_dim": 3, "activity_regularizer": "l2",
              "kernel_regularizer": "l1"}
    ours, theirs = _pair(kwargs, Q, V)
    ours(Q, V)
    theirs(Q, V)
    a = sorted(float(x.detach()) for x in ours.losses)
    b = sorted(float(keras.ops.convert_to_numpy(x)) for x in theirs.losses)
    np.testing.assert_allclose(a, b, rtol=1e-5)
    assert len(a) == 8  # four kernels, four projection outputs


def test_multi_head_attention_dropout_and_its_sub_layer_names():
    name = Dropout(0.1).name
    before = int(name.split("_")[1]) if "_" in name else 0
    layer = MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    x = torch.randn(2, 5, 6)
    y = layer(x, x)
    # Keras's build makes a Softmax and a Dropout sub-layer, taking those automatic names.
    after = Dropout(0.1).name
    assert after == f"dropout_{before + 2}"
    torch.testing.assert_close(layer(x, x), y)  # inference: no dropout
    _, s_train = layer(x, x, training=True, return_attention_scores=True)
    _, s_eval = layer(x, x, return_attention_scores=True)
    torch.testing.assert_close(s_train, s_eval)  # scores are returned before dropout (Keras)
    assert not torch.allclose(layer(x, x, training=True), y)


def test_multi_head_attention_config_matches_keras():
    kwargs = {"num_heads": 3, "key_dim": 4, "value_dim": 2, "dropout": 0.1, "use_bias": False,
              "output_shape": 5, "attention_axes": 1, "sliding_window": 3, "use_gate": True,
              "seed": 4}
    ours = MultiHeadAttention(**kwargs).get_config()
    theirs = keras.layers.MultiHeadAttention(**kwargs).get_config()
    plain = ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape",
             "attention_axes", "sliding_window", "use_gate", "seed")
    assert {k: ours[k] for k in plain} == {k: theirs[k] for k in plain}
    assert set(theirs) - {"dtype"} <= set(ours)


def test_multi_head_attention_errors_name_the_layer_and_shapes():
    x = torch.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r'"multi_head_attention\w*" \(MultiHeadAttention\): '
                                         r"num_heads must be a positive integer; got num_heads=0"):
        MultiHeadAttention(0, 2)
    with pytest.raises(ValueError, match=r"key_dim must be a positive integer"):
        MultiHeadAttention(2, "8")
    with pytest.raises(ValueError, match=r"value and key must have the same dimensions except "
                                         r"the last one.*\(None, 5, 4\).*\(None, 6, 4\)"):
        MultiHeadAttention(2, 2)(sloi.Input((3, 4)), sloi.Input((5, 4)), sloi.Input((6, 4)))
    with pytest.raises(ValueError, match=r"query must have rank 3 or more.*\(2, 4\)"):
        MultiHeadAttention(2, 2)(torch.zeros(2, 4), torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"attention_axes=\(3,\) must name distinct axes.*"
                                         r"\(2, 3, 4\)"):
        MultiHeadAttention(2, 2, attention_axes=3)(x, x)
    with pytest.raises(ValueError, match=r"use_causal_mask and sliding_window need inputs of "
                                         r"rank 3.*\(2, 3, 3, 4\)"):
        MultiHeadAttention(2, 2)(torch.zeros(2, 3, 3, 4), torch.zeros(2, 3, 3, 4),
                                 use_causal_mask=True)
    with pytest.raises(ValueError, match=r"dropout is not supported with flash_attention=True"):
        MultiHeadAttention(2, 2, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match=r"return_attention_scores=True is not supported"):
        MultiHeadAttention(2, 2, flash_attention=True)(x, x, return_attention_scores=True)


def test_keyword_only_symbolic_call():
    q = sloi.Input(shape=(5, 8))
    v = sloi.Input(shape=(7, 8))
    out = sloi.layers.MultiHeadAttention(num_heads=2, key_dim=4)(query=q, value=v)
    assert out.shape == (None, 5, 8)
