"""Each process's share of the data (the parts that need no process group)."""

import numpy as np
import pytest
import torch

from sloi.distribute import data as distributed_data
from sloi.training import data_adapters


def test_the_shares_of_the_ranks_make_up_each_global_batch():
    x = np.arange(22, dtype="float32")[:, None]
    y = np.arange(22, dtype="float32")
    shares = [list(distributed_data.shard(x, y, None, 8, False, None, None, rank, 3))
              for rank in range(3)]
    assert [len(s) for s in shares] == [3, 3, 3]
    for b, want in enumerate([range(0, 8), range(8, 16), range(16, 22)]):
        got = torch.cat([shares[r][b][1] for r in range(3)])
        assert got.tolist() == list(want)
    # sizes of a global batch of 8 over 3 processes: 3, 3, 2 (tensor_split)
    assert [len(shares[r][0][0]) for r in range(3)] == [3, 3, 2]


def test_a_last_batch_smaller_than_the_process_count_is_skipped():
    x = np.zeros((9, 2), "float32")
    sharded = distributed_data.shard(x, None, None, 4, False, None, None, 0, 2)
    with pytest.warns(UserWarning, match="holds 1 samples, fewer than the 2 processes"):
        batches = list(sharded)
    assert len(batches) == 2


def test_a_dataset_batch_that_does_not_divide_is_refused():
    dataset = torch.utils.data.TensorDataset(torch.zeros(8, 2))
    with pytest.raises(ValueError, match="batch_size is the global batch.*got 9"):
        distributed_data.shard(dataset, None, None, 9, False, None, None, 0, 2)


def test_generators_are_refused():
    gen = (np.zeros((2, 2)) for _ in range(3))
    with pytest.raises(ValueError, match=r"generators and iterators \(generator\)"):
        distributed_data.shard(gen, None, None, 2, False, None, None, 0, 2)
    assert isinstance(data_adapters.adapt(np.zeros((2, 2))), data_adapters.ArrayAdapter)
