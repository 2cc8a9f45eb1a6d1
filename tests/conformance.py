"""The one conformance helper every layer test calls: ``run_layer_test``.

It checks what every layer owes its users, whatever the layer:
- the config round-trips (``from_config(get_config())`` gives the same config);
- a symbolic build (``Input`` → layer) and an eager build (real data) give the same output shape,
  the expected one;
- the weight counts (trainable, non-trainable) are the expected ones;
- with the same weights, the symbolic model and the eager layer give the same numbers;
- ``supports_masking`` is what the test says;
- optionally, parity with Keras 3 itself: same weight shapes and order, same parameter count,
  same output shape and the same outputs (to 1e-5) for the same weights.
"""

from __future__ import annotations

import numpy as np
import torch

import sloi


def _random_input(shape, dtype, rng, low=None, high=None):
    if dtype.startswith("int"):
        return rng.integers(low or 0, high or 10, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _with_batch_none(shape):
    return (None,) + tuple(shape[1:])


def _shapes_list(input_shape):
    """A list of shapes for multi-input layers, else None."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], tuple):
        return input_shape
    return None


def _out_shape(x):
    if isinstance(x, (list, tuple)):
        return [tuple(t.shape) for t in x]
    return tuple(x.shape)


def run_layer_test(
    layer_cls,
    init_kwargs: dict,
    input_shape,
    expected_output_shape,
    expected_num_trainable_weights: int = 0,
    expected_num_non_trainable_weights: int = 0,
    supports_masking: bool | None = None,
    input_dtype: str = "float32",
    input_data=None,
    keras_layer_cls=None,
    keras_init_kwargs: dict | None = None,
    atol: float = 1e-5,
    seed: int = 0,
):
    """Run every conformance check on ``layer_cls(**init_kwargs)`` called on ``input_shape``.

    ``input_shape`` and ``expected_output_shape`` include the batch. For layers taking several
    inputs, ``input_shape`` is a list of shapes. ``keras_layer_cls`` (e.g.
    ``keras.layers.Dense``) turns on the Keras parity checks with ``keras_init_kwargs`` (the
    same as ``init_kwargs`` by default).
    Returns the eager layer and its output, for further checks by the caller.
    """
    rng = np.random.default_rng(seed)
    multi = _shapes_list(input_shape)
    if input_data is None:
        if multi:
            input_data = [_random_input(s, input_dtype, rng) for s in multi]
        else:
            input_data = _random_input(input_shape, input_dtype, rng)

    # 1. Config round trip.
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, f"config round trip changed: {config} vs {clone.get_config()}"
    assert type(clone) is layer_cls

    # 2. Symbolic build.
    sym_layer = layer_cls(**init_kwargs)
    if multi:
        inputs = [sloi.Input(batch_shape=_with_batch_none(s), dtype=input_dtype) for s in multi]
    else:
        inputs = sloi.Input(batch_shape=_with_batch_none(input_shape), dtype=input_dtype)
    sym_out = sym_layer(inputs)
    expected_sym = (
        [_with_batch_none(s) for s in expected_output_shape]
        if isinstance(expected_output_shape, list) else _with_batch_none(expected_output_shape)
    )
    assert _out_shape(sym_out) == expected_sym, (
        f"symbolic output shape {_out_shape(sym_out)} != expected {expected_sym}")

    # 3. Weight counts.
    assert len(sym_layer.trainable_weights) == expected_num_trainable_weights, (
        f"{len(sym_layer.trainable_weights)} trainable weights, expected "
        f"{expected_num_trainable_weights}")
    assert len(sym_layer.non_trainable_weights) == expected_num_non_trainable_weights, (
        f"{len(sym_layer.non_trainable_weights)} non-trainable weights, expected "
        f"{expected_num_non_trainable_weights}")
    assert len(sym_layer.weights) == (
        expected_num_trainable_weights + expected_num_non_trainable_weights)

    # 4. Eager build gives the same shapes; with the same weights, the same numbers.
    eager_layer = layer_cls(**init_kwargs)
    eager_out = eager_layer(input_data)
    assert _out_shape(eager_out) == (
        [tuple(s) for s in expected_output_shape]
        if isinstance(expected_output_shape, list) else tuple(expected_output_shape)
    ), f"eager output shape {_out_shape(eager_out)} != expected {expected_output_shape}"
    eager_layer.set_weights(sym_layer.get_weights())
    model = sloi.Model(inputs, sym_out)
    with torch.no_grad():
        model_out = model(input_data)
        eager_out = eager_layer(input_data)
    for a, b in zip(_flat(model_out), _flat(eager_out)):
        np.testing.assert_allclose(_np(a), _np(b), atol=atol, rtol=1e-5)

    # 5. Masking support.
    if supports_masking is not None:
        assert eager_layer.supports_masking == supports_masking

    # 6. Keras parity.
    if keras_layer_cls is not None:
        _check_keras_parity(
            eager_layer, keras_layer_cls, keras_init_kwargs or init_kwargs, input_data,
            eager_out, atol,
        )
    return eager_layer, eager_out


def _flat(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _check_keras_parity(layer, keras_layer_cls, kwargs, input_data, sloi_out, atol):
    kwargs = {k: v for k, v in kwargs.items() if k != "name"}
    keras_layer = keras_layer_cls(**kwargs)
    keras_out = keras_layer(input_data)
    ours, theirs = layer.get_weights(), keras_layer.get_weights()
    assert [w.shape for w in ours] == [w.shape for w in theirs], (
        f"weight shapes differ from Keras: {[w.shape for w in ours]} vs "
        f"{[w.shape for w in theirs]}")
    assert layer.count_params() == keras_layer.count_params()
    keras_layer.set_weights(ours)
    keras_out = keras_layer(input_data)
    for a, b in zip(_flat(sloi_out), _flat(keras_out)):
        b = _np(b) if isinstance(b, torch.Tensor) else np.asarray(b)
        assert a.shape == b.shape, f"output shape {tuple(a.shape)} vs Keras {b.shape}"
        np.testing.assert_allclose(_np(a), b, atol=atol, rtol=1e-5)
