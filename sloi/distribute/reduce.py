"""Global results: every process's running loss and metric states summed over the processes
at read time, so that each rank reports the numbers of the whole data.

Summing is right for Keras's metrics, whose states are totals and counts (``Mean``'s total and
count, the accuracies, the confusion counts of ``Precision`` / ``Recall`` / ``AUC``). The local
states are put back after reading, so the sums never add up twice.

Reading is a collective operation: every process must read at the same points. The trainer
reads global results at the end of an epoch and of ``evaluate``; the logs that batch
callbacks see in between are the process's own.
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def _all_sum(t: torch.Tensor) -> torch.Tensor:
    t = t.clone()
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def running_mean_result(tracker) -> torch.Tensor:
    """The mean of a ``RunningMean`` over every process's batches."""
    total, count = tracker.totals()
    total = total if total is not None else torch.tensor(0.0)
    device = total.device
    pair = torch.stack([total.float(), torch.tensor(float(count), device=device)])
    pair = _all_sum(pair)
    return pair[0] / pair[1] if pair[1] > 0 else torch.tensor(0.0, device=device)


@torch.no_grad()
def metric_result(metric) -> torch.Tensor:
    """``metric.result()`` computed from the states summed over every process."""
    local = [v.clone() for v in metric.variables]
    for v in metric.variables:
        dist.all_reduce(v, op=dist.ReduceOp.SUM)
    try:
        return metric.result().clone()
    finally:
        for v, saved in zip(metric.variables, local):
            v.copy_(saved)


def global_results(trainer) -> dict:
    """The trainer's running loss and metric results, over every process."""
    results = {"loss": running_mean_result(trainer.loss_tracker)}
    for tracker in trainer.output_loss_trackers:
        results[tracker.name] = running_mean_result(tracker)
    for name, metric, _, _ in trainer.metrics.entries:
        results[name] = metric_result(metric)
    return results
