"""``sloi.random`` gives Keras's numbers for the same seed, repeats for an int seed and moves
on with a SeedGenerator."""

import numpy as np
import pytest
import torch

import sloi

LOGITS = np.random.default_rng(0).standard_normal((3, 5)).astype("float32")
CASES = {
    "normal": (((3, 4),), {"mean": 1.0, "stddev": 2.0}),
    "uniform": (((3, 4),), {"minval": -1.0, "maxval": 2.0}),
    "uniform_scalar": (((),), {}),
    "randint": (((5, 2), 0, 10), {}),
    "truncated_normal": (((6, 3),), {"stddev": 0.5}),
    "categorical": ((LOGITS, 4), {}),
    "dropout": ((torch.ones(4, 6), 0.5), {}),
    "dropout_noise_shape": ((torch.ones(4, 6), 0.25), {"noise_shape": (None, 1)}),
    "shuffle": ((torch.arange(12).reshape(4, 3),), {}),
    "gamma": (((5,), 2.0), {}),
    "binomial": (((5,), 10, 0.3), {}),
    "beta": (((5,), 2.0, 3.0), {}),
}


def _call(module, case, seed):
    args, kwargs = CASES[case]
    name = case.split("_")[0] if case.startswith(("uniform_", "dropout_")) else case
    return getattr(module, name)(*args, seed=seed, **kwargs)


def _np(x):
    return np.asarray(x.detach().cpu()) if isinstance(x, torch.Tensor) else np.asarray(x)


@pytest.mark.parametrize("case", sorted(CASES))
def test_seeded_calls_give_keras_numbers_and_repeat(case):
    import keras

    ours, theirs = _call(sloi.random, case, 7), _call(keras.random, case, 7)
    assert ours.dtype == theirs.dtype and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-6)
    np.testing.assert_array_equal(_np(_call(sloi.random, case, 7)), _np(ours))


@pytest.mark.parametrize("case", ["normal", "uniform", "randint", "dropout", "shuffle", "gamma"])
def test_a_seed_generator_moves_on_as_keras_s_does(case):
    import keras

    ours_gen, theirs_gen = sloi.random.SeedGenerator(3), keras.random.SeedGenerator(3)
    ours = [_call(sloi.random, case, ours_gen) for _ in range(3)]
    theirs = [_call(keras.random, case, theirs_gen) for _ in range(3)]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6)
    assert not np.array_equal(_np(ours[0]), _np(ours[1]))


def test_unseeded_calls_differ_and_leave_torch_s_global_generator_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    a, b = sloi.random.normal((100,)), sloi.random.normal((100,))
    sloi.random.gamma((4,), 2.0, seed=1)
    assert not torch.equal(a, b)
    assert torch.equal(torch.rand(3), expected)


def test_seed_generator_config_round_trips_and_bad_seeds_are_refused():
    gen = sloi.random.SeedGenerator(5, name="g")
    assert sloi.random.SeedGenerator.from_config(gen.get_config()).get_config() == {
        "seed": 5, "name": "g"}
    with pytest.raises(ValueError, match="seed must be an integer"):
        sloi.random.SeedGenerator("five")
    with pytest.raises(ValueError, match="seed must be an integer, a SeedGenerator or None"):
        sloi.random.normal((2,), seed=1.5)


def test_dropout_keeps_the_expected_share_and_scales():
    out = sloi.random.dropout(torch.ones(200, 200), 0.3, seed=1)
    kept = out != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.01
    torch.testing.assert_close(out[kept], torch.full_like(out[kept], 1 / 0.7))
