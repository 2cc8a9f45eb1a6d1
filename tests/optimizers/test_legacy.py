"""sloi.optimizers.legacy: Keras 3's placeholders, which refuse to be made."""

import keras
import pytest

from sloi import optimizers

NAMES = ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"]


def test_same_names_as_keras():
    assert sorted(optimizers.legacy.__all__) == sorted(NAMES)
    for name in NAMES:
        assert hasattr(keras.optimizers.legacy, name)


@pytest.mark.parametrize("name", NAMES)
def test_making_one_raises_import_error_as_keras(name):
    with pytest.raises(ImportError, match="not supported in Keras 3"):
        getattr(keras.optimizers.legacy, name)(learning_rate=0.1)
    with pytest.raises(ImportError, match="not supported in Keras 3"):
        getattr(optimizers.legacy, name)(learning_rate=0.1)
