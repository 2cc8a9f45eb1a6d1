"""Shape inference of layers without ``compute_output_shape``: the meta-device run, compared
with Keras."""

import keras
import numpy as np
import pytest

import sloi


def _positional_embedding(lib, maxlen, dim):
    """keras.io's translation transformer's position embedding: positions from
    ``ops.arange`` over the (unknown) sequence length."""
    class PositionalEmbedding(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.tokens = lib.layers.Embedding(50, dim)
            self.positions = lib.layers.Embedding(maxlen, dim)

        def call(self, inputs):
            length = lib.ops.shape(inputs)[-1]
            return self.tokens(inputs) + self.positions(lib.ops.arange(0, length, 1))

    return PositionalEmbedding()


def test_values_made_from_unknown_sizes_trip_no_value_check():
    # the stand-in lengths (83, 89) exceed the 10 positions: shapes come from meta tensors
    outputs = {}
    for lib in (keras, sloi):
        inputs = lib.Input((None,), dtype="int32")
        layer = _positional_embedding(lib, 10, 4)
        out = layer(inputs)
        assert tuple(out.shape) == (None, None, 4)
        outputs[lib] = lib.Model(inputs, out)
    reference, model = outputs[keras], outputs[sloi]
    assert all(w.device.type != "meta" for w in model.weights)  # built during the meta run
    model.set_weights(reference.get_weights())
    ids = np.random.default_rng(0).integers(0, 50, size=(2, 7)).astype("int32")
    np.testing.assert_allclose(model.predict(ids, verbose=0), reference.predict(ids, verbose=0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="token id 10, outside"):  # the real run still checks
        model.predict(np.zeros((1, 12), "int32"), verbose=0)
