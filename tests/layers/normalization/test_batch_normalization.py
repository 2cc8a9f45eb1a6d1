import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import initializers
from sloi.layers import BatchNormalization
from tests.conformance import assert_gradients_match_keras, run_layer_test


def _random_stats_kwargs(keras_side=False):
    """Initializers that make every weight differ from the identity transform."""
    lib = keras.initializers if keras_side else initializers
    return {
        "gamma_initializer": lib.RandomUniform(0.5, 1.5, seed=1),
        "beta_initializer": lib.RandomNormal(seed=2),
        "moving_mean_initializer": lib.RandomNormal(seed=3),
        "moving_variance_initializer": lib.RandomUniform(0.5, 2.0, seed=4),
    }


@pytest.mark.parametrize("shape, axis, center, scale", [
    ((4, 3), -1, True, True), ((4, 5, 3), -1, True, True), ((4, 5, 6, 3), -1, True, True),
    ((4, 3, 5, 6), 1, True, True), ((4, 3, 5), 1, True, True), ((4, 5, 3), 2, True, True),
    ((4, 5, 3), -1, False, True), ((4, 3, 5, 6), 1, True, False), ((4, 3), -1, False, False),
])
def test_batch_norm_conformance_and_keras_parity_in_inference(shape, axis, center, scale):
    common = {"axis": axis, "center": center, "scale": scale, "epsilon": 0.01}
    run_layer_test(
        BatchNormalization, {**common, **_random_stats_kwargs()}, input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=int(center) + int(scale),
        expected_num_non_trainable_weights=2, supports_masking=True,
        keras_layer_cls=keras.layers.BatchNormalization,
        keras_init_kwargs={**common, **_random_stats_kwargs(keras_side=True)},
    )


def test_batch_norm_weight_names_and_order_are_keras():
    layer = BatchNormalization()
    layer(torch.zeros(2, 4))
    assert [p.split("/")[1] for p, _ in layer.weights_with_paths()] == [
        "gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.shape for w in layer.get_weights()] == [(4,)] * 4
    assert layer.count_params() == 16 and len(layer.trainable_weights) == 2


def _pair(shape, **kwargs):
    """A sloi and a Keras layer, built on ``shape``, with the same random weights."""
    ours = BatchNormalization(**kwargs)
    theirs = keras.layers.BatchNormalization(**kwargs)
    ours.build(shape)
    theirs.build(shape)
    rng = np.random.default_rng(5)
    weights = []
    for path, w in ours.weights_with_paths():
        if path.endswith(("gamma", "variance", "stddev")):  # scales: positive
            weights.append(rng.uniform(0.5, 2.0, tuple(w.shape)).astype("float32"))
        else:
            weights.append(rng.standard_normal(tuple(w.shape)).astype("float32"))
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


def _np(t):
    return t.detach().cpu().numpy()


@pytest.mark.parametrize("shape, axis, momentum, center, scale", [
    ((8, 3), -1, 0.99, True, True), ((4, 5, 3), -1, 0.9, True, True),
    ((2, 5, 6, 3), -1, 0.5, True, True), ((2, 3, 5, 6), 1, 0.99, True, True),
    ((4, 5, 3), 1, 0.9, True, False), ((2, 5, 6, 3), -1, 0.5, False, False),
])
def test_batch_norm_training_matches_keras_outputs_and_moving_stats(
        shape, axis, momentum, center, scale):
    kwargs = {"axis": axis, "momentum": momentum, "center": center, "scale": scale}
    ours, theirs = _pair(shape, **kwargs)
    rng = np.random.default_rng(0)
    for _ in range(3):  # several updates of the moving statistics
        x = (rng.standard_normal(shape) * 2 + 1).astype("float32")
        out = ours(x, training=True)
        ref = theirs(x, training=True)
        assert np.isfinite(_np(out)).all()
        np.testing.assert_allclose(_np(out), _np(ref), atol=1e-5, rtol=1e-5)
        for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    # Inference afterwards uses the moving statistics, in both.
    x = rng.standard_normal(shape).astype("float32")
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), atol=1e-5, rtol=1e-5)


def test_batch_norm_training_gradients_match_keras():
    x = np.random.default_rng(1).standard_normal((6, 4, 3)).astype("float32")
    assert_gradients_match_keras(BatchNormalization, keras.layers.BatchNormalization, {}, x,
                                 training=True)


def test_batch_norm_moving_variance_uses_the_biased_batch_variance():
    layer = BatchNormalization(momentum=0.0)  # moving = batch statistics
    x = torch.tensor([[1.0], [3.0]])
    layer(x, training=True)
    torch.testing.assert_close(layer.moving_mean, torch.tensor([2.0]))
    torch.testing.assert_close(layer.moving_variance, torch.tensor([1.0]))  # not 2.0


def test_batch_norm_single_value_per_channel_trains_like_keras():
    ours, theirs = _pair((1, 3))
    x = np.array([[0.5, -1.0, 2.0]], "float32")
    np.testing.assert_allclose(_np(ours(x, training=True)), _np(theirs(x, training=True)),
                               atol=1e-6)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_batch_norm_masked_training_matches_keras():
    ours, theirs = _pair((3, 5, 4))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    mask = torch.tensor(rng.uniform(size=(3, 5)) > 0.4)
    out = ours(torch.tensor(x), training=True, mask=mask)
    ref = theirs(x, training=True, mask=mask)
    np.testing.assert_allclose(_np(out), _np(ref), atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("clipping", [None, {"rmax": 1.2, "rmin": 0.8, "dmax": 0.1}])
def test_batch_renorm_matches_keras(clipping):
    kwargs = {"renorm": True, "renorm_clipping": clipping, "renorm_momentum": 0.7,
              "momentum": 0.8}
    ours, theirs = _pair((6, 3), **kwargs)
    assert len(ours.non_trainable_weights) == 5
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = (rng.standard_normal((6, 3)) * 3 + 2).astype("float32")
        np.testing.assert_allclose(_np(ours(x, training=True)), _np(theirs(x, training=True)),
                                   atol=1e-5, rtol=1e-5)
        for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


def test_batch_renorm_initial_stddevs_are_sqrt_of_the_variance_initializer():
    kwargs = {"renorm": True, "moving_variance_initializer": "ones"}
    layer = BatchNormalization(**kwargs, name="bn")
    layer.build((2, 3))
    names = [p for p, _ in layer.weights_with_paths()]
    assert names == ["bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance",
                     "bn/moving_stddev", "bn/renorm_mean", "bn/renorm_stddev"]
    keras_layer = keras.layers.BatchNormalization(**kwargs)
    keras_layer.build((2, 3))
    for a, b in zip(layer.get_weights(), keras_layer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_frozen_batch_norm_always_runs_in_inference():
    ours, theirs = _pair((4, 3))
    ours.trainable = False
    theirs.trainable = False
    before = ours.get_weights()
    x = np.random.default_rng(4).standard_normal((4, 3)).astype("float32")
    out = ours(x, training=True)
    np.testing.assert_allclose(_np(out), _np(theirs(x, training=True)), atol=1e-5)
    np.testing.assert_allclose(_np(out), _np(ours(x, training=False)), atol=0)
    for a, b in zip(before, ours.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_train_mode_of_a_model_uses_batch_statistics():
    model = sloi.Sequential([sloi.Input(shape=(3,)), BatchNormalization(momentum=0.0)])
    x = torch.randn(16, 3) * 5 + 2
    model.train()
    out = model(x)
    torch.testing.assert_close(out.mean(0), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(model.layers[0].moving_mean, x.mean(0))


def test_batch_norm_regularizers_reach_losses():
    layer = BatchNormalization(gamma_regularizer="l2", beta_regularizer="l1")
    layer(torch.zeros(2, 3))
    assert len(layer.losses) == 2
    torch.testing.assert_close(layer.losses[0], torch.tensor(0.01 * 3))


def test_batch_norm_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=(
            r'Layer "batch_normalization" \(BatchNormalization\) needs the size of axis -1 '
            r"\(the channels\) to be known; got shape \(None, 4, None\)")):
        BatchNormalization()(sloi.Input(shape=(4, None)))
    with pytest.raises(ValueError, match=r"axis 3 is out of range for inputs of shape "
                                         r"\(None, 4, 5\)"):
        BatchNormalization(axis=3)(sloi.Input(shape=(4, 5)))
    layer = BatchNormalization()
    layer(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match=r"expects inputs with size 3 on axis 2.*got shape "
                                         r"\(2, 5, 4\)"):
        layer(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match=r"the mask must have one axis less than the inputs; "
                                         r"got mask shape \(2,\) for inputs of shape \(2, 5, 3\)"):
        layer(torch.zeros(2, 5, 3), mask=torch.ones(2, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"renorm_clipping keys must be among"):
        BatchNormalization(renorm=True, renorm_clipping={"rmux": 1.0})


def test_synchronized_changes_nothing_in_one_process():
    """``synchronized=True`` (Keras's TensorFlow-only option) is accepted: in one process the
    layer computes exactly what the unsynchronized one does; tests/distribute checks several."""
    x = torch.randn(8, 5, 3)
    plain, synced = BatchNormalization(), BatchNormalization(synchronized=True)
    plain.train(), synced.train()
    torch.testing.assert_close(synced(x), plain(x), rtol=0, atol=0)
    for a, b in zip(synced.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert synced.get_config()["synchronized"] is True
    assert BatchNormalization.from_config(synced.get_config()).synchronized is True
