"""The layers, at the paths Keras users type: ``sloi.layers.Dense``, ``sloi.layers.Conv2D``, ...

Each family lives in its own folder, one layer a file; this module only re-exports them.
"""

from sloi.engine import Input, InputLayer, InputSpec, Layer
from sloi.layers.activations import *  # noqa: F401,F403
from sloi.layers.attention import *  # noqa: F401,F403
from sloi.layers.convolutional import *  # noqa: F401,F403
from sloi.layers.core import *  # noqa: F401,F403
from sloi.layers.merging import *  # noqa: F401,F403
from sloi.layers.normalization import *  # noqa: F401,F403
from sloi.layers.pooling import *  # noqa: F401,F403
from sloi.layers.preprocessing import *  # noqa: F401,F403
from sloi.layers.recurrent import *  # noqa: F401,F403
from sloi.layers.regularization import *  # noqa: F401,F403
from sloi.layers.reshaping import *  # noqa: F401,F403


# Keras's ``keras.layers.serialize`` / ``deserialize``. They live in sloi.saving (floor 5),
# which builds on the layers: this face reaches it at call time, never at import.
def serialize(layer) -> dict:
    """``layer`` as a Keras 3 config dict (``{"module", "class_name", "config", ...}``)."""
    from sloi.saving import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A layer from ``serialize``'s dict (or a Keras-written one); classes are found by name,
    never imported or run from the config."""
    from sloi.saving import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects)
