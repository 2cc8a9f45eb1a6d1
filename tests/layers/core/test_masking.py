import keras
import numpy as np
import torch

from sloi.layers import Masking
from tests.conformance import run_layer_test
from tests.parity import assert_same_model


def test_masking_conformance_and_keras_parity():
    run_layer_test(Masking, {"mask_value": 0.0}, input_shape=(2, 4, 3),
                   expected_output_shape=(2, 4, 3), supports_masking=True,
                   keras_layer_cls=keras.layers.Masking)


def test_masking_zeroes_padding_and_masks_it_for_the_gru():
    def build(K):
        x = K.layers.Input(shape=(5, 2))
        h = K.layers.Masking(mask_value=-1.0)(x)
        return K.Model(x, K.layers.GRU(3, return_sequences=True)(h))

    data = np.random.default_rng(0).standard_normal((2, 5, 2)).astype("float32")
    data[0, 1] = -1.0  # a masked step in the middle: the step loop, as in Keras
    data[1, 3:] = -1.0
    ours, _ = assert_same_model(build, data)
    masking = ours.layers[1]
    assert masking.compute_mask(torch.from_numpy(data)).tolist() == [
        [True, False, True, True, True], [True, True, True, False, False]]
    assert float(masking(data)[0, 1].abs().sum()) == 0.0
