"""Test setup shared by the whole suite.

Keras is the parity reference; it must see the torch backend before anything imports it.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
# On a machine with a GPU, Keras's references are computed on the host (its tensors would
# otherwise come back on CUDA), and TF32 is off so that GPU results meet the suite's 1e-5
# tolerances; neither changes anything on a machine without one.
os.environ.setdefault("KERAS_TORCH_DEVICE", "cpu")
os.environ.setdefault("KERAS_HOME", os.path.join(os.path.dirname(__file__), ".keras-home"))

import pytest  # noqa: E402
import torch  # noqa: E402

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


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
