"""Test setup shared by the whole suite.

Keras is the parity reference; it must see the torch backend before anything imports it.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("KERAS_HOME", os.path.join(os.path.dirname(__file__), ".keras-home"))

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh auto-names (dense, dense_1, ...) in sloi and in Keras."""
    from sloi.engine import naming

    naming.clear_session()
    try:
        import keras

        # free_memory=False skips a full gc.collect() (~0.4 s a test once torch and keras are
        # loaded); names are reset all the same.
        keras.backend.clear_session(free_memory=False)
    except ImportError:  # keras is a test-only extra; tests that need it import it themselves
        pass
    yield
