"""The Layer base: names, weights, freezing, set/get_weights, config, masks, eager use."""

import numpy as np
import pytest
import torch
from torch import nn

import sloi
from sloi.engine import naming
from sloi.layers import Dense, Input, Layer


class Scale(Layer):
    """A Keras 3 style user layer: shape-first add_weight, no compute_output_shape."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones",
                                 name="w")
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                     name="count")

    def call(self, inputs):
        return inputs @ self.w

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_auto_names_are_unique_and_reset_by_clear_session():
    assert [Dense(1).name, Dense(1).name, Dense(1).name] == ["dense", "dense_1", "dense_2"]
    assert Scale().name == "scale"
    sloi.clear_session()
    assert Dense(1).name == "dense"


def test_snake_case_names_follow_keras():
    assert naming.to_snake_case("GlobalMaxPooling2D") == "global_max_pooling2d"
    assert naming.to_snake_case("Conv2D") == "conv2d"
    assert naming.to_snake_case("LSTM") == "lstm"


def test_layers_are_modules_with_parameters_and_buffers():
    layer = Scale(4)
    layer(torch.ones(2, 5))
    assert isinstance(layer, nn.Module)
    assert isinstance(layer.w, nn.Parameter) and layer.w.shape == (5, 4)
    assert dict(layer.named_buffers()).keys() == {"count"}
    assert [tuple(w.shape) for w in layer.weights] == [(5, 4), ()]
    assert layer.trainable_weights[0] is layer.w
    assert layer.non_trainable_weights[0] is layer.count
    assert layer.count_params() == 21
    assert set(layer.state_dict()) == {"w", "count"}


def test_add_weight_name_first_order_and_default_initializer():
    class Old(Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight("kernel", (input_shape[-1], 2))
            self.bias = self.add_weight("bias", (2,), "zeros")

    layer = Old()
    layer(torch.ones(1, 300))
    assert layer.kernel.shape == (300, 2) and not layer.bias.any()
    assert layer.kernel.abs().max() <= np.sqrt(6 / 302)  # glorot_uniform by default


def test_freezing_a_layer_and_a_model():
    x = Input(shape=(3,))
    d1, d2 = Dense(4), Dense(1)
    model = sloi.Model(x, d2(d1(x)))
    d1.trainable = False
    assert [w.shape for w in model.trainable_weights] == [(4, 1), (1,)]
    assert len(model.non_trainable_weights) == 2
    assert not d1.kernel.requires_grad and d2.kernel.requires_grad
    assert len(model.weights) == 4  # order does not change with freezing
    model.trainable = False
    assert model.trainable_weights == [] and not d2.trainable
    model.trainable = True
    assert len(model.trainable_weights) == 4


def test_set_weights_checks_count_and_shapes_before_changing_anything():
    layer = Dense(2)
    layer(torch.ones(1, 3))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r'"dense" \(Dense\) expects 2 weight array\(s\) '
                                         r"\[dense/kernel \(3, 2\), dense/bias \(2,\)\]; got 1"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r'weight "dense/bias" has shape \(2,\); got an array of '
                                         r"shape \(3,\)"):
        layer.set_weights([np.ones((3, 2)), np.zeros(3)])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)  # the failed calls changed nothing
    layer.set_weights([np.ones((3, 2)), np.full(2, 0.5)])
    np.testing.assert_allclose(layer(torch.ones(1, 3)).detach().numpy(), [[3.5, 3.5]])


def test_count_params_of_unbuilt_layer_is_an_error():
    with pytest.raises(ValueError, match=r'"dense" \(Dense\) is not built yet'):
        Dense(3).count_params()


def test_layers_start_in_inference_mode_and_follow_train_eval():
    model = sloi.Sequential([Dense(2, input_shape=(3,))])
    assert not model.training and not model.layers[0].training
    model.train()
    assert model.layers[0].training
    model.eval()
    assert not model.layers[0].training


def test_first_layer_shape_keywords():
    assert sloi.Sequential([Dense(2, input_shape=(3,))]).input_shape == (None, 3)
    assert sloi.Sequential([Dense(2, input_dim=5)]).input_shape == (None, 5)
    assert sloi.Sequential([Dense(2, input_shape=(3,), batch_size=8)]).input_shape == (8, 3)
    assert sloi.Sequential([Dense(2, batch_input_shape=(4, 7))]).input_shape == (4, 7)


def test_unknown_keyword_is_refused():
    with pytest.raises(TypeError, match=r"Dense.__init__\(\) got unexpected keyword argument\(s\) "
                                        r"\['unit'\]"):
        Dense(3, unit=4)


def test_config_round_trip_of_a_user_layer():
    layer = Scale(7, name="my_scale", trainable=False)
    config = layer.get_config()
    assert config == {"name": "my_scale", "trainable": False, "dtype": "float32", "units": 7}
    clone = Scale.from_config(config)
    assert clone.get_config() == config


def test_user_layer_shapes_come_from_a_meta_device_run():
    x = Input(shape=(None, 5))
    y = Scale(3)(x)
    assert y.shape == (None, None, 3)
    assert y.dtype == torch.float32


def test_weights_initial_values_keyword():
    kernel, bias = np.full((3, 2), 2.0, "float32"), np.array([1.0, -1.0], "float32")
    layer = Dense(2, weights=[kernel, bias])
    out = layer(np.ones((1, 3), "float32"))
    np.testing.assert_allclose(out.detach().numpy(), [[7.0, 5.0]])


def test_regularization_losses_are_collected_from_current_weights():
    x = Input(shape=(4,))
    d = Dense(3, kernel_regularizer="l2", bias_regularizer=sloi.regularizers.L1(0.5),
              bias_initializer="ones")
    model = sloi.Model(x, Dense(1)(d(x)))
    losses = model.losses
    assert len(losses) == 2
    kernel = d.kernel.detach()
    np.testing.assert_allclose(losses[0].item(), 0.01 * float((kernel ** 2).sum()), rtol=1e-6)
    np.testing.assert_allclose(losses[1].item(), 0.5 * 3)


def test_activity_regularizer_loss_is_recorded_per_call():
    x = Input(shape=(2,))
    d = Dense(2, kernel_initializer="ones", activity_regularizer="l1")
    model = sloi.Model(x, d(x))
    model(np.array([[1.0, 2.0], [3.0, 4.0]], "float32"))
    # outputs [[3, 3], [7, 7]]: l1 = 0.01 * 20, divided by the batch size 2
    assert len(model.losses) == 1
    np.testing.assert_allclose(model.losses[0].item(), 0.1, rtol=1e-6)
    model(np.array([[1.0, 2.0]], "float32"))
    assert len(model.losses) == 1  # the next call replaces the previous loss


def _adds_ones(lib):
    """A user layer that adds the count of its inputs as a loss, in ``lib``."""

    class AddsOnes(lib.layers.Layer):
        def call(self, x):
            self.add_loss(lib.ops.sum(x * 0 + 1.0))
            return x

    return AddsOnes


def _loss_values(lib):
    """What ``losses`` holds after each step of a session of calls, in ``lib``."""
    adds_ones = _adds_ones(lib)

    class Twice(lib.Model):
        def __init__(self):
            super().__init__()
            self.shared = adds_ones()
            self.other = adds_ones()

        def call(self, x):
            return self.other(self.shared(self.shared(x)))

    def values(layer):
        return [float(loss) for loss in layer.losses]

    seen = {}
    bare = adds_ones()
    bare(np.ones((1, 2), "float32"))
    bare(np.ones((3, 2), "float32"))
    seen["bare, called twice"] = values(bare)
    bare(lib.Input((2,)))
    seen["bare, then symbolic"] = values(bare)
    model = Twice()
    model(np.ones((2, 1), "float32"))
    model(np.ones((3, 1), "float32"))
    seen["model, called twice"] = values(model)
    model.shared(np.ones((4, 1), "float32"))
    seen["model, its layer alone"] = values(model)
    return seen


def test_add_loss_keeps_the_losses_of_the_latest_outermost_call_as_keras():
    import keras

    # an outermost call clears its whole tree first; a shared layer keeps each of its calls'
    ours, theirs = _loss_values(sloi), _loss_values(keras)
    assert ours == theirs
    assert ours["model, called twice"] == [3.0, 3.0, 3.0]


def test_add_loss_takes_tensors_only():
    import keras

    for lib in (sloi, keras):
        class AddsAFloat(lib.layers.Layer):
            def call(self, x):
                self.add_loss(1.0)
                return x

        with pytest.raises(ValueError, match="add_loss"):
            AddsAFloat()(np.ones((1, 2), "float32"))


class MaskZeros(Layer):
    """Produces a mask: steps whose features are all zero are masked."""

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, previous_mask=None):
        return (inputs != 0).any(dim=-1)

    def compute_output_shape(self, input_shape):
        return input_shape


class MaskedMean(Layer):
    """Consumes a mask: mean over unmasked steps."""

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs.mean(dim=1)
        m = mask.unsqueeze(-1).to(inputs.dtype)
        return (inputs * m).sum(dim=1) / m.sum(dim=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


def test_masks_travel_beside_tensors_in_models_and_eagerly():
    data = np.array([[[1.0, 1.0], [3.0, 5.0], [0.0, 0.0]]], "float32")
    x = Input(shape=(3, 2))
    masked = MaskZeros()(x)
    assert masked._keras_mask is not None and masked._keras_mask.shape == (None, 3)
    dense = Dense(2, kernel_initializer="identity")
    y = MaskedMean()(dense(masked))  # Dense passes the mask through, as in Keras
    model = sloi.Model(x, y)
    np.testing.assert_allclose(model(data).detach().numpy(), [[2.0, 3.0]])
    eager = MaskedMean()(dense(MaskZeros()(torch.from_numpy(data))))
    np.testing.assert_allclose(eager.detach().numpy(), [[2.0, 3.0]])


def test_non_tensor_inputs_are_refused_with_a_hint():
    first = Dense(8)
    with pytest.raises(TypeError, match=r'Layer "dense_1" \(Dense\) expects a tensor.*got the '
                                        r'Dense layer object "dense"; pass its output instead'):
        Dense(4)(first)
    with pytest.raises(TypeError, match=r'Layer "dense_2" \(Dense\) expects a tensor.*got int 1'):
        Dense(4)([1, 2, 3])


def test_eager_call_converts_numpy_and_casts_float64():
    layer = Dense(2)
    out = layer(np.ones((3, 4)))  # float64 numpy, as Keras autocasts to float32
    assert out.dtype == torch.float32 and out.shape == (3, 2)


def test_layer_weights_follow_the_input_device_on_first_eager_call():
    layer = Dense(2)
    layer(torch.ones(1, 3, device="cpu"))
    assert layer.kernel.device.type == "cpu"


def test_calling_build_by_hand_marks_the_layer_built():
    layer = Dense(3)
    layer.build((None, 4))
    assert layer.built and layer.count_params() == 15
    kernel = layer.kernel
    layer(torch.ones(2, 4))
    assert layer.kernel is kernel and [n for n, _ in layer.named_parameters()] == ["kernel", "bias"]


def test_training_and_mask_reach_only_calls_that_take_them():
    layer = Dense(2)
    x = torch.ones(1, 3)
    torch.testing.assert_close(layer(x, training=True), layer(x))
    model = sloi.Model(inp := Input(shape=(3,)), Dense(2)(inp, training=True))
    assert model(x).shape == (1, 2)


def test_input_spec_dtype_squeeze_and_optional_are_honoured():
    import pytest
    import torch

    import sloi
    from sloi.engine import InputSpec

    class Ids(sloi.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = InputSpec(dtype="int64", ndim=2)

        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match=r'"ids" \(Ids\) expects inputs of dtype int64; got '
                                         r"float32"):
        Ids(name="ids")(sloi.Input((3,)))
    assert Ids()(sloi.Input((3,), dtype="int64")).shape == (None, 3)

    class Column(sloi.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = InputSpec(shape=(None, 4, 1), allow_last_axis_squeeze=True)

        def call(self, inputs):
            return inputs

    assert Column()(torch.ones(2, 4)).shape == (2, 4)
    assert Column()(torch.ones(2, 4, 1)).shape == (2, 4, 1)
    with pytest.raises(ValueError, match="rank 2"):
        Column()(torch.ones(2, 4, 3))
    from sloi.engine.input_spec import check_input

    check_input(Column(), InputSpec(ndim=2, optional=True), None, "None")
    with pytest.raises(ValueError, match="needs inputs; got None"):
        check_input(Column(name="c"), InputSpec(ndim=2), None, "None")


def test_build_config_round_trip_as_keras():
    import keras

    ours, theirs = Dense(3), keras.layers.Dense(3)
    assert ours.get_build_config() is None  # unbuilt, as Keras's says nothing to build
    ours.build((None, 4))
    theirs.build((None, 4))
    assert ours.get_build_config() == {"input_shape": (None, 4)}
    assert tuple(theirs.get_build_config()["input_shape"]) == (None, 4)
    fresh = Dense(3)
    fresh.build_from_config(ours.get_build_config())
    assert fresh.built
    assert [tuple(w.shape) for w in fresh.weights] == [tuple(w.shape) for w in theirs.weights]
    untouched = Dense(3)
    untouched.build_from_config({})
    assert not untouched.built


def test_inbound_nodes_and_history_as_keras():
    import keras

    def calls(api):
        shared = api.layers.Dense(2)
        a, b = api.Input(shape=(4,)), api.Input(shape=(4,))
        shared(a)
        return shared, shared(b)

    ours, our_out = calls(sloi)
    theirs, their_out = calls(keras)
    assert len(ours.inbound_nodes) == len(theirs._inbound_nodes) == 2
    assert our_out.history.layer is ours
    assert (our_out.history.node_index, our_out.history.tensor_index) == (
        their_out._keras_history.node_index, their_out._keras_history.tensor_index) == (1, 0)
    assert our_out._keras_history is our_out.history  # Keras's name reads the same record
    assert ours.inbound_nodes[1].output_tensors == [our_out]


def test_weights_with_paths_and_own_weights():
    inner = Scale(name="scale")
    inner.build((None, 2))
    assert [n for n, _ in inner.own_weights_with_names()] == ["w", "count"]
    assert [p for p, _ in inner.weights_with_paths()] == ["scale/w", "scale/count"]
    assert [w for _, w in inner.weights_with_paths()] == inner.weights


def test_call_accepts_reads_the_call_signature():
    assert Dense(2).call_accepts("training") is False
    assert sloi.layers.Dropout(0.5).call_accepts("training") is True
    assert sloi.layers.LSTM(2).call_accepts("mask") is True
    assert Dense(2).call_accepts("mask") is False


# ---------------------------------------------------------------------- repeat_caller
def _dense_model():
    inputs = sloi.Input((3,))
    return sloi.Model(inputs, sloi.layers.Dense(2, activation="relu")(inputs))


def test_repeat_caller_calls_the_module_itself_and_gives_the_same_outputs():
    model = _dense_model()
    first, later = torch.randn(4, 3), torch.randn(2, 3)
    model(first)
    seen = []
    model.register_forward_hook(lambda module, args, out: seen.append(args[0].shape[0]))
    call = model.repeat_caller(first)
    assert call is not model
    assert torch.equal(call(later), model(later))
    assert seen == [2, 2]  # hooks run on the repeated call too


def test_repeat_caller_of_a_built_sequential_skips_the_checks_too():
    model = sloi.Sequential([sloi.Input((3,)), sloi.layers.Dense(2)])
    x = torch.randn(4, 3)
    model(x)
    assert model.repeat_caller(x) is not model


@pytest.mark.parametrize("case", ["cast", "input_spec", "own_call", "mask"])
def test_repeat_caller_keeps_the_full_call_where_a_call_still_needs_it(case):
    model, x = _dense_model(), torch.randn(4, 3)
    if case == "cast":  # float16 data: every call casts it to the model's float32
        x = x.half()
    elif case == "input_spec":  # a spec may fix the batch size, which the last batch breaks
        model.input_spec = sloi.layers.InputSpec(shape=(4, 3))
    elif case == "own_call":
        class Logged(type(model)):
            def __call__(self, *args, **kwargs):
                return super().__call__(*args, **kwargs)

        model.__class__ = Logged
    else:
        sloi.engine.keras_mask.set_keras_mask(x, torch.ones(4, dtype=torch.bool))
    model(x)
    assert model.repeat_caller(x) is model


def _weights_api_layers(lib):
    """The layers of the Keras Variable API tests, made with ``lib`` (keras or sloi), all user
    layers: one whose non-trainable weight its call updates, one with a trainable weight, one
    that builds another in its build, and a Sequential model of a user layer."""
    layers, ops = lib.layers, lib.ops

    class Counter(layers.Layer):
        def build(self, input_shape):
            self.t = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                     trainable=False, name="t")

        def call(self, x):
            self.t.assign_add(ops.sum(x, axis=0))
            return x

    class Shift(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(5, 2), initializer="ones", name="w")

        def call(self, x):
            return x + self.w[0]

    class Outer(layers.Layer):
        def build(self, input_shape):
            self.inner = Shift(name="inner")
            self.inner.build(input_shape)

        def call(self, x):
            return self.inner(x)

    counter = Counter(name="c")
    counter.build((None, 2))
    counter(ops.ones((3, 2)))
    shift = Shift(name="shift")
    shift.build((None, 2))
    outer = Outer(name="outer")
    outer.build((None, 2))
    seq = lib.Sequential([lib.Input((2,)), Shift(name="s")], name="seq")
    return counter, shift, outer, seq


def test_add_weight_gives_keras_variables_to_user_layers_as_keras_does():
    import keras

    ours, theirs = _weights_api_layers(sloi), _weights_api_layers(keras)
    for o, t in zip(ours, theirs):
        assert [(w.name, w.path, w.trainable) for w in o.weights] == [
            (w.name, w.path, w.trainable) for w in t.weights]
        assert all(isinstance(w, sloi.Variable) for w in o.weights)
    np.testing.assert_array_equal(ours[0].t.numpy(), theirs[0].t.numpy())  # [3, 3]
    shift, keras_shift = ours[1], theirs[1]
    for layer in (shift, keras_shift):
        layer.w.assign(np.arange(10, dtype="float32").reshape(5, 2))
        layer.w.assign_sub(np.ones((5, 2), "float32"))
        layer.trainable = False
    np.testing.assert_array_equal(shift.w.numpy(), keras_shift.w.numpy())
    assert shift.w.trainable is keras_shift.w.trainable is False
    with pytest.raises(ValueError, match="shape of the target variable"):
        ours[0].t.assign(0.0)


def test_keras_variable_weights_stay_torch_parameters_and_buffers():
    import copy
    import io
    import pickle

    counter, shift, _, _ = _weights_api_layers(sloi)
    kernel = shift.w
    assert type(kernel).__mro__[1:].count(nn.Parameter) == 1 and counter._buffers["t"] is counter.t
    assert type(kernel * 2) is torch.Tensor and type(counter.t + 1) is torch.Tensor
    kernel.assign(np.ones((5, 2), "float32"))
    assert shift.w is kernel and kernel.requires_grad  # assign writes in place
    values = kernel.numpy()
    values[0, 0] = 7.0  # a copy: the weight is unchanged
    assert kernel.detach()[0, 0].item() == 1.0
    # numpy() of a weight that requires grad, and value: the tensor itself, as Keras's
    assert kernel.value is kernel
    buffer = io.BytesIO()
    torch.save(counter.state_dict(keep_vars=True) | shift.state_dict(keep_vars=True), buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=True)  # plain tensors: runs no sloi code
    torch.testing.assert_close(loaded["w"], kernel.detach())
    scale = Scale(name="sc")  # a user layer of a module, which pickle can find
    scale.build((None, 2))
    scale.count.assign(3.0)
    for copied in (copy.deepcopy(scale), pickle.loads(pickle.dumps(scale)),
                   copy.deepcopy(scale).double()):
        count = copied.count
        assert isinstance(count, sloi.Variable) and count.path == "sc/count"
        assert count is copied._buffers["count"] and not count.trainable
        assert isinstance(copied.w, sloi.Variable) and copied.w.path == "sc/w"
        np.testing.assert_array_equal(count.numpy(), 3.0)
    optimizer = torch.optim.SGD(shift.parameters(), lr=1.0)
    shift(torch.zeros(3, 2)).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(kernel.numpy()[:2], [[-2, -2], [1, 1]])


def test_a_call_that_assigns_to_its_state_builds_symbolically():
    counter = _weights_api_layers(sloi)[0]
    x = sloi.Input((2,))
    model = sloi.Model(x, counter(x))
    model.predict(np.ones((4, 2), "float32"), verbose=0)
    np.testing.assert_array_equal(counter.t.numpy(), [7.0, 7.0])


def test_a_counter_weight_updated_by_assign_add_in_call_trains_as_in_keras():
    import keras

    rng = np.random.default_rng(1)
    x = rng.normal(size=(24, 2)).astype("float32")
    y = rng.normal(size=(24, 1)).astype("float32")
    kernel = rng.normal(size=(2, 1)).astype("float32")
    results = []
    for lib in (keras, sloi):
        counter = _weights_api_layers(lib)[0].__class__(name="counter")
        inputs = lib.Input((2,))
        model = lib.Model(inputs, lib.layers.Dense(1)(counter(inputs)))
        model.set_weights([np.zeros(2, "float32"), kernel, np.zeros(1, "float32")])
        model.compile("sgd", "mse")
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
        model.evaluate(x, y, batch_size=8, verbose=0)
        results.append((history, counter.t.numpy(), [w.path for w in counter.weights]))
    (theirs, their_t, their_paths), (ours, our_t, our_paths) = results
    np.testing.assert_allclose(our_t, their_t, rtol=1e-5)  # 3 passes over x: 2 fits, 1 eval
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=1e-5)
    assert our_paths == their_paths == ["counter/t"]


def _built_in_layers_model():
    layers = sloi.layers
    tokens = sloi.Input((6,), dtype="int32")
    x = layers.Embedding(20, 4, mask_zero=True)(tokens)
    x = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(x)
    x = layers.GRU(3, return_sequences=True)(x)
    x = layers.SimpleRNN(3, return_sequences=True)(x)
    x = layers.Conv1D(4, 2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.LayerNormalization()(x)
    x = layers.MultiHeadAttention(2, 2)(x, x)
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(1, activation="sigmoid")(layers.Dense(5)(x))
    return sloi.Model(tokens, outputs)


def _assert_plain_torch_weights(model):
    params, buffers = list(model.parameters()), list(model.buffers())
    assert params and buffers  # BatchNormalization's moving statistics are buffers
    assert {type(w) for w in params} == {nn.Parameter}
    assert {type(b) for b in buffers} == {torch.Tensor}


def test_built_in_layers_weights_are_exactly_torch_parameters_so_ops_dispatch_fast():
    import copy
    import pickle

    model = _built_in_layers_model()
    _assert_plain_torch_weights(model)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy", "auc"])
    x = np.random.default_rng(0).integers(0, 20, (8, 6))
    model.fit(x, np.ones((8, 1), "float32"), batch_size=4, epochs=1, verbose=0)
    for copied in (model, copy.deepcopy(model), pickle.loads(pickle.dumps(model)),
                   copy.deepcopy(model).double()):
        _assert_plain_torch_weights(copied)
    # the built-in metrics' state too: plain tensors, updated on every step
    states = [v for m in model.metrics if isinstance(m, sloi.metrics.Metric)
              for v in m.variables]
    assert states and {type(v) for v in states} == {torch.Tensor}


@pytest.mark.parametrize("dtype", [None, "float64", "bfloat16"])
def test_a_layer_names_its_dtypes_as_keras(dtype):
    import keras

    ours, theirs = Dense(2, dtype=dtype), keras.layers.Dense(2, dtype=dtype)
    for name in ("dtype", "compute_dtype", "variable_dtype"):
        assert getattr(ours, name) == getattr(theirs, name), name


def test_a_second_build_is_refused_as_keras_refuses_it():
    import keras

    with pytest.raises(ValueError, match="already built"):
        theirs = keras.layers.Dense(2)
        theirs.build((None, 3))
        theirs.build((None, 3))
    ours = Dense(2)
    ours.build((None, 3))
    with pytest.raises(ValueError, match=r'Layer "dense\w*" \(Dense\) is already built: it '
                                         r'cannot add the weight "kernel" \(3, 2\)'):
        ours.build((None, 3))
    assert len(ours.weights) == 2


def test_a_subclass_build_may_add_weights_after_its_parent_s():
    class Scaled(Dense):
        def build(self, input_shape):
            super().build(input_shape)  # the parent's build marks the layer built
            self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")

        def call(self, inputs):
            return super().call(inputs) * self.scale

    layer = Scaled(2)
    layer.build((None, 3))
    assert [w.name if hasattr(w, "name") else None for w in layer.weights][-1] == "scale"
    assert len(layer.weights) == 3
