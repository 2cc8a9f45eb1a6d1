"""One process of the 2-process test of synchronized batch norm, the stop agreement and
sharded predict (started by test_ddp_features.py with torchrun's variables).

Each case saves what the test compares with one process: weights (``*.npz``), predictions and
what the callbacks saw (``report{rank}.json``). Usage: ``python ddp_features_worker.py OUT``.
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))

import ddp_common as common  # noqa: E402

import sloi  # noqa: E402
from sloi.kernels import normalization as norm_ops  # noqa: E402


def save(out_dir, name, rank, arrays):
    np.savez(os.path.join(out_dir, f"{name}{rank}.npz"), *arrays)


def sync_batchnorm(out_dir, rank, report):
    x, y = common.bn_data()
    for sync in (True, False):
        sloi.distribute.DataParallel(sync_batchnorm=sync)  # the strategy created last rules
        torch.manual_seed(common.SEED)
        model = common.bn_model()
        model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        save(out_dir, f"bn_sync_{sync}_", rank, model.get_weights())
    # the layer's own synchronized=True, with the strategy's option off (created last above)
    torch.manual_seed(common.SEED)
    model = common.bn_model(synchronized=True)
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    save(out_dir, "bn_layer_synchronized_", rank, model.get_weights())
    # global_moments itself, with a mask: each process holds half of a batch
    rng = np.random.default_rng(11)
    full = torch.tensor(rng.standard_normal((6, 5, 4)) + 10.0, dtype=torch.float32)
    mask = torch.tensor(rng.random((6, 5)) > 0.3)
    half = slice(rank * 3, rank * 3 + 3)
    mean, var = norm_ops.global_moments(full[half], 2, mask[half], None, torch.zeros(4) + 9.0)
    report["masked_moments"] = [mean.tolist(), var.tolist()]


def stopping(out_dir, rank, report):
    x, y = common.data()
    torch.manual_seed(common.SEED)
    model = common.build_model()
    batch_cb = common.StopAtBatch(rank, stopping_rank=1, batch=3)
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[batch_cb])
    save(out_dir, "stop_batch_", rank, model.get_weights())
    epoch_cb = common.StopAtEpochEnd(rank, stopping_rank=1)
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[epoch_cb])
    report["stop"] = {"batches": batch_cb.batches, "epochs": epoch_cb.epochs}

    x, y = common.nan_data()
    torch.manual_seed(common.SEED)
    model = common.build_model()
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                        callbacks=[sloi.callbacks.TerminateOnNaN()])
    save(out_dir, "nan_", rank, model.get_weights())
    report["nan_epochs"] = len(history.history["loss"])
    model = common.build_model()  # fresh: the NaN step left Adam's slots NaN
    try:
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0,
                  callbacks=[sloi.callbacks.TerminateOnNaN(raise_error=True)])
    except RuntimeError as e:
        report["nan_raised"] = str(e)


def predict(out_dir, rank, report):
    x, _ = common.data()
    x = x[:37]  # shares of 19 and 18 samples
    torch.manual_seed(common.SEED)
    model = common.build_model()
    arrays = [model.predict(x, batch_size=8, verbose=0),
              model.predict(torch.utils.data.TensorDataset(torch.from_numpy(x)), batch_size=8,
                            verbose=0),
              model.predict(x[:1], verbose=0)]  # fewer samples than processes
    for as_dict in (False, True):
        torch.manual_seed(common.SEED)
        out = common.two_output_model(as_dict).predict(x, batch_size=6, verbose=0)
        arrays += [out["first"], out["second"]] if as_dict else list(out)
        report[f"predict_dict_{as_dict}"] = type(out).__name__
    save(out_dir, "predict_", rank, arrays)
    try:
        model.predict((x[i:i + 8] for i in range(0, 37, 8)), verbose=0)
    except ValueError as e:
        report["predict_generator"] = str(e)


def main(out_dir: str) -> None:
    torch.set_num_threads(1)
    strategy = sloi.distribute.DataParallel(timeout=60)
    rank = strategy.rank
    report = {"default_sync_batchnorm": strategy.sync_batchnorm}
    sync_batchnorm(out_dir, rank, report)
    stopping(out_dir, rank, report)
    predict(out_dir, rank, report)
    with open(os.path.join(out_dir, f"report{rank}.json"), "w") as f:
        json.dump(report, f)
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
    sys.stdout.flush()
    os._exit(0)  # see ddp_worker.py: gloo's threads can abort a normal interpreter exit


if __name__ == "__main__":
    main(sys.argv[1])
