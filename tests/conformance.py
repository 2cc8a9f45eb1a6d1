"""The one conformance helper every layer test calls: ``run_layer_test``.

It checks what every layer owes its users, whatever the layer:
- the config round-trips (``from_config(get_config())`` gives the same config);
- a symbolic build (``Input`` → layer) and an eager build (real data) give the same output shape,
  the expected one;
- the weight counts (trainable, non-trainable) are the expected ones;
- with the same weights, the symbolic model and the eager layer give the same numbers;
- ``supports_masking`` is what the test says;
- optionally, parity with Keras 3 itself: same weight shapes and order, same parameter count,
  same output shape and the same outputs (to 1e-5) for the same weights;
- optionally (each its own argument, all need ``keras_layer_cls`` except the training step):
  gradients with respect to the inputs and every trainable weight equal Keras's torch-backend
  gradients on the same (perturbed) weights (``check_gradients``); one SGD step on the layer's
  weights gives a finite loss and changes every trainable weight (``check_training``); the
  number and values of ``layer.losses`` are Keras's (``expected_num_losses``); under float16 /
  bfloat16 (layer dtype) or mixed policies the output and weight dtypes are Keras's and the
  numbers close to them (``dtypes``); with a mask carried by the input the output mask is
  Keras's, the outputs are Keras's, and changing the masked steps changes exactly the output
  entries Keras's changes (``input_mask``).

``assert_gradients_match_keras`` is the gradient check on its own, for tests that do not run the
whole helper.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

import sloi
from sloi.saving import keras_writer


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


def _call(layer, data, as_args, call_kwargs):
    if as_args:
        return layer(*data, **call_kwargs)
    return layer(data, **call_kwargs)


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
    inputs_as_args: bool = False,
    call_kwargs: dict | None = None,
    check_gradients: bool = False,
    grad_atol: float | None = None,
    check_training: bool = False,
    expected_num_losses: int | None = None,
    dtypes: tuple = (),
    input_mask=None,
):
    """Run every conformance check on ``layer_cls(**init_kwargs)`` called on ``input_shape``.

    ``input_shape`` and ``expected_output_shape`` include the batch. For layers taking several
    inputs, ``input_shape`` is a list of shapes, passed as one list, or as positional arguments
    with ``inputs_as_args`` (``MultiHeadAttention(query, value, key)``); ``call_kwargs`` go to
    every call. ``keras_layer_cls`` (e.g. ``keras.layers.Dense``) turns on the Keras parity
    checks with ``keras_init_kwargs`` (the same as ``init_kwargs`` by default).
    The optional checks: ``check_gradients`` (gradient parity, to ``grad_atol``, ``atol`` by
    default), ``check_training`` (one SGD step), ``expected_num_losses`` (``layer.losses``),
    ``dtypes`` (e.g. ``("float16", "mixed_bfloat16")``) and ``input_mask`` (a boolean array over
    the input's leading axes, carried by the input as Keras carries it).
    Returns the eager layer and its output, for further checks by the caller.
    """
    call_kwargs = call_kwargs or {}
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
    sym_out = _call(sym_layer, inputs, inputs_as_args, call_kwargs)
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
    eager_out = _call(eager_layer, input_data, inputs_as_args, call_kwargs)
    assert _out_shape(eager_out) == (
        [tuple(s) for s in expected_output_shape]
        if isinstance(expected_output_shape, list) else tuple(expected_output_shape)
    ), f"eager output shape {_out_shape(eager_out)} != expected {expected_output_shape}"
    eager_layer.set_weights(sym_layer.get_weights())
    model = sloi.Model(inputs, sym_out)
    with torch.no_grad():
        model_out = model(input_data)
        eager_out = _call(eager_layer, input_data, inputs_as_args, call_kwargs)
    for a, b in zip(_flat(model_out), _flat(eager_out)):
        np.testing.assert_allclose(_np(a), _np(b), atol=atol, rtol=1e-5)

    # 5. Masking support.
    if supports_masking is not None:
        assert eager_layer.supports_masking == supports_masking

    # 6. Keras parity, and the optional checks that compare with Keras.
    call = functools.partial(_call, as_args=inputs_as_args, call_kwargs=call_kwargs)
    keras_kwargs = {k: v for k, v in (keras_init_kwargs or init_kwargs).items() if k != "name"}
    if keras_layer_cls is not None:
        _check_keras_reads_the_config(sym_layer, keras_layer_cls)
        keras_layer = _check_keras_parity(
            eager_layer, keras_layer_cls, keras_kwargs, input_data, eager_out, atol, call)
        if expected_num_losses is not None:
            _check_losses(layer_cls(**init_kwargs), keras_layer_cls(**keras_kwargs),
                          input_data, expected_num_losses, atol, call)
        if input_mask is not None:
            _check_mask(eager_layer, keras_layer, input_data, input_mask, atol, call, rng)
        for policy in dtypes:
            _check_dtype(layer_cls, keras_layer_cls, init_kwargs, keras_kwargs, input_data,
                         policy, call)
        if check_gradients:
            _perturb_same(eager_layer, keras_layer)
            _compare_gradients(eager_layer, keras_layer, input_data, call, grad_atol or atol)
    else:
        assert not (check_gradients or dtypes or input_mask is not None
                    or expected_num_losses is not None), (
            "gradient, dtype, mask and losses checks compare with Keras: pass keras_layer_cls")

    # 7. One training step.
    if check_training:
        _check_training_step(layer_cls(**init_kwargs), input_data, call)
    return eager_layer, eager_out


def _flat(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _np(x):
    return x.detach().float().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


# layers whose config holds a function or a torch module: the file writer stores them as
# Keras does (bytecode, torch.save), and Keras reads them back only with safe_mode=False
CODE_IN_CONFIG = ("Lambda", "TorchModuleWrapper")


def _check_keras_reads_the_config(layer, keras_layer_cls):
    """Keras builds its own layer from the entry sloi writes for ``layer`` into a ``.keras``
    file's config (Keras's constructors refuse arguments they do not know)."""
    import keras  # only where a test compares with Keras (its backend is set by then)

    cls = type(layer)
    if not cls.__module__.startswith("sloi.") or cls.__name__ in CODE_IN_CONFIG:
        return  # a test's own subclass; code, which only the file writer turns into Keras's
    entry = keras_writer.keras_layer_config(layer)
    restored = keras.saving.deserialize_keras_object(entry)
    expected = keras_layer_cls if isinstance(keras_layer_cls, type) else type(
        keras_layer_cls())  # a factory
    assert type(restored) is expected, (
        f"Keras read {type(restored).__name__} from sloi's {entry['class_name']} config")


def _check_keras_parity(layer, keras_layer_cls, kwargs, input_data, sloi_out, atol, call):
    keras_layer = keras_layer_cls(**kwargs)
    call(keras_layer, input_data)
    ours, theirs = layer.get_weights(), keras_layer.get_weights()
    assert [w.shape for w in ours] == [w.shape for w in theirs], (
        f"weight shapes differ from Keras: {[w.shape for w in ours]} vs "
        f"{[w.shape for w in theirs]}")
    assert layer.count_params() == keras_layer.count_params()
    keras_layer.set_weights(ours)
    keras_out = call(keras_layer, input_data)
    _assert_outputs_equal(sloi_out, keras_out, atol)
    return keras_layer


def _assert_outputs_equal(ours, theirs, atol, rtol=1e-5):
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs), f"{len(ours)} outputs vs Keras's {len(theirs)}"
    for a, b in zip(ours, theirs):
        a, b = _np(a), _np(b)
        assert a.shape == b.shape, f"output shape {a.shape} vs Keras {b.shape}"
        np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def _dtype_name(x):
    dtype = x.dtype
    return str(dtype).removeprefix("torch.") if isinstance(dtype, torch.dtype) else str(dtype)


# ---------------------------------------------------------------------------- gradients
def _perturb_same(ours, theirs, seed=1):
    """The same weights in both layers, moved off their initial values so that zero biases or
    unit scales do not hide a bug in their gradients."""
    rng = np.random.default_rng(seed)
    weights = [w + 0.1 * rng.standard_normal(w.shape).astype(w.dtype) if w.dtype.kind == "f"
               else w for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)


def _float_tensors(data):
    """Torch tensors of ``data`` (one array or a list), float ones requiring gradients."""
    def one(x):
        t = torch.as_tensor(np.asarray(x))
        return t.clone().requires_grad_(True) if t.is_floating_point() else t
    if isinstance(data, (list, tuple)):
        return [one(x) for x in data]
    return one(data)


def _ramp_loss(out):
    """``sum(out * ramp)`` over the float outputs: a fixed ramp, so that every output position
    matters differently (a plain sum hides permutations and softmax gradients)."""
    loss = 0.0
    for o in _flat(out):
        if o.is_floating_point():
            ramp = torch.linspace(-1.0, 1.0, o.numel(), dtype=o.dtype).reshape(o.shape)
            loss = loss + (o * ramp).sum()
    return loss


def _compare_gradients(ours, theirs, input_data, call, atol):
    grads = []
    for layer, params in ((ours, list(ours.trainable_weights)),
                          (theirs, [v.value for v in theirs.trainable_weights])):
        xs = _float_tensors(input_data)
        leaves = [x for x in _flat(xs) if x.requires_grad] + params
        grads.append(torch.autograd.grad(_ramp_loss(call(layer, xs)), leaves,
                                         allow_unused=True))
    assert len(grads[0]) == len(grads[1]) and grads[0], "nothing to differentiate"
    for i, (g, h) in enumerate(zip(*grads)):
        assert (g is None) == (h is None), f"gradient {i}: {g is None=} but Keras {h is None=}"
        if g is not None:
            np.testing.assert_allclose(_np(g), _np(h), atol=atol, rtol=1e-4,
                                       err_msg=f"gradient {i} differs from Keras")


def assert_gradients_match_keras(layer_cls, keras_layer_cls, kwargs, x, atol=1e-5,
                                 inputs_as_args=False, keras_kwargs=None, **call_kwargs):
    """The gradient check alone: build ``layer_cls(**kwargs)`` and ``keras_layer_cls(**kwargs)``
    on ``x`` (one array, or a list), give them the same perturbed weights, and compare the
    gradients of a ramp-weighted sum of the outputs with respect to the float inputs and every
    trainable weight. ``keras_kwargs`` (``kwargs`` by default) build Keras's layer, for
    arguments that are layers or modules themselves."""
    call = functools.partial(_call, as_args=inputs_as_args, call_kwargs=call_kwargs)
    ours, theirs = layer_cls(**kwargs), keras_layer_cls(**(keras_kwargs or kwargs))
    call(ours, x)
    call(theirs, x)
    _perturb_same(ours, theirs)
    _compare_gradients(ours, theirs, x, call, atol)


# ---------------------------------------------------------------------------- training step
def _check_training_step(layer, input_data, call):
    call(layer, input_data)  # build
    params = list(layer.trainable_weights)
    assert params, "check_training on a layer without trainable weights"
    before = [p.detach().clone() for p in params]
    layer.train()
    opt = torch.optim.SGD(params, lr=0.1)
    out = call(layer, _float_tensors(input_data))
    loss = _ramp_loss(out) + sum(layer.losses, torch.tensor(0.0))
    assert torch.isfinite(loss), f"training loss is {loss}"
    opt.zero_grad()
    loss.backward()
    opt.step()
    layer.eval()
    unchanged = [i for i, (p, b) in enumerate(zip(params, before)) if torch.equal(p.detach(), b)]
    assert not unchanged, f"trainable weights {unchanged} did not change after one SGD step"


# ---------------------------------------------------------------------------- losses
def _check_losses(ours, theirs, input_data, expected, atol, call):
    """After one call (Keras clears a layer's activity losses at each outer call; the fresh
    layers make the count independent of that), the count and values of ``losses``."""
    call(ours, input_data)
    call(theirs, input_data)
    theirs.set_weights(ours.get_weights())
    call(theirs, input_data)
    assert len(ours.losses) == expected, f"{len(ours.losses)} losses, expected {expected}"
    assert len(theirs.losses) == expected, f"Keras has {len(theirs.losses)} losses"
    # Sorted: Keras lists activity losses before weight penalties, sloi after (the sum that
    # training minimises does not depend on it).
    np.testing.assert_allclose(sorted(float(_np(a)) for a in ours.losses),
                               sorted(float(_np(b)) for b in theirs.losses), atol=atol, rtol=1e-5)


# ---------------------------------------------------------------------------- dtypes
def _check_dtype(layer_cls, keras_layer_cls, kwargs, keras_kwargs, input_data, policy, call):
    """``float16``/``bfloat16`` as the layer's dtype; ``mixed_*`` as the global policy of both
    libraries, sloi's layer run under ``torch.autocast`` as its ``fit`` / ``predict`` run it.
    Output and weight dtypes must be Keras's, the numbers close."""
    import contextlib

    import keras

    mixed = policy.startswith("mixed_")
    if mixed:
        sloi.mixed_precision.set_global_policy(policy)
        keras.mixed_precision.set_global_policy(policy)
    try:
        ours = layer_cls(**kwargs) if mixed else layer_cls(**{**kwargs, "dtype": policy})
        theirs = (keras_layer_cls(**keras_kwargs) if mixed
                  else keras_layer_cls(**{**keras_kwargs, "dtype": policy}))
        autocast = (torch.autocast("cpu", dtype=sloi.mixed_precision.autocast_dtype())
                    if mixed else contextlib.nullcontext())
        with autocast:
            call(ours, input_data)
        call(theirs, input_data)
        # Variable by variable in torch: sloi's get_weights() cannot give bfloat16 numpy arrays
        for w, v in zip(ours.weights, theirs.weights):
            v.assign(w.detach())
        with autocast, torch.no_grad():
            out = call(ours, input_data)
        keras_out = call(theirs, input_data)
    finally:
        if mixed:
            sloi.mixed_precision.set_global_policy("float32")
            keras.mixed_precision.set_global_policy("float32")
    assert [_dtype_name(w) for w in ours.weights] == [_dtype_name(w) for w in theirs.weights], (
        f"{policy}: weight dtypes differ from Keras")
    assert [_dtype_name(o) for o in _flat(out)] == [_dtype_name(o) for o in _flat(keras_out)], (
        f"{policy}: output dtypes {[_dtype_name(o) for o in _flat(out)]} vs Keras "
        f"{[_dtype_name(o) for o in _flat(keras_out)]}")
    _assert_outputs_equal(out, keras_out, atol=5e-2, rtol=5e-2)


# ---------------------------------------------------------------------------- masks
def _masked(x, mask):
    t = torch.as_tensor(np.asarray(x))
    t._keras_mask = torch.as_tensor(np.asarray(mask))
    return t


def _check_mask(ours, theirs, input_data, mask, atol, call, rng):
    """The input carries ``mask``: the output mask and values are Keras's, and changing the
    masked steps changes exactly the output entries that Keras's output changes."""
    assert not isinstance(input_data, (list, tuple)), "input_mask is for one-input layers"
    x = np.asarray(input_data)
    moved = x.copy()
    hidden = ~np.asarray(mask, bool)
    noise = rng.standard_normal(x.shape).astype(x.dtype) if x.dtype.kind == "f" else 1
    moved[hidden] = (x + noise)[hidden]
    results = []
    for layer in (ours, theirs):
        with torch.no_grad():
            out, out_moved = call(layer, _masked(x, mask)), call(layer, _masked(moved, mask))
        results.append((out, out_moved))
    (a, a2), (b, b2) = results
    _assert_outputs_equal(a, b, atol)
    _assert_outputs_equal(a2, b2, atol)
    for o, k in zip(_flat(a), _flat(b)):
        om, km = getattr(o, "_keras_mask", None), getattr(k, "_keras_mask", None)
        assert (om is None) == (km is None), f"output mask {om} vs Keras's {km}"
        if om is not None:
            np.testing.assert_array_equal(_np(om), _np(km))
    for o, o2, k, k2 in zip(_flat(a), _flat(a2), _flat(b), _flat(b2)):
        changed = ~np.isclose(_np(o), _np(o2), atol=atol)
        keras_changed = ~np.isclose(_np(k), _np(k2), atol=atol)
        np.testing.assert_array_equal(changed, keras_changed,
                                      err_msg="masked steps change other entries than Keras's")
