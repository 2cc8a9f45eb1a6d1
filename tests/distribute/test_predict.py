"""predict's shares of the samples (the parts that need no process group; the gathering is
tested with 2 processes in test_ddp_features.py)."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from sloi.distribute import predict as distributed_predict
from sloi.training.py_dataset import PyDataset


def xs_of(share):
    return torch.cat([x if isinstance(x, torch.Tensor) else x[0] for x, _, _ in share])


def test_the_shares_are_contiguous_and_make_up_the_input_in_order():
    x = np.arange(23, dtype="float32")[:, None]
    shares = [distributed_predict.share(x, 8, None, None, rank, 3) for rank in range(3)]
    assert all(s.sharded for s in shares)
    got = [xs_of(s)[:, 0].tolist() for s in shares]
    assert [len(g) for g in got] == [8, 8, 7]
    assert sum(got, []) == list(range(23))
    # each process predicts ceil(8 / 3) = 3 samples at a time
    assert [len(b[0]) for b in shares[0]] == [3, 3, 2]


def test_steps_limit_the_global_batches_before_sharing():
    x = {"a": np.arange(40, dtype="float32"), "b": np.zeros((40, 2), "float32")}
    shares = [distributed_predict.share(x, 10, None, 2, rank, 2) for rank in range(2)]
    got = [torch.cat([b[0]["a"] for b in s]).tolist() for s in shares]
    assert got == [list(range(10)), list(range(10, 20))]


def test_datasets_and_in_order_loaders_are_shared():
    dataset = TensorDataset(torch.arange(7.0)[:, None])
    for source in (dataset, DataLoader(dataset, batch_size=4)):
        shares = [distributed_predict.share(source, 4, None, None, rank, 2) for rank in range(2)]
        assert [xs_of(s)[:, 0].tolist() for s in shares] == [[0, 1, 2, 3], [4, 5, 6]]


def test_fewer_samples_than_processes_are_predicted_whole_everywhere():
    share = distributed_predict.share(np.zeros((1, 2), "float32"), 8, None, None, 1, 2)
    assert not share.sharded and len(xs_of(share)) == 1


def test_what_cannot_be_shared_in_order_is_refused():
    dataset = TensorDataset(torch.zeros(8, 1))
    with pytest.raises(ValueError, match="needs a batch_size and the default sequential"):
        distributed_predict.share(DataLoader(dataset, batch_size=2, shuffle=True), None, None,
                                  None, 0, 2)
    with pytest.raises(ValueError, match="drop_last=True is not supported"):
        distributed_predict.share(DataLoader(dataset, batch_size=3, drop_last=True), None,
                                  None, None, 0, 2)
    with pytest.raises(ValueError, match=r"generators and iterators \(generator\) cannot be "
                                         "predicted on under distribution"):
        distributed_predict.share((np.zeros((2, 1)) for _ in range(2)), None, None, None, 0, 2)

    class Batches(PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return np.zeros((2, 1))

    with pytest.raises(ValueError, match="PyDataset is not supported under distribution"):
        distributed_predict.share(Batches(), None, None, None, 0, 2)
