"""Global results in a one-process group: the sums over processes equal the local values."""

import pytest
import torch
import torch.distributed as dist

from sloi.distribute.reduce import running_mean_result
from sloi.training.running_mean import RunningMean


@pytest.fixture
def one_process_group(tmp_path):
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0,
                            world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_running_mean_result_is_the_weighted_mean(one_process_group):
    tracker = RunningMean("loss")
    tracker.add(torch.tensor(1.0), 2)
    tracker.add(torch.tensor(4.0), 1)
    assert running_mean_result(tracker).item() == pytest.approx((1.0 * 2 + 4.0) / 3)
    assert tracker.result().item() == pytest.approx(2.0)  # the local state is left as it was


def test_running_mean_result_of_nothing_is_zero(one_process_group):
    assert running_mean_result(RunningMean("loss")).item() == 0.0
