import math

import numpy as np
import pytest
import torch

import sloi
from sloi.saving import FileFormatError
from sloi.saving import optimizer_state as opt_state


def test_round_trip_keeps_types():
    state = {"iterations": 3, "learning_rate": 0.5, "inf": math.inf, "none": None,
             "torch_optimizer": {"state": {0: {"step": torch.tensor(3.0),
                                               "exp_avg": torch.ones(2, 2)}},
                                 "param_groups": [{"betas": (0.9, 0.999), "params": [0]}]},
             "__odd": True}
    tensors, text = opt_state.to_bytes(state)
    back = opt_state.from_bytes(tensors, text, "x")
    assert back["torch_optimizer"]["state"][0]["exp_avg"].shape == (2, 2)
    assert back["torch_optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["inf"] == math.inf and back["none"] is None and back["__odd"] is True
    assert list(back["torch_optimizer"]["state"]) == [0]


def test_no_pickle_only_plain_values():
    with pytest.raises(TypeError, match="Cannot store optimizer state value of type object at a"):
        opt_state.flatten({"a": object()})


def test_references_to_missing_tensors_are_refused():
    tensors, _ = opt_state.to_bytes({"a": torch.ones(1)})
    with pytest.raises(FileFormatError, match='refers to tensor "b", which is not stored'):
        opt_state.from_bytes(tensors, b'{"a": {"__tensor__": "b"}}', "x")
    with pytest.raises(FileFormatError, match="do not match their index"):
        opt_state.from_bytes(tensors, b'{"a": 1}', "x")
    with pytest.raises(FileFormatError, match="optimizer.json is not valid JSON"):
        opt_state.from_bytes(tensors, b"{", "x")


def _trained_adam(units):
    x = sloi.Input((3,))
    model = sloi.Model(x, sloi.layers.Dense(units)(x))
    model.compile(sloi.optimizers.Adam(), "mse")
    model.fit(np.ones((4, 3)), np.ones((4, units)), verbose=0)
    return model


def test_state_is_checked_against_the_weights():
    a, b = _trained_adam(2), _trained_adam(5)
    state = a.optimizer.state_dict()
    opt_state.check_against(sloi.optimizers.Adam, state, list(a.trainable_weights), "x")
    with pytest.raises(FileFormatError, match=r'optimizer state "exp_avg" of weight 0 has '
                                              r"shape \(3, 2\); the weight has \(3, 5\)"):
        opt_state.check_against(sloi.optimizers.Adam, state, list(b.trainable_weights), "x")


# ---------------------------------------------------------------------------- saved files
def _saved(tmp_path, edit=None, member="optimizer.json", raw=None):
    """A trained model saved as .sloi, with ``member`` edited (a JSON edit or raw bytes)."""
    import io
    import json
    import zipfile

    model = _trained_adam(2)
    path = tmp_path / "m.sloi"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    if raw is not None:
        members[member] = raw
    elif edit is not None:
        value = json.loads(members[member])
        edit(value)
        members[member] = json.dumps(value).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    path.write_bytes(buffer.getvalue())
    return path


def _group(key, value):
    def edit(state):
        state["torch_optimizer"]["param_groups"][0][key] = value
    return edit


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.__setitem__("learning_rate", -1.0),
     r'optimizer.json: "learning_rate" is -1.0; expected a finite number >= 0'),
    (lambda s: s.__setitem__("learning_rate", "fast"),
     r'optimizer.json: "learning_rate" is \'fast\'; expected a number'),
    (lambda s: s.__setitem__("iterations", -5),
     r'optimizer.json: "iterations" is -5; expected a finite number >= 0'),
    (lambda s: s.__setitem__("iterations", 2.5),
     r'optimizer.json: "iterations" is 2.5; expected an integer'),
    (_group("betas", "abc"),
     r'optimizer.json: "torch_optimizer/param_groups/0/betas" is \'abc\'; expected a tuple'),
    (_group("betas", {"__tuple__": [0.9, 2.0]}),
     r"optimizer.json holds hyperparameters that Adam refuses \(Invalid beta parameter at "
     r"index 1: 2.0\)"),
    (_group("eps", {"__float__": "nan"}),
     r'optimizer.json: "torch_optimizer/param_groups/0/eps" is nan; expected a finite number'),
    (_group("amsgrad", "yes"),
     r'optimizer.json: "torch_optimizer/param_groups/0/amsgrad" is \'yes\'; expected true or '
     "false"),
    (lambda s: s.pop("learning_rate"), r'optimizer.json lacks "the top level/learning_rate"'),
    (lambda s: s.__setitem__("iterations", {"__float__": "__import__('os')"}),
     r'optimizer.json holds \{\'__float__\': "__import__\(\'os\'\)"\}; expected a '
     r'\{"__float__": "inf" \| "-inf" \| "nan"\}'),
    (lambda s: s["torch_optimizer"]["state"].__setitem__("__items__", [[[1], 2]]),
     r"optimizer.json holds \[\[1\], 2\]; expected an entry \[key, value\] with a string or "
     "integer key"),
    (_group("params", 2.5),  # before: TypeError (len of a float)
     r"optimizer.json: parameter group 0 is .*; expected \{\"params\": \[integers\], "),
    (lambda s: s.__setitem__("iterations", {"__tensor__": ["x"]}),
     r"the optimizer state refers to tensor \['x'\], which is not stored"),
])
def test_bad_values_in_a_saved_optimizer_state_are_refused_at_load(tmp_path, edit, message):
    path = _saved(tmp_path, edit)
    with pytest.raises(FileFormatError, match=message):
        sloi.models.load_model(path)


def test_a_deep_optimizer_json_is_a_file_error(tmp_path):
    path = _saved(tmp_path, raw=b"[" * 500 + b"]" * 500)  # before: RecursionError
    with pytest.raises(FileFormatError, match="optimizer.json is nested too deeply; expected "
                                              "JSON at most 100 levels deep"):
        sloi.models.load_model(path)


def test_an_unchanged_state_still_loads_and_trains_on(tmp_path):
    path = _saved(tmp_path, lambda s: None)
    model = sloi.models.load_model(path)
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert model.optimizer.iterations == 2
