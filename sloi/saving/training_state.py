"""The state of a training run, for ``BackupAndRestore``: weights, optimizer state and where
the run stands, in one archive written atomically (so weights and epoch always agree).
"""

from __future__ import annotations

import json

from sloi.saving import archive, optimizer_state, weights_file
from sloi.saving.errors import FileFormatError

FORMAT = "sloi.training_state"
_MEMBERS = ("state.json", "model.safetensors", "optimizer.safetensors", "optimizer.json")


def save_training_state(model, path, progress: dict) -> None:
    """Write the model's weights, its optimizer's state and ``progress`` (e.g.
    ``{"epoch": 3}``) to ``path``."""
    members = {
        "state.json": json.dumps({"format": FORMAT, "progress": progress}).encode(),
        "model.safetensors": weights_file.weights_to_bytes(model),
    }
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        tensors, text = optimizer_state.to_bytes(optimizer.state_dict())
        members["optimizer.safetensors"], members["optimizer.json"] = tensors, text
    archive.write_zip(path, members)


def load_training_state(model, path) -> dict:
    """Restore what ``save_training_state`` wrote into ``model`` and its optimizer, and
    return the saved ``progress``. Everything is checked before anything is changed."""
    with open(path, "rb") as f:
        data = f.read()
    members = archive.read_zip(data, str(path), _MEMBERS, ("state.json", "model.safetensors"),
                               "a sloi training backup")
    try:
        state = json.loads(members["state.json"].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise FileFormatError(f'"{path}": state.json is not valid JSON ({e})') from e
    if not isinstance(state, dict) or state.get("format") != FORMAT or not isinstance(
            state.get("progress"), dict):
        raise FileFormatError(f'"{path}" is not a sloi training backup')
    source = f"{path}:model.safetensors"
    tensors, index = weights_file.read_weights(members["model.safetensors"], source)
    assignments = weights_file.plan(model, tensors, index, source)
    optimizer = getattr(model, "optimizer", None)
    opt_state = None
    if optimizer is not None and "optimizer.json" in members:
        opt_state = optimizer_state.from_bytes(members["optimizer.safetensors"],
                                               members["optimizer.json"], f"{path}:optimizer")
        optimizer_state.check_against(
            lambda: type(optimizer).from_config(optimizer.get_config()), opt_state,
            list(model.trainable_weights), f"{path}:optimizer")
    weights_file.apply(assignments)
    if opt_state is not None:
        optimizer.load_state_dict(opt_state)
    return state["progress"]
