"""What every element-wise merge shares (``Merge``): broadcasting, masks, input checks."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.engine import Layer
from sloi.layers import Add, Average, Maximum, Minimum, Multiply, Subtract
from tests.conformance import run_layer_test

ELEMENTWISE = [
    (Add, keras.layers.Add), (Subtract, keras.layers.Subtract),
    (Multiply, keras.layers.Multiply), (Average, keras.layers.Average),
    (Maximum, keras.layers.Maximum), (Minimum, keras.layers.Minimum),
]
IDS = [ours.__name__ for ours, _ in ELEMENTWISE]


class _ZeroMask(Layer):
    """Masks the steps whose features are all zero, as ``keras.layers.Masking()`` does on data
    whose masked steps are already zero."""

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, previous_mask=None):
        return torch.any(inputs != 0, dim=-1)

    def compute_output_shape(self, input_shape):
        return input_shape


def _masked_data(shape, zero_steps, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    for b, t in zero_steps:
        x[b, t] = 0.0
    return x


@pytest.mark.parametrize("shapes, expected", [
    ([(2, 4), (2, 3, 4)], (2, 3, 4)),
    ([(2, 1, 4), (2, 3, 1)], (2, 3, 4)),
    ([(2, 3, 4), (2, 1)], (2, 3, 4)),
    ([(2,), (2, 5)], (2, 5)),
])
@pytest.mark.parametrize("ours, theirs", ELEMENTWISE, ids=IDS)
def test_broadcasting_matches_keras(ours, theirs, shapes, expected):
    run_layer_test(ours, {}, shapes, expected, supports_masking=True, keras_layer_cls=theirs)


@pytest.mark.parametrize("ours, theirs", ELEMENTWISE, ids=IDS)
def test_symbolic_shape_with_unknown_sizes_matches_keras(ours, theirs):
    shapes = [(None, 4), (3, 4)]
    got = ours()([sloi.Input(shape=s) for s in shapes]).shape
    assert got == tuple(theirs()([keras.Input(shape=s) for s in shapes]).shape) == (None, None, 4)


@pytest.mark.parametrize("masked", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("ours, theirs", ELEMENTWISE, ids=IDS)
def test_compute_mask_matches_keras(ours, theirs, masked):
    x = [torch.randn(2, 4, 3), torch.randn(2, 4, 3)]
    m = [torch.tensor([[1, 0, 1, 0], [0, 0, 1, 1]], dtype=torch.bool),
         torch.tensor([[1, 1, 0, 0], [0, 1, 0, 1]], dtype=torch.bool)]
    masks = [mi if use else None for mi, use in zip(m, masked, strict=True)]
    got, want = ours().compute_mask(x, masks), theirs().compute_mask(x, masks)
    assert (got is None) == (want is None)
    if want is not None:
        assert torch.equal(got, want)


@pytest.mark.parametrize("masked", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("ours, theirs", ELEMENTWISE, ids=IDS)
def test_eager_masks_match_keras(ours, theirs, masked):
    # Masks change the values of Multiply, Maximum and Minimum; the others pass them on.
    def data():
        x = [torch.from_numpy(_masked_data((2, 4, 3), [], s)) for s in (1, 2)]
        m = [torch.tensor([[1, 0, 1, 0], [0, 0, 1, 1]], dtype=torch.bool),
             torch.tensor([[1, 1, 0, 0], [0, 1, 0, 1]], dtype=torch.bool)]
        for xi, mi, use in zip(x, m, masked, strict=True):
            if use:
                xi._keras_mask = mi
        return x

    got, want = ours()(data()), theirs()(data())
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), atol=1e-6)
    got_mask, want_mask = getattr(got, "_keras_mask", None), getattr(want, "_keras_mask", None)
    assert (got_mask is None) == (want_mask is None)
    if want_mask is not None:
        assert torch.equal(got_mask, want_mask)


@pytest.mark.parametrize("masked", [(True, True), (True, False)])
@pytest.mark.parametrize("ours, theirs", ELEMENTWISE, ids=IDS)
def test_masks_through_a_model_match_keras(ours, theirs, masked):
    def build(K, layer_cls, masking):
        inputs = [K.Input(shape=(4, 3)) for _ in range(2)]
        xs = [masking()(x) if use else x for x, use in zip(inputs, masked, strict=True)]
        out = layer_cls()(xs)
        return K.Model(inputs, out), out

    sloi_model, sloi_out = build(sloi, ours, _ZeroMask)
    keras_model, keras_out = build(keras, theirs, keras.layers.Masking)
    sloi_mask, keras_mask = sloi_out._keras_mask, getattr(keras_out, "_keras_mask", None)
    assert (sloi_mask is None) == (keras_mask is None)
    if keras_mask is not None:
        assert sloi_mask.shape == tuple(keras_mask.shape)
    data = [_masked_data((2, 4, 3), [(0, 1), (1, 3)], 3), _masked_data((2, 4, 3), [(0, 1), (0, 2)], 4)]
    with torch.no_grad():
        got = sloi_model(data)
    np.testing.assert_allclose(got.numpy(), keras_model(data).detach().numpy(), atol=1e-6)


def test_a_mask_on_the_higher_rank_input_of_a_broadcast_matches_keras():
    def data():
        g = torch.Generator().manual_seed(0)
        x, y = torch.randn(2, 4, 3, generator=g), torch.randn(2, 3, generator=g)
        x._keras_mask = torch.tensor([[1, 0, 1, 0], [0, 0, 1, 1]], dtype=torch.bool)
        return [x, y]

    for ours, theirs in ELEMENTWISE:
        got, want = ours()(data()), theirs()(data())
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), atol=1e-6)


def test_masks_that_do_not_broadcast_are_refused_clearly():
    # Keras fails here too (inside torch); sloi names the layer and the mask shapes.
    x, y = torch.randn(2, 4, 3), torch.randn(2, 3)
    x._keras_mask = torch.ones(2, 4, dtype=torch.bool)
    y._keras_mask = torch.ones(2, dtype=torch.bool)
    with pytest.raises(ValueError, match=r'"add" \(Add\) cannot combine masks of shapes '
                                         r"\(2, 4\), \(2,\)"):
        Add()([x, y])


@pytest.mark.parametrize("ours", [c for c, _ in ELEMENTWISE])
def test_a_single_tensor_is_refused(ours):
    x = sloi.layers.Dense(4, name="features")(sloi.Input(shape=(3,)))
    layer = ours()
    with pytest.raises(ValueError, match=(
            rf'Layer "{layer.name}" \({ours.__name__}\) expects a list of input tensors; got a single '
            r'tensor of shape \(None, 4\) from layer "features"')):
        layer(x)


@pytest.mark.parametrize("ours", [c for c, _ in ELEMENTWISE])
def test_an_empty_list_is_refused(ours):
    with pytest.raises(ValueError, match=r"expects a list of (at least 1 input|exactly 2 inputs)"
                                         r"; got an empty list"):
        ours()([])


@pytest.mark.parametrize("ours", [c for c, _ in ELEMENTWISE])
def test_shapes_that_do_not_broadcast_are_refused_with_every_shape(ours):
    a = sloi.layers.Dense(3, name="left")(sloi.Input(shape=(5,)))
    b = sloi.layers.Dense(4, name="right")(sloi.Input(shape=(5,)))
    with pytest.raises(ValueError, match=(
            rf'\({ours.__name__}\) needs inputs whose shapes broadcast together.*; got shapes '
            r'\(None, 3\), \(None, 4\) from layers "left", "right"')):
        ours()([a, b])


@pytest.mark.parametrize("ours", [c for c, _ in ELEMENTWISE])
def test_different_batch_sizes_are_refused_as_in_keras(ours):
    with pytest.raises(ValueError, match=r"needs inputs with the same batch size; got shapes "
                                         r"\(1, 3\), \(2, 3\)"):
        ours()([np.ones((1, 3), "float32"), np.ones((2, 3), "float32")])
    with pytest.raises(ValueError):
        keras.layers.Add()([np.ones((1, 3), "float32"), np.ones((2, 3), "float32")])


def test_the_check_runs_on_every_eager_call_not_only_the_first():
    layer = Add()
    layer([torch.ones(2, 3), torch.ones(2, 3)])
    with pytest.raises(ValueError, match=r"got shapes \(2, 3\), \(2, 5\)"):
        layer([torch.ones(2, 3), torch.ones(2, 5)])


def test_build_takes_a_list_of_shapes():
    with pytest.raises(ValueError, match=r'"add" \(Add\) expects a list of input shapes'):
        Add().build((None, 3))
