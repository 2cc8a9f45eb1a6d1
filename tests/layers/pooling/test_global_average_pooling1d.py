import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Embedding, GlobalAveragePooling1D, GlobalAvgPool1D, Masking
from tests.conformance import run_layer_test

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("data_format,keepdims,expected", [
    ("channels_last", False, (2, 3)),
    ("channels_last", True, (2, 1, 3)),
    ("channels_first", False, (2, 5)),
    ("channels_first", True, (2, 5, 1)),
])
def test_global_average_pooling1d_matches_keras(data_format, keepdims, expected):
    run_layer_test(
        GlobalAveragePooling1D, {"data_format": data_format, "keepdims": keepdims},
        input_shape=(2, 5, 3), expected_output_shape=expected, supports_masking=True,
        keras_layer_cls=keras.layers.GlobalAveragePooling1D,
    )


def test_global_average_pooling1d_written_out_and_alias():
    assert GlobalAvgPool1D is GlobalAveragePooling1D
    x = RNG.standard_normal((2, 6, 3)).astype("float32")
    np.testing.assert_allclose(GlobalAveragePooling1D()(x).detach().numpy(), x.mean(axis=1),
                               atol=1e-6)


@pytest.mark.parametrize("data_format,keepdims", [
    ("channels_last", False), ("channels_last", True), ("channels_first", False),
    ("channels_first", True),
])
def test_global_average_pooling1d_mask_argument_matches_keras(data_format, keepdims):
    x = RNG.standard_normal((3, 6, 4)).astype("float32")
    if data_format == "channels_first":
        x = x.transpose(0, 2, 1).copy()
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [0, 1, 0, 1, 0, 0]], dtype=bool)
    kwargs = {"data_format": data_format, "keepdims": keepdims}
    ours = GlobalAveragePooling1D(**kwargs)(torch.tensor(x), mask=torch.tensor(mask))
    theirs = keras.layers.GlobalAveragePooling1D(**kwargs)(x, mask=mask)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), atol=1e-6)
    if data_format == "channels_last" and not keepdims:  # written out: the unmasked mean
        np.testing.assert_allclose(ours[0].numpy(), x[0, :3].mean(axis=0), atol=1e-6)
        np.testing.assert_allclose(ours[2].numpy(), x[2, [1, 3]].mean(axis=0), atol=1e-6)


def test_global_average_pooling1d_after_masking_matches_keras_model():
    x = RNG.standard_normal((2, 7, 3)).astype("float32")
    x[0, 4:] = 0.0  # padding steps, masked by Masking
    x[1, :2] = 0.0
    k_in = keras.Input(shape=(7, 3))
    k_model = keras.Model(k_in, keras.layers.GlobalAveragePooling1D()(keras.layers.Masking()(k_in)))
    s_in = sloi.Input(shape=(7, 3))
    s_out = GlobalAveragePooling1D()(Masking()(s_in))
    assert s_out._keras_mask is None  # the steps axis is gone, and the mask with it
    ours = sloi.Model(s_in, s_out)(x).detach().numpy()
    np.testing.assert_allclose(ours, k_model(x).detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(ours[0], x[0, :4].mean(axis=0), atol=1e-6)


def test_global_average_pooling1d_after_embedding_mask_zero_matches_keras():
    ids = np.array([[3, 7, 1, 0, 0], [5, 2, 9, 4, 8]], dtype="int64")
    s_in = sloi.Input(shape=(5,), dtype="int64")
    emb = Embedding(10, 4, mask_zero=True)
    s_model = sloi.Model(s_in, GlobalAveragePooling1D()(emb(s_in)))
    k_in = keras.Input(shape=(5,), dtype="int64")
    k_emb = keras.layers.Embedding(10, 4, mask_zero=True)
    k_model = keras.Model(k_in, keras.layers.GlobalAveragePooling1D()(k_emb(k_in)))
    k_emb.set_weights(emb.get_weights())
    table = emb.get_weights()[0]
    ours = s_model(ids).detach().numpy()
    np.testing.assert_allclose(ours, k_model(ids).detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(ours[0], table[[3, 7, 1]].mean(axis=0), atol=1e-6)


def test_global_average_pooling1d_fully_masked_row_is_nan_as_in_keras():
    x = RNG.standard_normal((2, 4, 3)).astype("float32")
    mask = np.array([[0, 0, 0, 0], [1, 0, 1, 0]], dtype=bool)
    ours = GlobalAveragePooling1D()(torch.tensor(x), mask=torch.tensor(mask)).numpy()
    theirs = keras.layers.GlobalAveragePooling1D()(x, mask=mask).detach().numpy()
    assert np.isnan(ours[0]).all() and np.isnan(theirs[0]).all()
    np.testing.assert_allclose(ours[1], theirs[1], atol=1e-6)


def test_global_average_pooling1d_errors():
    with pytest.raises(ValueError, match=r'"global_average_pooling1d" \(GlobalAveragePooling1D\) '
                                         r"expects inputs of rank 3 \(batch, steps, channels\); "
                                         r"got shape \(None, 8\)"):
        GlobalAveragePooling1D()(sloi.Input(shape=(8,)))
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D\): `data_format` must be"):
        GlobalAveragePooling1D(data_format="nwc")
