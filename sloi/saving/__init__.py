"""Floor 4: configs, the native ``.sloi`` format, weights files and custom objects
(``keras.saving``). Importing it plugs ``save`` / ``load_weights`` / ``get_config`` into the
models.

Loading never runs code from a file: no pickle, no eval, no import by name. Lambda layers are
refused unless ``safe_mode=False``.
"""

import types as _types

from sloi.engine.model import register_saving as _register_saving
from sloi.saving import compile_config as _compile_config
from sloi.saving import export as _export  # noqa: F401 (plugs Model.export in)
from sloi.saving import functional_config as _functional_config
from sloi.saving.cloning import clone_model
from sloi.saving.deserialization import deserialize_keras_object
from sloi.saving.errors import FileFormatError
from sloi.saving.keras_import import load_keras_model, load_keras_weights  # + .keras/.h5 loaders
from sloi.saving.keras_writer import (  # + .keras/.h5/.weights.h5 savers
    save_keras_model,
    save_keras_weights,
    save_legacy_h5,
)
from sloi.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from sloi.saving.saving_api import (
    load_model,
    load_weights,
    model_from_json,
    register_model_loader,
    register_weights_loader,
    save_model,
    save_weights,
    to_json,
)
from sloi.saving.serialization import (
    SafeModeScope,
    enable_unsafe_deserialization,
    serialize_keras_object,
)

_register_saving(_types.SimpleNamespace(
    save_model=save_model,
    save_weights=save_weights,
    load_weights=load_weights,
    to_json=to_json,
    get_compile_config=_compile_config.get_compile_config,
    compile_from_config=_compile_config.compile_from_config,
    functional_get_config=_functional_config.functional_get_config,
    functional_from_config=_functional_config.functional_from_config,
    sequential_get_config=_functional_config.sequential_get_config,
    sequential_from_config=_functional_config.sequential_from_config,
))

__all__ = [
    "CustomObjectScope", "FileFormatError", "SafeModeScope", "clone_model",
    "custom_object_scope", "deserialize_keras_object", "enable_unsafe_deserialization",
    "get_custom_objects", "get_registered_name", "get_registered_object", "load_model",
    "load_weights", "model_from_json", "register_keras_serializable", "register_model_loader",
    "register_weights_loader", "save_model", "save_keras_model", "save_keras_weights",
    "save_legacy_h5", "save_weights", "serialize_keras_object",
    "load_keras_model", "load_keras_weights",
]
