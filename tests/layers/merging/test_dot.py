"""``Dot``: per-sample dot products over one axis of each of two tensors."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dot, dot
from tests.conformance import run_layer_test
from tests.parity import assert_same_model


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("axes, shapes, expected", [
    (1, [(2, 5), (2, 5)], (2, 1)),
    (-1, [(2, 5), (2, 5)], (2, 1)),
    (1, [(2, 3, 5), (2, 3, 4)], (2, 5, 4)),
    (-1, [(2, 3, 5), (2, 5)], (2, 3)),
    (-1, [(2, 5), (2, 4, 5)], (2, 4)),
    ((1, 2), [(2, 3, 5), (2, 10, 3)], (2, 5, 10)),
    ((2, 1), [(2, 3, 5), (2, 5, 4)], (2, 3, 4)),
    ((-1, -2), [(2, 3, 5), (2, 5, 4)], (2, 3, 4)),
    ([2, 3], [(2, 3, 4, 5), (2, 6, 7, 4)], (2, 3, 5, 6, 7)),
    ((1, 1), [(2, 4), (2, 4, 6)], (2, 6)),
])
def test_dot_conformance_and_keras_parity(axes, shapes, expected, normalize):
    run_layer_test(Dot, {"axes": axes, "normalize": normalize}, shapes, expected,
                   supports_masking=True, keras_layer_cls=keras.layers.Dot)


def test_dot_is_the_sum_of_products_written_out():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 5)).astype("float32"), rng.standard_normal(
        (2, 4, 3)).astype("float32")
    np.testing.assert_allclose(Dot(axes=(1, 2))([a, b]).numpy(),
                               np.einsum("bkm,bnk->bmn", a, b), atol=1e-5)
    cosine = Dot(axes=1, normalize=True)([a[:, :, 0], b[:, 0, :]]).numpy()
    want = (a[:, :, 0] * b[:, 0, :]).sum(1) / (
        np.linalg.norm(a[:, :, 0], axis=1) * np.linalg.norm(b[:, 0, :], axis=1))
    np.testing.assert_allclose(cosine[:, 0], want, atol=1e-5)


def test_dot_normalize_of_a_zero_vector_is_zero_as_in_keras():
    x = [np.zeros((2, 3), "float32"), np.ones((2, 3), "float32")]
    got = Dot(axes=1, normalize=True)(x).numpy()
    np.testing.assert_allclose(got, keras.layers.Dot(axes=1, normalize=True)(x).numpy())
    assert not got.any()


def test_dot_output_has_no_mask():
    a, b = torch.randn(2, 4, 3), torch.randn(2, 4, 3)
    a._keras_mask = b._keras_mask = torch.ones(2, 4, dtype=torch.bool)
    assert getattr(Dot(axes=-1)([a, b]), "_keras_mask", None) is None
    assert Dot(axes=-1).compute_mask([a, b], [a._keras_mask, b._keras_mask]) is None


def test_dot_functional_form_matches_keras():
    def build(K):
        a, b = K.Input(shape=(6,)), K.Input(shape=(6,))
        x, y = K.layers.Dense(4)(a), K.layers.Dense(4)(b)
        return K.Model([a, b], K.layers.dot([x, y], axes=1, normalize=True))

    rng = np.random.default_rng(1)
    assert_same_model(build, [rng.standard_normal((3, 6)).astype("float32") for _ in range(2)])


def test_dot_functional_form_is_the_layer():
    a, b = sloi.Input(shape=(3, 5)), sloi.Input(shape=(4, 5))
    via_function = sloi.Model([a, b], dot([a, b], axes=-1, name="scores"))
    via_class = sloi.Model([a, b], Dot(axes=-1)([a, b]))
    layer = via_function.layers[-1]
    assert type(layer) is Dot and layer.name == "scores" and layer.axes == -1
    assert not layer.normalize
    data = [torch.randn(2, 3, 5), torch.randn(2, 4, 5)]
    torch.testing.assert_close(via_function(data), via_class(data))
    assert dot([a, b]).shape == (None, 3, 4)  # axes=-1 by default, as keras.layers.dot


def test_dot_incompatible_axis_sizes_are_refused_with_every_shape():
    a = sloi.layers.Dense(3, name="query")(sloi.Input(shape=(7, 2)))
    b = sloi.layers.Dense(4, name="key")(sloi.Input(shape=(7, 2)))
    with pytest.raises(ValueError, match=(
            r'^Layer "dot" \(Dot\) needs inputs of the same size on their dot axes \(axis 2 of '
            r"the first has size 3, axis 2 of the second has size 4\); got shapes "
            r'\(None, 7, 3\), \(None, 7, 4\) from layers "query", "key"$')):
        Dot(axes=-1)([a, b])
    with pytest.raises(ValueError):  # Keras refuses it too
        keras.layers.Dot(axes=-1)([keras.Input(shape=(7, 3)), keras.Input(shape=(7, 4))])


def test_dot_needs_exactly_two_inputs():
    x = sloi.Input(shape=(4,))
    with pytest.raises(ValueError, match=r'"dot" \(Dot\) expects a list of exactly 2 inputs; got 3 '
                                         r"inputs of shapes \(None, 4\), \(None, 4\), \(None, 4\)"):
        Dot(axes=1)([x, x, x])


def test_dot_refuses_rank_one_inputs_and_axes_out_of_range():
    with pytest.raises(ValueError, match=r"needs inputs of rank 2 or more.*; got shapes \(2,\), "
                                         r"\(2,\)"):
        Dot(axes=-1)([torch.ones(2), torch.ones(2)])
    with pytest.raises(ValueError, match=r"axes 3: out of range for inputs of rank 2 and 3"):
        Dot(axes=3)([sloi.Input(shape=(4,)), sloi.Input(shape=(2, 4))])


def test_dot_refuses_the_batch_axis():
    with pytest.raises(ValueError, match=r'"dot" \(Dot\): axes=\(0, 1\) includes the batch axis'):
        Dot(axes=(0, 1))
    with pytest.raises(ValueError, match=r"cannot take the dot product over the batch axis "
                                         r"\(axes=-2 is axis 0 of the first input"):
        Dot(axes=-2)([sloi.Input(shape=(4,)), sloi.Input(shape=(4,))])


def test_dot_refuses_malformed_axes_as_keras_does():
    for bad, error in [("1", TypeError), ((1, 2, 3), ValueError), ((1.0, 2), ValueError)]:
        with pytest.raises(error, match=r'"dot(_\d+)?" \(Dot\): axes must be an int or a pair'):
            Dot(axes=bad)
        with pytest.raises(error):
            keras.layers.Dot(axes=bad)


def test_dot_config_keeps_axes_and_normalize():
    config = Dot(axes=(1, 2), normalize=True).get_config()
    assert config["axes"] == (1, 2) and config["normalize"] is True
    assert Dot.from_config(config).get_config() == config
