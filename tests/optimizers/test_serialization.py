"""sloi.optimizers.get / serialize / deserialize, and Keras's configs read by sloi."""

import keras
import pytest

from sloi import optimizers

NAMES = [
    "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lion",
    "adafactor", "ftrl", "muon", "schedulefreeadamw",
]


@pytest.mark.parametrize("name", NAMES)
def test_names_match_keras(name):
    ours, theirs = optimizers.get(name), keras.optimizers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.learning_rate == pytest.approx(float(theirs.learning_rate), rel=1e-6)


@pytest.mark.parametrize("name", ["Adam", "ADAM", "RMSprop", "SGD", "AdamW", "nAdAm"])
def test_names_are_case_insensitive(name):
    assert type(optimizers.get(name)).__name__.lower() == name.lower()


def test_instances_classes_dicts_and_none():
    opt = optimizers.SGD(0.1)
    assert optimizers.get(opt) is opt
    assert isinstance(optimizers.get(optimizers.RMSprop), optimizers.RMSprop)
    got = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.3, "momentum": 0.5}})
    assert isinstance(got, optimizers.SGD) and got.learning_rate == 0.3 and got.momentum == 0.5
    assert optimizers.get(None) is None


def test_unknown_name_suggests_close_names():
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adan'\. Did you mean 'adam'"):
        optimizers.get("adan")
    with pytest.raises(ValueError, match="Did you mean 'rmsprop'"):
        optimizers.get("rms_prop")
    with pytest.raises(ValueError, match="Available optimizers: adadelta, adafactor, adagrad"):
        optimizers.get("zzz")


@pytest.mark.parametrize("name", ["lossscaleoptimizer", "multioptimizer", "optimizermap"])
def test_wrappers_need_their_arguments_as_in_keras(name):
    with pytest.raises((TypeError, KeyError)):  # Keras fails inside from_config({})
        keras.optimizers.get(name)
    with pytest.raises(TypeError):
        optimizers.get(name)


def test_lamb_by_name():
    # Keras 3.15 leaves Lamb out of its name table; sloi finds it like the others.
    assert isinstance(optimizers.get("lamb"), optimizers.Lamb)
    theirs = keras.optimizers.Lamb(0.01)
    assert isinstance(optimizers.deserialize(keras.optimizers.serialize(theirs)), optimizers.Lamb)


def test_bad_identifier():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(3)


@pytest.mark.parametrize("name", NAMES)
def test_serialize_round_trip(name):
    opt = optimizers.get(name)
    opt.learning_rate = 0.25
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt)
    assert again.get_config() == opt.get_config()


@pytest.mark.parametrize("name", NAMES)
def test_reads_keras_serialized_optimizers(name):
    theirs = keras.optimizers.get(name)
    ours = optimizers.deserialize(keras.optimizers.serialize(theirs))
    config, keras_config = ours.get_config(), theirs.get_config()
    assert config.keys() == keras_config.keys()
    assert config["learning_rate"] == pytest.approx(keras_config["learning_rate"], rel=1e-6)
    assert config["name"] == keras_config["name"]


def test_reads_a_keras_schedule_in_an_optimizer_config():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    theirs = keras.optimizers.Adam(learning_rate=schedule)
    ours = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert isinstance(ours._learning_rate, optimizers.schedules.ExponentialDecay)
    assert ours.learning_rate == pytest.approx(0.1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=1.0),
        lambda: optimizers.Adafactor(0.05, use_ema=True),
        lambda: optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.Lamb(0.05))),
        lambda: optimizers.Muon(0.05),
        lambda: optimizers.ScheduleFreeAdamW(0.05),
    ],
    ids=["LossScaleOptimizer", "Adafactor-ema", "MultiOptimizer", "Muon", "ScheduleFreeAdamW"],
)
def test_saved_model_resumes_training_identically(make, tmp_path):
    import numpy as np

    import sloi
    import sloi.training  # noqa: F401  (plugs fit() into Model)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")

    def model():
        m = sloi.Sequential([sloi.layers.Dense(4, input_shape=(3,)), sloi.layers.Dense(1)])
        m.compile(optimizer=make(), loss="mse")
        return m

    straight, interrupted = model(), model()
    interrupted.set_weights(straight.get_weights())
    fit = {"batch_size": 4, "shuffle": False, "verbose": 0}
    # two fits of one epoch each, as the interrupted run does (with use_ema, every fit ends
    # by copying the averages into the weights, as in Keras)
    straight.fit(x, y, epochs=1, **fit)
    straight.fit(x, y, epochs=1, **fit)
    interrupted.fit(x, y, epochs=1, **fit)
    interrupted.save(tmp_path / "m.sloi")
    resumed = sloi.models.load_model(tmp_path / "m.sloi")
    assert type(resumed.optimizer) is type(straight.optimizer)
    resumed.fit(x, y, epochs=1, **fit)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
