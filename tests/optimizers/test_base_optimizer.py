"""The Optimizer base: clipping, weight decay, learning rates, config and state, against Keras."""

import copy
import io

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import optimizers
from tests.optimizers.optimizer_parity import (
    assert_same_steps,
    gradient_sequence,
    keras_weights,
    sloi_weights,
)

ALL = [
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion",
    "Adafactor", "Ftrl", "Lamb",
]
ADAM_LIKE = {"Adam", "AdamW", "Nadam", "Lamb"}  # float32 bias corrections in Keras: see assert_same_steps


def _both(name, **kwargs):
    return getattr(optimizers, name)(**kwargs), getattr(keras.optimizers, name)(**kwargs)


def _rtol(name):
    return 1e-5 if name in ADAM_LIKE else None


# -- clipping and loss scaling --------------------------------------------------------------


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
@pytest.mark.parametrize(
    "clip", [{"clipnorm": 0.5}, {"clipvalue": 0.3}, {"global_clipnorm": 1.0}], ids=str
)
def test_clipping_matches_keras(name, clip):
    kwargs = {"learning_rate": 0.1, **clip}
    if name == "SGD":
        kwargs["momentum"] = 0.9
    ours, theirs = _both(name, **kwargs)
    assert_same_steps(ours, theirs, scale=2.0, update_rtol=_rtol(name))


def test_clipping_leaves_small_and_zero_gradients_alone():
    p = torch.nn.Parameter(torch.zeros(3))
    q = torch.nn.Parameter(torch.zeros(2))
    opt = optimizers.SGD(1.0, clipnorm=1.0)
    opt.build([p, q])
    p.grad, q.grad = torch.tensor([0.1, 0.2, 0.2]), torch.zeros(2)
    opt.step()
    torch.testing.assert_close(p.detach(), torch.tensor([-0.1, -0.2, -0.2]))
    torch.testing.assert_close(q.detach(), torch.zeros(2))


def test_global_clipnorm_gives_nan_for_infinite_gradients_as_keras():
    p = torch.nn.Parameter(torch.zeros(2))
    opt = optimizers.SGD(1.0, global_clipnorm=1.0)
    opt.build([p])
    p.grad = torch.tensor([float("inf"), 1.0])
    opt.step()
    assert torch.isnan(p).all()


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and"):
        optimizers.SGD(clipnorm=1.0, clipvalue=0.5)


def test_loss_scale_factor_matches_keras():
    ours, theirs = _both("SGD", learning_rate=0.1, momentum=0.5, loss_scale_factor=8.0)
    assert_same_steps(ours, theirs, scale=8.0)
    assert ours.scale_loss(torch.tensor(2.0)).item() == 16.0
    assert optimizers.SGD().scale_loss(3.0) == 3.0


# -- weight decay ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_weight_decay_matches_keras(name):
    ours, theirs = _both(name, learning_rate=0.05, weight_decay=0.1)
    assert_same_steps(ours, theirs, update_rtol=_rtol(name))


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_exclude_from_weight_decay_matches_keras(name):
    weights, grads = gradient_sequence(4)
    names = ["kernel", "bias", "gamma"]
    ours, theirs = _both(name, learning_rate=0.05, weight_decay=0.5)

    keras_vars = [keras.Variable(w, name=n) for w, n in zip(weights, names)]
    theirs.exclude_from_weight_decay(var_list=[keras_vars[2]], var_names=["bias"])
    for step in grads:
        theirs.apply([keras.ops.convert_to_tensor(g) for g in step], keras_vars)

    params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    ours.exclude_from_weight_decay(var_list=[params[2]], var_names=["bias"])
    ours.build([(f"dense.{n}", p) for n, p in zip(names, params)])
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g)
        ours.step()
    for w, p, v in zip(weights, params, keras_vars):
        np.testing.assert_allclose(
            p.detach().numpy() - w, keras.ops.convert_to_numpy(v.value) - w, rtol=1e-5, atol=1e-6
        )
    with pytest.raises(ValueError, match="before the optimizer is built"):
        ours.exclude_from_weight_decay(var_names=["kernel"])


# -- learning rate --------------------------------------------------------------------------


def test_learning_rate_get_set_reaches_param_groups():
    opt = optimizers.Adam(0.01)
    rate = float(np.float32(0.01))  # a float32 variable, as Keras's
    assert float(opt.learning_rate) == rate and opt.current_learning_rate() == rate
    opt.build([torch.nn.Parameter(torch.zeros(2))])
    assert opt.torch_optimizer.param_groups[0]["lr"] == rate
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5 and opt.torch_optimizer.param_groups[0]["lr"] == 0.5
    opt.lr = 0.25  # Keras 2 name
    assert opt.lr == 0.25 and opt.torch_optimizer.param_groups[0]["lr"] == 0.25
    assert opt.get_config()["learning_rate"] == 0.25


def test_learning_rate_change_takes_effect():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = optimizers.SGD(0.1)
    opt.build([p])
    p.grad = torch.ones(1)
    opt.step()
    opt.learning_rate = 1.0
    opt.step()
    torch.testing.assert_close(p.detach(), torch.tensor([-1.1]))


def test_lr_alias_and_number_types():
    assert optimizers.SGD(lr=0.3).learning_rate == 0.3
    assert optimizers.Adam(learning_rate=1).learning_rate == 1.0
    assert optimizers.Adam(learning_rate=np.float32(0.5)).learning_rate == 0.5
    with pytest.raises(ValueError, match="Argument `learning_rate` should be float"):
        optimizers.Adam(learning_rate="fast")


def test_schedule_is_evaluated_on_the_host_each_step():
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = optimizers.SGD(schedule)
    opt.build([p])
    for step in range(3):
        assert opt.learning_rate == pytest.approx(0.1 * 0.5**step)
        p.grad = torch.ones(1)
        opt.step()
        assert opt.torch_optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**step)
    torch.testing.assert_close(p.detach(), torch.tensor([-0.175]))
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


@pytest.mark.parametrize("name", ["Adam", "SGD", "Adagrad"])
def test_schedule_with_weight_decay_matches_keras(name):
    # Keras decays with the scheduled rate of the same step.
    ours = getattr(optimizers, name)(
        optimizers.schedules.PolynomialDecay(0.1, 4, end_learning_rate=0.01), weight_decay=0.2
    )
    theirs = getattr(keras.optimizers, name)(
        keras.optimizers.schedules.PolynomialDecay(0.1, 4, end_learning_rate=0.01),
        weight_decay=0.2,
    )
    assert_same_steps(ours, theirs, steps=6, update_rtol=_rtol(name))


def test_keras_schedule_and_callable_learning_rates():
    opt = optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    sloi_weights(opt, *gradient_sequence(2))
    assert opt.learning_rate == pytest.approx(0.025)
    rates = iter([0.5, 0.25])
    opt = optimizers.SGD(lambda: next(rates))
    p = torch.nn.Parameter(torch.zeros(1))
    opt.build([p])
    p.grad = torch.ones(1)
    opt.step()
    assert p.item() == pytest.approx(-0.25)  # build read 0.5 for the param group, step 0.25


def test_setting_a_schedule_later():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = optimizers.SGD(0.1)
    opt.build([p])
    opt.learning_rate = optimizers.schedules.PiecewiseConstantDecay([0], [1.0, 0.5])
    p.grad = torch.ones(1)
    opt.step()
    opt.step()
    torch.testing.assert_close(p.detach(), torch.tensor([-1.5]))


# -- arguments ------------------------------------------------------------------------------


def test_argument_errors():
    with pytest.raises(ValueError, match=r"Argument\(s\) not recognized"):
        optimizers.Adam(bogus=1)
    for bad in ({"ema_momentum": 1.5}, {"ema_overwrite_frequency": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            optimizers.Adam(use_ema=True, **bad)
        with pytest.raises(ValueError, match=next(iter(bad))):
            keras.optimizers.Adam(use_ema=True, **bad)
    with pytest.raises(ValueError, match="must be an integer >= 2"):
        optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        optimizers.SGD(decay=1e-6)


def test_auto_names_match_keras():
    for name in ("Adam", "Adam", "RMSprop", "AdamW", "SGD"):
        ours, theirs = _both(name)
        assert ours.name == theirs.name
    assert optimizers.SGD(name="mine").name == "mine"


# -- life cycle -----------------------------------------------------------------------------


def test_apply_and_apply_gradients_equal_step():
    weights, grads = gradient_sequence(3)
    expected = sloi_weights(optimizers.Adam(0.1, clipnorm=0.5), weights, grads)
    for use_pairs in (False, True):
        params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
        opt = optimizers.Adam(0.1, clipnorm=0.5)
        for step in grads:
            tensors = [torch.tensor(g) for g in step]
            if use_pairs:
                assert opt.apply_gradients(zip(tensors, params)) == opt.iterations
            else:
                opt.apply(tensors, params)
            # the caller's gradients are not clipped in place
            np.testing.assert_array_equal(tensors[0].numpy(), step[0])
        for p, e in zip(params, expected):
            np.testing.assert_array_equal(p.detach().numpy(), e)


def test_apply_updates_only_the_given_variables():
    p, q = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    opt = optimizers.SGD(1.0)
    opt.build([p, q])
    q.grad = torch.ones(2)  # stale gradient from elsewhere
    opt.apply([torch.ones(2)], [p])
    assert p.tolist() == [-1.0, -1.0] and q.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="must match one to one"):
        opt.apply([torch.ones(2)])
    with pytest.raises(ValueError, match="not seen by the optimizer"):
        opt.apply([torch.ones(2)], [torch.nn.Parameter(torch.zeros(2))])


def test_iterations_zero_grad_and_errors():
    p = torch.nn.Parameter(torch.zeros(2))
    opt = optimizers.RMSprop()
    with pytest.raises(ValueError, match="not built"):
        opt.step()
    opt.build([p])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.step()
    p.grad = torch.ones(2)
    opt.step()
    opt.step()
    assert opt.iterations == 2 and opt.iteration_count == 2
    opt.zero_grad()
    assert p.grad is None
    p.grad = torch.ones(2)
    grad = p.grad
    opt.zero_grad(set_to_none=False)  # torch's zeroing in place: the same tensor, all zeros
    assert p.grad is grad and torch.equal(grad, torch.zeros(2))


def test_build_takes_named_parameters_once():
    model = torch.nn.Linear(3, 2)
    opt = optimizers.Adam()
    opt.build(model.named_parameters())
    opt.build([torch.nn.Parameter(torch.zeros(1))])  # already built: ignored
    assert opt.torch_optimizer.param_groups[0]["params"] == [model.weight, model.bias]
    with pytest.raises(TypeError, match="expects torch tensors"):
        optimizers.SGD().build([1.0])


def test_nothing_to_train():
    opt = optimizers.SGD()
    opt.build([])
    opt.step()
    opt.zero_grad()
    assert opt.torch_optimizer is None and opt.iterations == 0


def test_base_class_needs_a_subclass():
    with pytest.raises(NotImplementedError, match="does not create a torch optimizer"):
        optimizers.Optimizer(0.1).build([torch.nn.Parameter(torch.zeros(1))])


# -- config and state -----------------------------------------------------------------------

CONFIGS = {
    "SGD": {"momentum": 0.8, "nesterov": True, "clipnorm": 1.0},
    "Adam": {"beta_1": 0.8, "amsgrad": True, "weight_decay": 0.01},
    "AdamW": {"weight_decay": 0.1, "global_clipnorm": 2.0},
    "RMSprop": {"rho": 0.8, "momentum": 0.5, "centered": True, "clipvalue": 0.5},
    "Adagrad": {"initial_accumulator_value": 0.5, "epsilon": 1e-5},
    "Adadelta": {"rho": 0.9, "loss_scale_factor": 4.0},
    "Adamax": {"beta_2": 0.99},
    "Nadam": {"epsilon": 1e-4},
    "Lion": {"beta_1": 0.5},
    "Adafactor": {"clip_threshold": 0.5, "use_ema": True, "ema_momentum": 0.9},
    "Ftrl": {"beta": 0.5, "ema_overwrite_frequency": 3},
    "Lamb": {"epsilon": 1e-4},
}


@pytest.mark.parametrize("name", ALL)
def test_config_round_trip_and_keras_keys(name):
    ours, theirs = _both(name, learning_rate=0.125, **CONFIGS[name])
    config = ours.get_config()
    assert list(config) == list(theirs.get_config())
    again = type(ours).from_config(config)
    assert again.get_config() == config
    with_schedule = type(ours)(optimizers.schedules.CosineDecay(0.1, 100), **CONFIGS[name])
    again = type(ours).from_config(with_schedule.get_config())
    assert again.get_config() == with_schedule.get_config()
    assert again.learning_rate == pytest.approx(0.1)


@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip_continues_identically(name):
    weights, grads = gradient_sequence(6)
    kwargs = {"learning_rate": optimizers.schedules.ExponentialDecay(0.05, 2, 0.7)}
    if name in ("SGD", "RMSprop"):
        kwargs["momentum"] = 0.9
    reference = getattr(optimizers, name)(**kwargs)
    expected = sloi_weights(reference, weights, grads)

    first = getattr(optimizers, name)(**kwargs)
    halfway = sloi_weights(first, weights, grads[:3])
    buffer = io.BytesIO()
    torch.save(first.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)

    second = getattr(optimizers, name)(**kwargs)
    second.load_state_dict(state)  # before build: the moments are restored when built,
    assert second.iterations == 3  # the step count at once, as Keras's variables are
    got = sloi_weights(second, halfway, grads[3:])
    assert second.iterations == 6
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_state_dict_restores_float_learning_rate():
    opt = optimizers.SGD(0.5, momentum=0.9)
    sloi_weights(opt, *gradient_sequence(2))
    state = copy.deepcopy(opt.state_dict())
    assert state["iterations"] == 2 and state["learning_rate"] == 0.5
    other = optimizers.SGD(0.1, momentum=0.9)
    other.build([torch.nn.Parameter(torch.zeros(s)) for s in [(4, 3), (3,), (2, 2, 2)]])
    other.load_state_dict(state)
    assert other.learning_rate == 0.5 and other.torch_optimizer.param_groups[0]["lr"] == 0.5
    assert other.iterations == 2


# -- moving average of the weights (use_ema) ------------------------------------------------

EMA_NAMES = ALL + ["Muon", "ScheduleFreeAdamW"]


def _ema_run(optimizer, weights, grads, module):
    """Weights after the steps, then after `finalize_variable_values`."""
    if module is keras:
        variables = [keras.Variable(w) for w in weights]
        for step in grads:
            optimizer.apply([keras.ops.convert_to_tensor(g) for g in step], variables)
        stepped = [keras.ops.convert_to_numpy(v.value) for v in variables]
        optimizer.finalize_variable_values(variables)
        return stepped, [keras.ops.convert_to_numpy(v.value) for v in variables]
    stepped = [w.copy() for w in sloi_weights(optimizer, weights, grads)]  # numpy views
    params = optimizer.trainable_variables
    optimizer.finalize_variable_values(params)
    return stepped, [p.detach().numpy() for p in params]


@pytest.mark.parametrize("name", EMA_NAMES)
@pytest.mark.parametrize("frequency", [None, 3])
def test_ema_matches_keras(name, frequency):
    kwargs = {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.7,
              "ema_overwrite_frequency": frequency}
    weights, grads = gradient_sequence(5)
    ours, theirs = _both(name, **kwargs)
    if name == "ScheduleFreeAdamW":
        # Keras-on-torch's aliased read of z (see its test) differs from the second step on.
        grads = grads[:1]
    got = _ema_run(ours, weights, grads, torch)
    expected = _ema_run(theirs, weights, grads, keras)
    for got_stage, expected_stage in zip(got, expected):
        for w, a, b in zip(weights, got_stage, expected_stage):
            np.testing.assert_allclose(a - w, b - w, rtol=1e-4, atol=2e-6)


def test_ema_first_step_copies_then_averages():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5)
    opt.build([p])
    assert opt.model_variables_moving_average[0].item() == 0.0
    for _ in range(3):
        p.grad = torch.ones(1)
        opt.step()
    # weights -1, -2, -3; averages -1, then -1.5, then -2.25
    assert p.item() == -3.0
    assert opt.model_variables_moving_average[0].item() == -2.25
    assert optimizers.SGD().model_variables_moving_average is None


def test_ema_state_round_trip():
    from tests.optimizers.optimizer_parity import assert_state_round_trip

    def factory():
        return optimizers.Adam(0.05, use_ema=True, ema_momentum=0.6, ema_overwrite_frequency=4)

    assert_state_round_trip(factory, steps=8)
    opt = factory()
    sloi_weights(opt, *gradient_sequence(2))
    state = opt.state_dict()
    assert len(state["moving_average"]) == 3
    assert state["moving_average"][0] is not opt.model_variables_moving_average[0]


# -- learning_rate and iterations are Variables, as Keras's ---------------------------------

def _keras_idioms(K, make):
    """What Keras programs do with an optimizer's rate and step count, in framework ``K``;
    returns what they read and the weights after the steps between."""
    optimizer = make(K.optimizers)
    weights, grads = gradient_sequence(6)
    variables = [K.Variable(w) for w in weights]
    steps = iter(grads)

    def step():
        optimizer.apply([K.ops.convert_to_tensor(g) for g in next(steps)], variables)

    step()
    seen = [float(optimizer.learning_rate), optimizer.learning_rate.numpy().item(),
            int(optimizer.iterations.numpy()), int(optimizer.iterations),
            float(K.ops.convert_to_numpy(K.ops.convert_to_tensor(optimizer.learning_rate)))]
    optimizer.learning_rate.assign(1e-4)  # the next step uses it
    step()
    seen.append(float(optimizer.learning_rate))
    optimizer.learning_rate = 0.05
    step()
    seen += [float(optimizer.learning_rate), optimizer.get_config()["learning_rate"],
             int(optimizer.iterations.numpy())]
    names = [v.path for v in optimizer.variables[:2]]
    shapes = [tuple(v.shape) for v in optimizer.variables]
    return seen, names, shapes, [K.ops.convert_to_numpy(v) for v in variables]


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"momentum": 0.9}), ("Adam", {}), ("RMSprop", {}), ("Adagrad", {})])
def test_learning_rate_and_iterations_idioms_match_keras(name, kwargs):
    def make(module):
        return getattr(module, name)(learning_rate=0.01, name="opt", **kwargs)

    seen, names, shapes, weights = _keras_idioms(sloi, make)
    k_seen, k_names, k_shapes, k_weights = _keras_idioms(keras, make)
    assert seen == k_seen
    assert names == k_names  # "<optimizer>/iteration", "<optimizer>/learning_rate"
    assert shapes == k_shapes
    for ours, theirs in zip(weights, k_weights):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)


def test_a_schedule_s_learning_rate_is_its_value_now():
    def make(module):
        return module.optimizers.SGD(module.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5))

    weights, grads = gradient_sequence(3)
    ours, theirs = make(sloi), make(keras)
    sloi_weights(ours, weights, grads)
    keras_weights(theirs, weights, grads)
    assert isinstance(ours.learning_rate, torch.Tensor)
    assert float(ours.learning_rate) == pytest.approx(float(theirs.learning_rate), rel=1e-6)
    assert int(ours.iterations) == int(theirs.iterations) == 3
    assert len(ours.variables) == len(theirs.variables) == 1  # the step count alone
    with pytest.raises(TypeError, match="not settable"):
        ours.learning_rate = 0.5


def test_a_held_variable_follows_the_optimizer():
    opt = optimizers.Adam(0.01)
    iterations, rate = opt.iterations, opt.learning_rate
    sloi_weights(opt, *gradient_sequence(4))
    assert int(iterations) == 4 and opt.iterations is iterations
    opt.learning_rate = 0.5
    assert float(rate) == 0.5 and opt.learning_rate is rate
    twin = copy.deepcopy(opt)  # the copy counts on its own
    twin.iterations.assign(10)
    assert twin.iteration_count == 10 and opt.iteration_count == 4


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"gradient_accumulation_steps": 3}),
    ("Adam", {"gradient_accumulation_steps": 3}),
    ("Adam", {"gradient_accumulation_steps": 4, "use_ema": True, "clipnorm": 0.5}),
    ("RMSprop", {"gradient_accumulation_steps": 2, "momentum": 0.5}),
    ("Adam", {"gradient_accumulation_steps": 3, "schedule": True}),
])
def test_gradient_accumulation_trains_as_keras(name, kwargs):
    """Updates every n steps with the mean of the n steps' gradients; iterations counts the
    updates, a schedule every step, the moving average every step (as in Keras)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(48, 3)).astype("float32"), rng.normal(size=(48, 1)).astype("float32")

    def run(lib):
        options = dict(kwargs)
        rate = 0.01
        if options.pop("schedule", False):
            rate = lib.optimizers.schedules.ExponentialDecay(0.01, 5, 0.5)
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="tanh"),
                                lib.layers.Dense(1)])
        model.set_weights([np.full(w.shape, 0.1 * (i + 1), "float32")
                           for i, w in enumerate(model.get_weights())])
        model.compile(getattr(lib.optimizers, name)(rate, **options), "mse")
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
        return model.get_weights(), int(model.optimizer.iterations), history["loss"]

    (ours, ours_updates, ours_loss), (theirs, their_updates, their_loss) = run(sloi), run(keras)
    assert ours_updates == their_updates == 24 // kwargs["gradient_accumulation_steps"]
    np.testing.assert_allclose(ours_loss, their_loss, rtol=1e-5, atol=1e-6)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=2e-6)


def test_gradient_accumulation_resumes_from_its_state_dict():
    def fresh():
        weight = torch.nn.Parameter(torch.ones(3))
        return weight, optimizers.Adam(0.1, gradient_accumulation_steps=3)

    def steps(weight, optimizer, count):
        for i in range(count):
            weight.grad = torch.tensor([1.0, -2.0, 0.5]) * (i + 1)
            optimizer.apply([weight.grad], [weight])

    weight, optimizer = fresh()
    steps(weight, optimizer, 5)  # one update, two steps accumulated
    state = copy.deepcopy(optimizer.state_dict())
    twin_weight, twin = fresh()
    with torch.no_grad():
        twin_weight.copy_(weight)
    twin.build([twin_weight])
    twin.load_state_dict(state)
    steps(weight, optimizer, 1)  # the sixth step updates, with the accumulated sums
    steps(twin_weight, twin, 1)
    assert int(twin.iterations) == int(optimizer.iterations) == 2
    torch.testing.assert_close(twin_weight, weight)
