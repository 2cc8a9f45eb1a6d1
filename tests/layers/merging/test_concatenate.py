"""``Concatenate``: joins a list of tensors along one axis, masks included."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.engine import Layer
from sloi.layers import Concatenate, concatenate
from tests.conformance import run_layer_test
from tests.parity import assert_same_model


class _ZeroMask(Layer):
    """Masks the steps whose features are all zero, as ``keras.layers.Masking()`` does on data
    whose masked steps are already zero."""

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, previous_mask=None):
        return torch.any(inputs != 0, dim=-1)

    def compute_output_shape(self, input_shape):
        return input_shape


@pytest.mark.parametrize("axis, shapes, expected", [
    (-1, [(2, 3, 4), (2, 3, 5)], (2, 3, 9)),
    (2, [(2, 3, 4), (2, 3, 5)], (2, 3, 9)),
    (1, [(2, 3, 4), (2, 6, 4)], (2, 9, 4)),
    (-2, [(2, 3, 4), (2, 6, 4), (2, 1, 4)], (2, 10, 4)),
    (0, [(2, 3), (4, 3)], (6, 3)),
    (-1, [(2, 7)], (2, 7)),
    (-1, [(2, 3), (2, 4), (2, 5)], (2, 12)),
])
def test_concatenate_conformance_and_keras_parity(axis, shapes, expected):
    run_layer_test(Concatenate, {"axis": axis}, shapes, expected, supports_masking=True,
                   keras_layer_cls=keras.layers.Concatenate)


@pytest.mark.parametrize("axis, shapes", [
    (-1, [(None, 4), (3, 4)]),
    (1, [(None, 4), (3, 4)]),
    (1, [(3, None), (5, 4)]),
])
def test_concatenate_unknown_sizes_follow_keras(axis, shapes):
    ours = Concatenate(axis=axis)([sloi.Input(shape=s) for s in shapes]).shape
    theirs = keras.layers.Concatenate(axis=axis)([keras.Input(shape=s) for s in shapes]).shape
    assert ours == tuple(theirs)


@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("masked", [(True, True), (True, False), (False, True), (False, False)])
def test_concatenate_compute_mask_matches_keras(axis, masked):
    x = [torch.randn(2, 4, 3), torch.randn(2, 4, 3)]
    m = [torch.tensor([[1, 0, 1, 0], [0, 0, 1, 1]], dtype=torch.bool),
         torch.tensor([[1, 1, 0, 0], [0, 1, 0, 1]], dtype=torch.bool)]
    masks = [mi if use else None for mi, use in zip(m, masked, strict=True)]
    got = Concatenate(axis=axis).compute_mask(x, masks)
    want = keras.layers.Concatenate(axis=axis).compute_mask(x, masks)
    assert (got is None) == (want is None)
    if want is not None:
        assert torch.equal(got, want)


def _data(shape, zero_steps, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    for b, t in zero_steps:
        x[b, t] = 0.0
    return x


@pytest.mark.parametrize("masked", [(True, True), (True, False)])
def test_concatenate_masks_reach_the_next_layer_in_a_model_as_in_keras(masked):
    # Concatenating in time, then taking a masked maximum with a third masked sequence: the
    # maximum's values depend on the concatenated mask, so the mask must travel at run time.
    def build(K, masking):
        a, b, c = K.Input(shape=(3, 2)), K.Input(shape=(2, 2)), K.Input(shape=(5, 2))
        xs = [masking()(x) if use else x for x, use in zip([a, b], masked, strict=True)]
        joined = K.layers.Concatenate(axis=1)(xs)
        return K.Model([a, b, c], K.layers.Maximum()([joined, masking()(c)])), joined

    ours, ours_joined = build(sloi, _ZeroMask)
    theirs, theirs_joined = build(keras, keras.layers.Masking)
    assert ours_joined._keras_mask.shape == tuple(theirs_joined._keras_mask.shape) == (None, 5)
    data = [_data((2, 3, 2), [(0, 1)], 0), _data((2, 2, 2), [(1, 0)], 1),
            _data((2, 5, 2), [(0, 1), (1, 3), (1, 4)], 2)]
    with torch.no_grad():
        got = ours(data)
    np.testing.assert_allclose(got.numpy(), theirs(data).detach().numpy(), atol=1e-6)


def test_concatenate_eager_masks_match_keras():
    def data():
        g = torch.Generator().manual_seed(0)
        x, y = torch.randn(2, 3, 2, generator=g), torch.randn(2, 3, 4, generator=g)
        x._keras_mask = torch.tensor([[1, 0, 1], [0, 0, 1]], dtype=torch.bool)
        return [x, y]

    got, want = Concatenate()(data()), keras.layers.Concatenate()(data())
    np.testing.assert_allclose(got.numpy(), want.detach().numpy())
    assert torch.equal(got._keras_mask, want._keras_mask)  # unmasked y keeps every step


def test_concatenate_functional_form_matches_keras():
    def build(K):
        a, b = K.Input(shape=(5, 3)), K.Input(shape=(5, 2))
        x = K.layers.Dense(4)(a)
        return K.Model([a, b], K.layers.concatenate([x, b]))

    rng = np.random.default_rng(0)
    assert_same_model(build, [rng.standard_normal((2, 5, 3)).astype("float32"),
                              rng.standard_normal((2, 5, 2)).astype("float32")])


def test_concatenate_functional_form_is_the_layer():
    a, b = sloi.Input(shape=(5, 3)), sloi.Input(shape=(2, 3))
    via_function = sloi.Model([a, b], concatenate([a, b], axis=1, name="joined"))
    via_class = sloi.Model([a, b], Concatenate(axis=1)([a, b]))
    layer = via_function.layers[-1]
    assert type(layer) is Concatenate and layer.name == "joined" and layer.axis == 1
    data = [torch.randn(2, 5, 3), torch.randn(2, 2, 3)]
    torch.testing.assert_close(via_function(data), via_class(data))


def test_concatenate_shapes_that_differ_off_the_axis_are_refused_with_every_shape():
    left = sloi.layers.Dense(4)(sloi.Input(shape=(3, 2)))
    right = sloi.layers.Dense(4)(sloi.Input(shape=(5, 2)))
    with pytest.raises(ValueError, match=(
            r'^Layer "concatenate" \(Concatenate\) needs inputs whose shapes match except on the '
            r'concatenation axis -1; got shapes \(None, 3, 4\), \(None, 5, 4\) from layers '
            r'"dense", "dense_1"$')):
        Concatenate()([left, right])
    with pytest.raises(ValueError):  # Keras refuses it too
        keras.layers.Concatenate()([keras.Input(shape=(3, 4)), keras.Input(shape=(5, 4))])


def test_concatenate_inputs_of_different_ranks_are_refused():
    with pytest.raises(ValueError, match=r"match except on the concatenation axis -1; got shapes "
                                         r"\(None, 4\), \(None, 3, 4\)"):
        Concatenate()([sloi.Input(shape=(4,)), sloi.Input(shape=(3, 4))])


def test_concatenate_axis_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r'"concatenate" \(Concatenate\) cannot concatenate on '
                                         r"axis 3: it is out of range for inputs of rank 3"):
        Concatenate(axis=3)([sloi.Input(shape=(2, 4)), sloi.Input(shape=(2, 4))])


def test_concatenate_refuses_a_single_tensor_and_an_empty_list():
    with pytest.raises(ValueError, match=r"expects a list of input tensors; got a single tensor "
                                         r"of shape \(2, 3\)"):
        Concatenate()(torch.ones(2, 3))
    with pytest.raises(ValueError, match="expects a list of at least 1 input; got an empty list"):
        Concatenate()([])


def test_concatenate_checks_eager_calls_too():
    with pytest.raises(ValueError, match=r"got shapes \(2, 3\), \(4, 3\)$"):
        Concatenate()([torch.ones(2, 3), torch.ones(4, 3)])
