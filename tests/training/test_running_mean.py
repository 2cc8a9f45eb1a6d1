"""The running loss: a mean weighted by batch size, folded on the device only when read."""

import torch

from sloi.training.running_mean import RunningMean


def test_result_is_the_mean_weighted_by_batch_size():
    mean = RunningMean("loss")
    mean.add(torch.tensor(2.0), 3)
    mean.add(torch.tensor(5.0), 1)
    torch.testing.assert_close(mean.result(), torch.tensor((2.0 * 3 + 5.0) / 4))
    mean.add(torch.tensor(1.0), 4)  # added after a read: folded into the same sum
    torch.testing.assert_close(mean.result(), torch.tensor((6.0 + 5.0 + 4.0) / 8))


def test_totals_are_the_weighted_sum_and_the_count():
    mean = RunningMean("loss")
    assert mean.totals() == (None, 0)
    mean.add(torch.tensor(2.0), 3)
    mean.add(torch.tensor(0.5), 2)
    total, count = mean.totals()
    torch.testing.assert_close(total, torch.tensor(7.0))
    assert count == 5
    mean.reset_state()
    assert mean.totals() == (None, 0)
    torch.testing.assert_close(mean.result(), torch.tensor(0.0))
