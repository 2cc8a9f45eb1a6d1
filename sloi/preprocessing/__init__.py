"""``sloi.preprocessing``: Keras 2's text and sequence tools (``keras.preprocessing``).

``sloi.preprocessing.text.Tokenizer`` and ``sloi.preprocessing.sequence.pad_sequences`` are at
the paths Keras 2 code imports them from.
"""

from sloi.preprocessing import sequence, text

# The preprocessing layers (TextVectorization, ...) live in sloi.layers; their re-exports go
# below this line.

__all__ = ["sequence", "text"]
