import pytest
import torch


@pytest.fixture
def one_thread():
    """Train the small learnability models on one thread: tiny recurrent models gain nothing
    from more, and on a busy 2-core machine threads waiting for each other cost seconds."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
