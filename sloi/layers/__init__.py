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
