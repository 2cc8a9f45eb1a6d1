import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Embedding
from tests.conformance import run_layer_test
from tests.parity import assert_same_model


@pytest.mark.parametrize("mask_zero", [False, True])
def test_embedding_conformance_and_keras_parity(mask_zero):
    run_layer_test(Embedding, {"input_dim": 10, "output_dim": 4, "mask_zero": mask_zero},
                   input_shape=(3, 5), input_dtype="int32", expected_output_shape=(3, 5, 4),
                   expected_num_trainable_weights=1, supports_masking=mask_zero,
                   keras_layer_cls=keras.layers.Embedding)


def test_embedding_uniform_initializer_and_lookup():
    layer = Embedding(1000, 8)
    out = layer(np.array([[3, 7]]))
    table = layer.get_weights()[0]
    assert table.shape == (1000, 8) and np.abs(table).max() <= 0.05
    np.testing.assert_array_equal(out.detach().numpy()[0], table[[3, 7]])


def test_mask_zero_hides_padding_from_the_lstm_as_keras_does():
    def build(K):
        ids = K.layers.Input(shape=(6,), dtype="int32")
        x = K.layers.Embedding(20, 5, mask_zero=True)(ids)
        return K.Model(ids, K.layers.LSTM(3, return_sequences=True)(x))

    ids = np.array([[4, 9, 2, 0, 0, 0], [1, 2, 3, 4, 5, 6], [7, 0, 0, 0, 0, 0]], "int32")
    ours, _ = assert_same_model(build, ids)
    assert ours.layers[1].compute_mask(torch.from_numpy(ids)).tolist() == (ids != 0).tolist()


def test_lecture_input_length_gives_the_sequence_length():
    model = sloi.Sequential()
    model.add(Embedding(50, 10, input_length=1000))
    assert model.output_shape == (None, 1000, 10)
    assert model.count_params() == 500
    assert Embedding.from_config(model.layers[0].get_config()).input_length == 1000


def test_out_of_range_ids_name_the_id_and_input_dim():
    layer = Embedding(50, 4)
    with pytest.raises(ValueError, match=r'Layer "embedding" \(Embedding\) got token id 50, '
                                         r"outside \[0, input_dim=50\)"):
        layer(np.array([[1, 50, 3]]))
    with pytest.raises(ValueError, match=r"got token id -1"):
        layer(torch.tensor([[-1, 2]]))


def test_float_ids_are_cast_and_bad_sizes_refused():
    layer = Embedding(5, 2)
    torch.testing.assert_close(layer(np.array([[1.0, 2.0]])), layer(np.array([[1, 2]])))
    with pytest.raises(ValueError, match=r"Embedding\): `input_dim` must be a positive integer; got 0"):
        Embedding(0, 3)
