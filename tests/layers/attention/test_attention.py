import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Attention
from tests.conformance import run_layer_test
from tests.layers.attention.attention_cases import assert_same, keras_pair

RNG = np.random.default_rng(0)
Q = RNG.standard_normal((2, 5, 6)).astype("float32")
V = RNG.standard_normal((2, 4, 6)).astype("float32")
K = RNG.standard_normal((2, 4, 6)).astype("float32")
V7 = RNG.standard_normal((2, 4, 7)).astype("float32")
Q_MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
V_MASK = np.array([[1, 1, 0, 0], [0, 0, 0, 0]], bool)  # second row: every value masked


def _np(x):
    return keras.ops.convert_to_numpy(x) if not isinstance(x, np.ndarray) else x


def _pair(kwargs, inputs):
    """A sloi layer and a Keras layer built on ``inputs`` with the same random weights."""
    return keras_pair(Attention, keras.layers.Attention, kwargs, inputs, rng=RNG)


@pytest.mark.parametrize("kwargs,n_weights", [
    ({}, 0),
    ({"use_scale": True}, 1),
    ({"score_mode": "concat"}, 1),
    ({"use_scale": True, "score_mode": "concat"}, 2),
])
def test_attention_conformance_and_keras_parity(kwargs, n_weights):
    run_layer_test(
        Attention, kwargs, input_shape=[(2, 5, 6), (2, 4, 6)], expected_output_shape=(2, 5, 6),
        expected_num_trainable_weights=n_weights, supports_masking=True,
        keras_layer_cls=keras.layers.Attention,
    )


def test_attention_with_key_conformance():
    # The value's features may differ from the query's when a key is given.
    run_layer_test(
        Attention, {"use_scale": True}, input_shape=[(2, 5, 6), (2, 4, 7), (2, 4, 6)],
        expected_output_shape=(2, 5, 7), expected_num_trainable_weights=1,
        keras_layer_cls=keras.layers.Attention,
    )


def test_attention_weight_names_and_order_match_keras():
    ours, theirs = _pair({"use_scale": True, "score_mode": "concat"}, [Q, V])
    ours_paths = [p.split("/", 1)[1] for p, _ in ours.weights_with_paths()]
    assert ours_paths == [w.path.split("/", 1)[1] for w in theirs.weights]
    assert ours_paths == ["scale", "concat_score_weight"]


@pytest.mark.parametrize("kwargs", [
    {}, {"use_scale": True}, {"score_mode": "concat"}, {"score_mode": "concat", "use_scale": True},
])
@pytest.mark.parametrize("call_kwargs", [
    {},
    {"use_causal_mask": True},
    {"mask": [Q_MASK, V_MASK]},
    {"mask": [None, V_MASK]},
    {"mask": [Q_MASK, None]},
    {"mask": [Q_MASK, V_MASK], "use_causal_mask": True},
    {"return_attention_scores": True},
    {"return_attention_scores": True, "mask": [Q_MASK, V_MASK], "use_causal_mask": True},
])
def test_attention_call_arguments_match_keras(kwargs, call_kwargs):
    ours, theirs = _pair(kwargs, [Q, V])
    assert_same(ours([Q, V], **call_kwargs), theirs([Q, V], **call_kwargs))


@pytest.mark.parametrize("call_kwargs", [{}, {"mask": [Q_MASK, V_MASK]},
                                         {"return_attention_scores": True}])
def test_attention_three_inputs_match_keras(call_kwargs):
    ours, theirs = _pair({"use_scale": True}, [Q, V7, K])
    out = ours([Q, V7, K], **call_kwargs)
    assert_same(out, theirs([Q, V7, K], **call_kwargs))
    # The key decides the weights: the value alone would give other numbers.
    assert not torch.allclose(ours([Q, V7, K]), ours([Q, V7, V]))


def test_attention_masks_are_keras_numbers_exactly():
    # Masked scores are ``scores - 1e9`` (not -inf): a row whose values are all masked still
    # gets Keras's (finite) softmax, and masked query steps are zero.
    ours, theirs = _pair({}, [Q, V])
    out, scores = ours([Q, V], mask=[Q_MASK, V_MASK], return_attention_scores=True)
    k_out, k_scores = theirs([Q, V], mask=[Q_MASK, V_MASK], return_attention_scores=True)
    np.testing.assert_array_equal(scores.numpy(), _np(k_scores))
    np.testing.assert_array_equal(out.numpy(), _np(k_out))
    assert torch.isfinite(scores).all()
    assert (out[0, 3:] == 0).all()
    assert (scores[0, :, 2:] < 1e-30).all()  # masked values get no weight


def test_attention_causal_mask_hides_the_future():
    layer = Attention()
    x = torch.randn(1, 6, 4)
    y, scores = layer([x, x], use_causal_mask=True, return_attention_scores=True)
    assert torch.equal(scores > 0, torch.ones(6, 6, dtype=torch.bool).tril().unsqueeze(0))
    x2 = x.clone()
    x2[:, 4:] += 1.0
    torch.testing.assert_close(layer([x2, x2], use_causal_mask=True)[:, :4], y[:, :4])


def test_attention_output_mask_is_the_query_mask_and_masks_flow_from_embedding():
    def build(lib):
        x = lib.Input((6,), dtype="int32")
        e = lib.layers.Embedding(10, 4, mask_zero=True)(x)
        a = lib.layers.Attention(use_scale=True)([e, e], use_causal_mask=True)
        return lib.Model(x, a)

    ours, theirs = build(sloi), build(keras)
    theirs.set_weights(ours.get_weights())
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]], "int32")
    assert_same(ours(ids), theirs(ids))
    e = torch.randn(2, 6, 4)
    e._keras_mask = torch.from_numpy(ids != 0)
    out = Attention()([e, e])
    assert torch.equal(out._keras_mask, e._keras_mask)


def test_attention_on_conv1d_in_a_functional_model_matches_keras():
    """The lecture's point: Conv1D sees 3 steps, attention on top sees all 20."""
    def build(lib):
        x = lib.Input((20, 8))
        c = lib.layers.Conv1D(16, 3, padding="same")(x)
        a = lib.layers.Attention()([c, c])
        p = lib.layers.GlobalMaxPooling1D()(a)
        return lib.Model(x, lib.layers.Dense(1)(p))

    ours, theirs = build(sloi), build(keras)
    assert ours.count_params() == theirs.count_params() == 417
    theirs.set_weights(ours.get_weights())
    x = RNG.standard_normal((3, 20, 8)).astype("float32")
    assert_same(ours(x), theirs(x))
    # A change at the first step reaches the output of the last step, 19 steps away.
    inner = sloi.Model(ours.inputs, ours.layers[2].output)
    x2 = x.copy()
    x2[:, 0] += 1.0
    with torch.no_grad():
        assert not torch.allclose(inner(x)[:, -1], inner(x2)[:, -1])


def test_attention_symbolic_return_attention_scores():
    q, v = sloi.Input((5, 6)), sloi.Input((None, 6))
    out, scores = Attention()([q, v], return_attention_scores=True)
    assert out.shape == (None, 5, 6) and scores.shape == (None, 5, None)
    model = sloi.Model([q, v], [out, scores])
    y, s = model([Q, V])
    assert tuple(y.shape) == (2, 5, 6) and tuple(s.shape) == (2, 5, 4)
    assert Attention().compute_output_shape(
        [(None, 5, 6), (None, 4, 7), (None, 4, 6)]) == (None, 5, 7)


def test_attention_dropout_only_in_training_and_seed_reproducible():
    a, b = Attention(dropout=0.5, seed=3), Attention(dropout=0.5, seed=3)
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(a([x, x]), Attention()([x, x]))
    _, wa = a([x, x], training=True, return_attention_scores=True)
    _, wb = b([x, x], training=True, return_attention_scores=True)
    torch.testing.assert_close(wa, wb)
    _, w0 = a([x, x], return_attention_scores=True)
    dropped = wa == 0
    assert dropped.any() and not dropped.all()
    torch.testing.assert_close(wa[~dropped], 2 * w0[~dropped])  # inverted dropout: kept / 0.5


def test_attention_get_config_matches_keras():
    kwargs = {"use_scale": True, "score_mode": "concat", "dropout": 0.25, "seed": 7}
    ours, theirs = Attention(**kwargs).get_config(), keras.layers.Attention(**kwargs).get_config()
    for key in kwargs:
        assert ours[key] == theirs[key]


def test_attention_errors_name_the_layer_and_shapes():
    x = torch.zeros(2, 5, 6)
    with pytest.raises(ValueError, match=r'"attention\w*" \(Attention\) must be called on a list'
                                         r".*shape \(2, 5, 6\)"):
        Attention()(x)
    with pytest.raises(ValueError, match=r"list of 2 or 3 inputs.*got 1"):
        Attention()([x])
    with pytest.raises(ValueError, match=r"list of 2 or 3 inputs.*got 4"):
        Attention()([x, x, x, x])
    with pytest.raises(ValueError, match=r"query and value \(used as key\) must have the same "
                                         r"last dimension.*\(2, 5, 6\).*\(2, 4, 7\)"):
        Attention()([x, torch.zeros(2, 4, 7)])
    with pytest.raises(ValueError, match=r"query and key must have the same last dimension"):
        Attention()([sloi.Input((5, 6)), sloi.Input((4, 6)), sloi.Input((4, 3))])
    with pytest.raises(ValueError, match=r"key and value must have the same number of steps.*"
                                         r"\(2, 4, 6\).*\(2, 3, 6\)"):
        Attention()([x, torch.zeros(2, 4, 6), torch.zeros(2, 3, 6)])
    with pytest.raises(ValueError, match=r"expects input 0 of rank 3 or more.*\(2, 6\)"):
        Attention()([torch.zeros(2, 6), torch.zeros(2, 6)])
    with pytest.raises(ValueError, match=r"mask must be a list"):
        Attention()([x, x], mask=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"score_mode must be one of.*'add'"):
        Attention(score_mode="add")
    with pytest.raises(ValueError, match=r"dropout must be a number between 0 and 1"):
        Attention(dropout=1.5)
