"""The one parity check for ``sloi.ops``: the same op, the same inputs, in sloi and in Keras 3
(torch backend), eagerly and symbolically.

``check_op("logsumexp", x, axis=1)`` runs ``sloi.ops.logsumexp`` and ``keras.ops.logsumexp`` on
copies of the same numpy inputs and asserts the same structure, shapes, dtypes and values
(``rtol`` / ``atol``, NaNs equal). With ``symbolic=True`` it also gives both libraries
symbolic tensors of the inputs' shapes (a ``None`` batch when ``batch_none``) and asserts the
same output shapes as Keras's ``compute_output_spec``.
"""

from __future__ import annotations

import numpy as np
import torch

import sloi
from sloi.engine.symbolic import SymbolicTensor


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flat(item)]
    return [x]


def _numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _dtype(x) -> str:
    if isinstance(x, torch.Tensor):
        return str(x.dtype).replace("torch.", "")
    return str(np.asarray(x).dtype)


def _resolve(module, name: str):
    """``module.<name>``, where ``name`` may be dotted (``"image.resize"``, ``"linalg.qr"``)."""
    for part in name.split("."):
        module = getattr(module, part)
    return module


def check_op(name, *args, rtol=1e-6, atol=1e-6, symbolic=True, batch_none=True,
             check_dtype=True, check_values=True, keras_args=None, **kwargs):
    """Assert that ``sloi.ops.<name>(*args, **kwargs)`` equals Keras's; returns sloi's
    result. ``keras_args`` gives Keras other positional arguments where the two must differ
    (a torch tensor for sloi, say); ``check_values=False`` leaves the values to the caller
    (decompositions unique only up to sign). ``name`` may be dotted: ``"image.resize"``."""
    import keras

    ours_fn = _resolve(sloi.ops, name)
    theirs_fn = _resolve(keras.ops, name)
    ours = ours_fn(*[_copy(a) for a in args], **kwargs)
    theirs = theirs_fn(*[_copy(a) for a in (keras_args or args)], **kwargs)
    flat_ours, flat_theirs = _flat(ours), _flat(theirs)
    assert len(flat_ours) == len(flat_theirs), (name, len(flat_ours), len(flat_theirs))
    for a, b in zip(flat_ours, flat_theirs):
        assert isinstance(a, torch.Tensor), f"{name} returned {type(a).__name__}, not a tensor"
        a_np, b_np = _numpy(a), _numpy(b)
        assert a_np.shape == b_np.shape, f"{name}: shape {a_np.shape} != Keras {b_np.shape}"
        if check_dtype:
            assert _dtype(a) == _dtype(b), f"{name}: dtype {_dtype(a)} != Keras {_dtype(b)}"
        if not check_values:  # a decomposition whose signs are free: the caller compares
            continue
        if a_np.dtype == bool or b_np.dtype == bool:
            np.testing.assert_array_equal(a_np, b_np.astype(a_np.dtype), err_msg=name)
        else:
            np.testing.assert_allclose(a_np.astype(np.complex128 if np.iscomplexobj(a_np)
                                                   else np.float64),
                                       b_np.astype(np.complex128 if np.iscomplexobj(b_np)
                                                   else np.float64),
                                       rtol=rtol, atol=atol, equal_nan=True, err_msg=name)
    if symbolic:
        check_symbolic(name, *args, batch_none=batch_none, **kwargs)
    return ours


def check_symbolic(name, *args, batch_none=True, **kwargs):
    """Given symbolic tensors of the array arguments' shapes, sloi infers the output shapes
    Keras's ``compute_output_spec`` gives."""
    import keras

    def spec_shape(x):
        shape = tuple(x.shape)
        return ((None,) + shape[1:]) if batch_none and len(shape) >= 1 else shape

    def ours(x):
        if isinstance(x, np.ndarray):
            return SymbolicTensor(spec_shape(x), str(x.dtype))
        return x

    def theirs(x):
        if isinstance(x, np.ndarray):
            return keras.KerasTensor(spec_shape(x), dtype=str(x.dtype))
        return x

    out_ours = _resolve(sloi.ops, name)(*[ours(a) for a in args], **kwargs)
    out_theirs = _resolve(keras.ops, name)(*[theirs(a) for a in args], **kwargs)
    flat_ours, flat_theirs = _flat(out_ours), _flat(out_theirs)
    assert len(flat_ours) == len(flat_theirs), (name, len(flat_ours), len(flat_theirs))
    for a, b in zip(flat_ours, flat_theirs):
        assert isinstance(a, SymbolicTensor), f"{name}: symbolic call gave {type(a).__name__}"
        assert tuple(a.shape) == tuple(b.shape), (
            f"{name}: symbolic shape {a.shape} != Keras {tuple(b.shape)}")
