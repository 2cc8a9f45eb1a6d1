import pytest

import sloi


@sloi.saving.register_keras_serializable(package="TestCompile")
def my_loss(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean(axis=-1)


def _model():
    a = sloi.Input((3,), name="a")
    return sloi.Model(a, {"p": sloi.layers.Dense(1, name="p")(a),
                          "q": sloi.layers.Dense(2, name="q")(a)})


def test_compile_config_round_trip():
    model = _model()
    model.compile(sloi.optimizers.SGD(0.1, momentum=0.5),
                  loss={"p": "mse", "q": sloi.losses.Huber(delta=2.0)},
                  loss_weights={"p": 1.0, "q": 0.5},
                  metrics={"p": ["mae"], "q": [sloi.metrics.RootMeanSquaredError()]})
    config = model.get_compile_config()
    assert config["loss"]["p"] == "mse"
    assert config["loss"]["q"]["class_name"] == "Huber"
    assert config["optimizer"]["config"]["momentum"] == 0.5
    other = _model()
    other.compile_from_config(config)
    assert other.get_compile_config() == config
    assert other.optimizer is not model.optimizer


def test_registered_loss_function():
    model = _model()
    model.compile("adam", loss=my_loss)
    config = model.get_compile_config()
    assert config["loss"]["config"] == "TestCompile>my_loss"
    other = _model()
    other.compile_from_config(config)
    assert other.__dict__["_compile_args"]["loss"] is my_loss


def test_not_compiled():
    assert _model().get_compile_config() is None
    with pytest.raises(ValueError, match="A compile config needs an optimizer"):
        _model().compile_from_config({})
