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
    return the saved ``progress``. Everything is checked before anything is changed; any
    fault of the file raises ``FileFormatError``.

    A backup of a model with an optimizer must hold the optimizer's state: ``fit`` always
    writes it, so a backup without it is damaged, and resuming from it would restart the
    optimizer (Adam's moments, the step count) silently.
    """
    with open(path, "rb") as f:
        data = f.read()
    members = archive.read_zip(data, str(path), _MEMBERS, ("state.json", "model.safetensors"),
                               "a sloi training backup")
    state = archive.parse_json(members["state.json"], str(path), "state.json")
    progress = state.get("progress") if isinstance(state, dict) else None
    if not isinstance(state, dict) or state.get("format") != FORMAT or not isinstance(
            progress, dict):
        raise FileFormatError(f'"{path}" is not a sloi training backup: state.json should be '
                              f'{{"format": "{FORMAT}", "progress": {{...}}}}')
    epoch = progress.get("epoch")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise FileFormatError(f'"{path}": state.json: progress "epoch" is {epoch!r}; expected '
                              "an integer >= 0")
    source = f"{path}:model.safetensors"
    tensors, index = weights_file.read_weights(members["model.safetensors"], source)
    assignments = weights_file.plan(model, tensors, index, source)
    optimizer = getattr(model, "optimizer", None)
    opt_state = None
    has_json, has_tensors = "optimizer.json" in members, "optimizer.safetensors" in members
    if has_json != has_tensors or (optimizer is not None and not has_json):
        found = [name for name in ("optimizer.json", "optimizer.safetensors") if name in members]
        raise FileFormatError(
            f'"{path}": a backup of a model with an optimizer holds optimizer.json and '
            f"optimizer.safetensors; this one holds {found or 'neither'} (it is damaged: "
            "resuming from it would restart the optimizer)"
        )
    if optimizer is not None:
        opt_state = optimizer_state.from_bytes(members["optimizer.safetensors"],
                                               members["optimizer.json"], f"{path}:optimizer")
        optimizer_state.check_against(
            lambda: type(optimizer).from_config(optimizer.get_config()), opt_state,
            list(model.trainable_weights), f"{path}:optimizer")
    weights_file.apply(assignments)
    if opt_state is not None:
        optimizer.load_state_dict(opt_state)
    return progress
