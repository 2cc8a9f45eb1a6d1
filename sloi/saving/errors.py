"""The error a file that cannot be read raises."""


class FileFormatError(ValueError):
    """A file is not what it should be: not a sloi file, truncated, corrupted, or holding
    weights that do not fit the model. The message says what was expected and what was
    found; nothing in memory was changed."""
