"""sloi.initializers: exact values, distributions by formula and against Keras, seeds, names."""

import math

import keras
import numpy as np
import pytest
import torch

from sloi import initializers
from sloi.initializers.initializers import compute_fans

DENSE = (400, 300)
CONV = (3, 3, 64, 128)
TRUNC = 0.87962566103423978  # stddev of N(0, 1) truncated to [-2, 2]

# name -> (scale, mode, distribution) of the VarianceScaling each one is.
VARIANCE_SCALING = {
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
}

ALL_CLASSES = [
    initializers.Zeros, initializers.Ones, initializers.Constant, initializers.Identity,
    initializers.RandomNormal, initializers.RandomUniform, initializers.TruncatedNormal,
    initializers.VarianceScaling, initializers.GlorotUniform, initializers.GlorotNormal,
    initializers.HeUniform, initializers.HeNormal, initializers.LecunUniform,
    initializers.LecunNormal, initializers.Orthogonal,
]
RANDOM_CLASSES = [c for c in ALL_CLASSES if issubclass(c, initializers.initializers.
                                                       RandomInitializer)]


def _fan(shape, mode):
    fan_in, fan_out = compute_fans(shape)
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


@pytest.mark.parametrize("shape", [(), (7,), (5, 3), (3, 4, 5), CONV, (2, 3, 4, 5, 6)])
def test_compute_fans_matches_keras(shape):
    from keras.src.initializers.random_initializers import compute_fans as keras_fans

    assert compute_fans(shape) == keras_fans(shape)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", [None, torch.float32, torch.float64, "float16", "bfloat16"])
def test_shape_and_dtype(cls, dtype):
    shape = (6, 6) if cls is initializers.Identity else (6, 4)
    value = cls()(shape, dtype=dtype)
    assert isinstance(value, torch.Tensor)
    assert tuple(value.shape) == shape
    expected = torch.float32 if dtype is None else getattr(torch, str(dtype).split(".")[-1])
    assert value.dtype == expected
    assert value.device.type == "cpu"
    assert not value.requires_grad


def test_shape_as_list_and_torch_size():
    assert initializers.Zeros()([2, 3]).shape == (2, 3)
    assert initializers.GlorotUniform()(torch.Size([2, 3])).shape == (2, 3)


def test_deterministic_values():
    torch.testing.assert_close(initializers.Zeros()((2, 3)), torch.zeros(2, 3))
    torch.testing.assert_close(initializers.Ones()((2, 3)), torch.ones(2, 3))
    torch.testing.assert_close(initializers.Constant(2.5)((2, 3)), torch.full((2, 3), 2.5))
    torch.testing.assert_close(initializers.Constant([1.0, 2.0, 3.0])((2, 3)),
                               torch.tensor([[1.0, 2.0, 3.0]] * 2))
    torch.testing.assert_close(initializers.Identity()((3, 3)), torch.eye(3))
    torch.testing.assert_close(initializers.Identity(gain=2.0)((3, 5)), 2 * torch.eye(3, 5))
    assert initializers.Constant(3)((2,), dtype=torch.int64).tolist() == [3, 3]


@pytest.mark.parametrize("cls", [initializers.Zeros, initializers.Ones, initializers.Identity])
def test_deterministic_match_keras(cls):
    ours = cls()((4, 5))
    theirs = getattr(keras.initializers, cls.__name__)()((4, 5))
    np.testing.assert_array_equal(ours.numpy(), keras.ops.convert_to_numpy(theirs))


def test_identity_needs_rank_2():
    with pytest.raises(ValueError, match="rank-2"):
        initializers.Identity()((2, 2, 2))


@pytest.mark.parametrize("shape", [DENSE, (300, 400), CONV, (5, 5)])
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal(shape, gain):
    w = initializers.Orthogonal(gain=gain, seed=3)(shape).double()
    m = w.reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    torch.testing.assert_close(gram, gain**2 * torch.eye(gram.shape[0], dtype=torch.float64),
                               atol=1e-5, rtol=0)


def test_orthogonal_needs_rank_2():
    with pytest.raises(ValueError, match="rank >= 2"):
        initializers.Orthogonal()((5,))


def _check_moments(w, mean, std):
    n = w.numel()
    w = w.double()
    assert abs(w.mean().item() - mean) < 5 * std / math.sqrt(n) + 1e-12
    assert abs(w.std().item() / std - 1) < 0.02


@pytest.mark.parametrize("shape", [DENSE, CONV], ids=["dense", "conv"])
@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING))
def test_variance_scaling_family_statistics(name, shape):
    scale, mode, distribution = VARIANCE_SCALING[name]
    torch.manual_seed(0)
    w = initializers.get(name)(shape)
    std = math.sqrt(scale / _fan(shape, mode))
    _check_moments(w, 0.0, std)
    if distribution == "uniform":
        assert w.abs().max().item() <= math.sqrt(3) * std
    else:
        assert w.abs().max().item() <= 2 * std / TRUNC


@pytest.mark.parametrize("shape", [DENSE, CONV], ids=["dense", "conv"])
@pytest.mark.parametrize("name", sorted(VARIANCE_SCALING) + ["orthogonal"])
def test_spread_matches_keras(name, shape):
    ours = initializers.get(name)(shape)
    theirs = keras.ops.convert_to_numpy(keras.initializers.get(name)(shape))
    assert abs(ours.std().item() / theirs.std() - 1) < 0.03


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_statistics(mode, distribution):
    init = initializers.VarianceScaling(scale=3.0, mode=mode, distribution=distribution, seed=5)
    w = init(CONV)
    std = math.sqrt(3.0 / _fan(CONV, mode))
    _check_moments(w, 0.0, std)
    if distribution == "uniform":
        assert w.abs().max().item() <= math.sqrt(3) * std
    elif distribution == "truncated_normal":
        assert w.abs().max().item() <= 2 * std / TRUNC


def test_variance_scaling_explicit_axes():
    init = initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform",
                                        input_axes=[0], output_axes=[1, 2])
    w = init((10000, 2, 3))
    assert w.abs().max().item() <= math.sqrt(3 / 10000)


def test_variance_scaling_normal_is_truncated():
    assert initializers.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


@pytest.mark.parametrize("kwargs", [{"scale": 0.0}, {"mode": "fan_sum"},
                                    {"distribution": "cauchy"}])
def test_variance_scaling_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        initializers.VarianceScaling(**kwargs)


def test_random_normal_statistics():
    w = initializers.RandomNormal(mean=1.0, stddev=0.2, seed=1)(DENSE)
    _check_moments(w, 1.0, 0.2)


def test_random_uniform_statistics_and_bounds():
    w = initializers.RandomUniform(minval=-1.0, maxval=3.0, seed=1)(DENSE)
    assert w.min().item() >= -1.0 and w.max().item() < 3.0
    _check_moments(w, 1.0, 4 / math.sqrt(12))


def test_truncated_normal_statistics_and_bounds():
    w = initializers.TruncatedNormal(mean=0.5, stddev=0.1, seed=1)(DENSE)
    assert w.min().item() >= 0.5 - 0.2 - 1e-6 and w.max().item() <= 0.5 + 0.2 + 1e-6
    _check_moments(w, 0.5, 0.1 * TRUNC)


def test_default_arguments_match_keras():
    assert initializers.RandomNormal().get_config() == keras.initializers.RandomNormal(
    ).get_config()
    assert initializers.RandomUniform().get_config() == keras.initializers.RandomUniform(
    ).get_config()
    assert initializers.TruncatedNormal().get_config() == keras.initializers.TruncatedNormal(
    ).get_config()


@pytest.mark.parametrize("cls", RANDOM_CLASSES, ids=lambda c: c.__name__)
def test_same_seed_same_tensor(cls):
    a = cls(seed=42)
    torch.testing.assert_close(a((20, 10)), a((20, 10)), rtol=0, atol=0)
    torch.testing.assert_close(a((20, 10)), cls(seed=42)((20, 10)), rtol=0, atol=0)
    assert not torch.equal(a((20, 10)), cls(seed=43)((20, 10)))


@pytest.mark.parametrize("cls", RANDOM_CLASSES, ids=lambda c: c.__name__)
def test_unseeded_uses_torch_global_rng(cls):
    init = cls()
    torch.manual_seed(0)
    first, second = init((20, 10)), init((20, 10))
    assert not torch.equal(first, second)
    torch.manual_seed(0)
    torch.testing.assert_close(init((20, 10)), first, rtol=0, atol=0)


def test_seeded_does_not_touch_global_rng():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    initializers.GlorotUniform(seed=1)((50, 50))
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("seed", ["1", 1.5, True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed=seed)


def test_random_with_integer_dtype_is_refused():
    with pytest.raises(ValueError, match="dtype"):
        initializers.RandomNormal()((2, 2), dtype=torch.int32)


def _keras_names():
    from keras.src.initializers import ALL_OBJECTS_DICT

    return sorted(n for n in ALL_OBJECTS_DICT if "stft" not in n.lower()
                  and n.lower() != "initializer")


def _same_config(ours, keras_init):
    # Keras 3's Identity.get_config() forgets `gain` (it returns {}); ours keeps it.
    theirs = keras_init.get_config()
    if type(keras_init).__name__ == "Identity":
        theirs = {"gain": keras_init.gain, **theirs}
    return ours.get_config() == theirs


@pytest.mark.parametrize("name", _keras_names())
def test_get_every_keras_name(name):
    from keras.src.initializers import ALL_OBJECTS_DICT

    ours = initializers.get(name)
    # Built from the class, since Keras 3's own get("constant") fails (KeyError: 'value').
    theirs = ALL_OBJECTS_DICT[name]()
    assert type(ours).__name__ == type(theirs).__name__
    assert _same_config(ours, theirs)


def test_snake_case_names_are_the_classes():
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.IdentityInitializer is initializers.Identity
    assert initializers.OrthogonalInitializer is initializers.Orthogonal


def test_get_unknown_name():
    with pytest.raises(ValueError, match="'glorot_unifrom'"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ValueError, match="'Nope'"):
        initializers.get({"class_name": "Nope", "config": {}})


def test_get_other_identifiers():
    assert initializers.get(None) is None
    instance = initializers.HeNormal(seed=1)
    assert initializers.get(instance) is instance
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)

    def custom(shape, dtype=None):
        return torch.full(shape, 7.0, dtype=dtype)

    assert initializers.get(custom) is custom
    fixed = initializers.get(np.arange(6.0).reshape(2, 3))
    torch.testing.assert_close(fixed((2, 3)), torch.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="shape"):
        fixed((3, 2))
    with pytest.raises(ValueError):
        initializers.get(3.5)


@pytest.mark.parametrize("init", [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(0.3),
    initializers.Identity(gain=2.0), initializers.RandomNormal(0.1, 0.2, seed=3),
    initializers.RandomUniform(-1, 1, seed=4), initializers.TruncatedNormal(0.0, 0.5),
    initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=9),
    initializers.GlorotUniform(seed=1), initializers.GlorotNormal(), initializers.HeUniform(),
    initializers.HeNormal(seed=2), initializers.LecunUniform(), initializers.LecunNormal(),
    initializers.Orthogonal(gain=0.5, seed=8),
], ids=lambda i: type(i).__name__)
def test_config_round_trip_and_keras_parity(init):
    config = init.get_config()
    clone = type(init).from_config(config)
    assert clone.get_config() == config
    serialized = initializers.serialize(init)
    assert serialized == {"class_name": type(init).__name__, "config": config}
    assert initializers.get(serialized).get_config() == config
    # The same config means the same thing to Keras, and Keras's config loads into sloi.
    keras_init = keras.initializers.deserialize(serialized)
    assert _same_config(init, keras_init)
    if not isinstance(init, initializers.Identity):  # Keras's own config drops Identity's gain
        assert initializers.get(keras.initializers.serialize(keras_init)).get_config() == config
    if getattr(init, "seed", None) is not None:
        torch.testing.assert_close(clone((8, 6)), init((8, 6)), rtol=0, atol=0)


def test_serialize_function():
    def my_init(shape, dtype=None):
        return torch.zeros(shape, dtype=dtype)

    assert initializers.serialize(my_init) == {"class_name": "function", "config": "my_init"}
    assert initializers.deserialize(initializers.serialize(my_init),
                                    custom_objects={"my_init": my_init}) is my_init
    assert initializers.serialize(None) is None
