"""The custom-object registry at the path Keras users type (``keras.saving.register_keras_
serializable``). It lives in the engine, beside the config decoder that reads it."""

from sloi.engine.object_registration import (
    CustomObjectScope,
    all_custom_objects,
    custom_object_scope,
    find_registered,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    is_registered,
    open_scopes,
    register_keras_serializable,
)

__all__ = ["CustomObjectScope", "all_custom_objects", "custom_object_scope", "find_registered",
           "get_custom_objects", "get_registered_name", "get_registered_object", "is_registered",
           "open_scopes", "register_keras_serializable"]
