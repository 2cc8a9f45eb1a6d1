"""The element-wise and reduction ops take Keras's arguments: same signatures as
``keras.ops``, and an op config Keras writes (``Mean(axis=1).get_config()``) rebuilds the
sloi op, which then computes what Keras's op computes."""

import inspect

import numpy as np
import pytest

from sloi import ops
from sloi.engine.operation import OPERATIONS, Operation
from sloi.ops.numpy import elementwise, reductions

NAMES = sorted(set(elementwise.__all__) | set(reductions.__all__))


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_class_name_are_keras(name):
    import keras
    from keras.src.ops import numpy as keras_numpy

    ours = inspect.signature(getattr(ops, name))
    theirs = inspect.signature(getattr(keras.ops, name))
    assert [(p.name, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.default) for p in theirs.parameters.values()]
    if name == "conj":  # Keras's conj is conjugate under another name: no class of its own
        return
    class_name = getattr(ops, name).class_name
    assert isinstance(getattr(keras_numpy, class_name), type), class_name
    assert OPERATIONS[class_name] is getattr(ops, name)


X = np.random.default_rng(2).standard_normal((3, 4)).astype("float32")
IDS = np.random.default_rng(3).integers(0, 5, (6,)).astype("int32")

# (Keras's op class, its function, the class's arguments, the call's arguments)
KERAS_NODES = [
    ("Mean", "mean", dict(axis=1, keepdims=True), (X,), {}),
    ("Clip", "clip", dict(x_min=-0.5, x_max=0.5), (X,), {}),
    ("Isclose", "isclose", dict(equal_nan=True), (X, X + 1e-3, 1e-2, 0.0), {}),
    ("AllClose", "allclose", dict(rtol=1e-2, atol=0.0, equal_nan=False), (X, X + 1e-3), {}),
    ("NanToNum", "nan_to_num", dict(nan=1.0, posinf=9.0, neginf=-9.0), (X,), {}),
    ("Cumsum", "cumsum", dict(axis=1, dtype="float32"), (X,), {}),
    ("Prod", "prod", dict(axis=0, keepdims=False, dtype="float32"), (X,), {}),
    ("Quantile", "quantile", dict(axis=1, method="lower", keepdims=True), (X, 0.25), {}),
    ("Percentile", "percentile", dict(axis=0, method="linear", keepdims=False), (X, 40.0), {}),
    ("Trapezoid", "trapezoid", dict(x=None, dx=0.5, axis=0), (X,), {}),
    ("Bincount", "bincount", dict(weights=None, minlength=7, sparse=False), (IDS,), {}),
    ("Max", "max", dict(axis=1, keepdims=False, initial=0.0), (X,), {}),
    ("Average", "average", dict(axis=1), (X,), dict(weights=np.arange(1, 5, dtype="float32"))),
    ("Histogram", "histogram", dict(bins=5, range=(-1.0, 1.0)), (X[0],), {}),
    ("Diff", "diff", dict(n=2, axis=0), (X,), {}),
    ("CountNonzero", "count_nonzero", dict(axis=1), (X > 0,), {}),
    ("Argmax", "argmax", dict(axis=0, keepdims=True), (X,), {}),
    ("Var", "var", dict(axis=None, keepdims=False), (X,), {}),
]


@pytest.mark.parametrize("class_name, function, init, args, kwargs", KERAS_NODES,
                         ids=[n[0] for n in KERAS_NODES])
def test_a_keras_written_op_config_rebuilds_the_op(class_name, function, init, args, kwargs):
    import keras
    from keras.src.ops import numpy as keras_numpy

    config = getattr(keras_numpy, class_name)(**init).get_config()
    op = Operation.from_class_name(class_name, config)
    ours = op(*args, **kwargs)
    # the reference is Keras's function: some of Keras's op classes drop an argument when
    # they run (Quantile its method) or cannot run eagerly on torch (Histogram)
    theirs = getattr(keras.ops, function)(*args, **init, **kwargs)
    for a, b in zip(ours if isinstance(ours, tuple) else [ours],
                    theirs if isinstance(theirs, tuple) else [theirs]):
        np.testing.assert_allclose(a.numpy(), b.cpu().numpy(), rtol=1e-6)
