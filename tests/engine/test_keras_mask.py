"""get_keras_mask / set_keras_mask: the mask a tensor carries, under Keras's attribute."""

import numpy as np
import torch

import sloi
from sloi.engine.keras_mask import get_keras_mask, set_keras_mask


def test_embedding_output_carries_the_mask_keras_gives():
    import keras

    ids = np.array([[3, 0, 2], [0, 0, 1]])
    ours = sloi.layers.Embedding(5, 2, mask_zero=True)(torch.from_numpy(ids))
    theirs = keras.layers.Embedding(5, 2, mask_zero=True)(ids)
    np.testing.assert_array_equal(get_keras_mask(ours).numpy(),
                                  keras.ops.convert_to_numpy(theirs._keras_mask))


def test_set_and_get_use_the_attribute_keras_code_reads():
    x = torch.zeros(2, 3)
    assert get_keras_mask(x) is None
    mask = torch.tensor([[True, False, True], [True, True, False]])
    set_keras_mask(x, mask)
    assert x._keras_mask is mask
    assert get_keras_mask([1, 2]) is None  # a value that cannot carry one


def test_symbolic_mask_is_the_public_mask_attribute():
    x = sloi.layers.Embedding(5, 2, mask_zero=True)(sloi.Input(shape=(3,), dtype="int32"))
    assert x.mask is not None and x.mask.shape == (None, 3)
    assert get_keras_mask(x) is x.mask
