"""Floor 5: configs, the native ``.sloi`` format, weights files, export and custom objects
(``keras.saving``). ``sloi.models.Model`` calls these directly.

Loading never runs code from a file: no pickle, no eval, no import by name. Lambda layers are
refused unless ``safe_mode=False``.
"""

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
)
from sloi.saving.serialization import (
    SafeModeScope,
    enable_unsafe_deserialization,
    serialize_keras_object,
)

__all__ = [
    "CustomObjectScope", "FileFormatError", "SafeModeScope", "clone_model",
    "custom_object_scope", "deserialize_keras_object", "enable_unsafe_deserialization",
    "get_custom_objects", "get_registered_name", "get_registered_object", "load_model",
    "load_weights", "model_from_json", "register_keras_serializable", "register_model_loader",
    "register_weights_loader", "save_model", "save_keras_model", "save_keras_weights",
    "save_legacy_h5", "save_weights", "serialize_keras_object",
    "load_keras_model", "load_keras_weights",
]
