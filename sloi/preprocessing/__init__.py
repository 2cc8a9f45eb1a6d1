"""``sloi.preprocessing``: Keras's ``keras.preprocessing``: the image, text and sequence tools
and the ``*_dataset_from_*`` functions.

``sloi.preprocessing.text.Tokenizer`` and ``sloi.preprocessing.sequence.pad_sequences`` are at
the paths Keras 2 code imports them from.
"""

from sloi.preprocessing import image, sequence, text
from sloi.utils.image_dataset import image_dataset_from_directory
from sloi.utils.text_dataset import text_dataset_from_directory
from sloi.utils.timeseries_dataset import timeseries_dataset_from_array

# The preprocessing layers (TextVectorization, ...) live in sloi.layers; their re-exports go
# below this line.

__all__ = [
    "image", "image_dataset_from_directory", "sequence", "text", "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
