"""One process of the 2-process DDP test (started by test_ddp.py with torchrun's variables).

Trains the shared small LSTM model on its share of the data, then writes what the test
compares: the final weights, the history and evaluate's results, and the messages of the
refusals. Usage: ``python ddp_worker.py OUT_DIR``.
"""

import datetime
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))

from ddp_common import SEED, build_model, data  # noqa: E402

import sloi  # noqa: E402


def main(out_dir: str) -> None:
    torch.set_num_threads(1)
    # The script starts the group itself: training before a DataParallel exists is refused,
    # and DataParallel() then joins the group
    torch.distributed.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
    x, y = data()
    refusals = {}
    try:
        build_model().fit(x, y, batch_size=16, verbose=0)
    except RuntimeError as e:
        refusals["no_strategy"] = str(e)
    strategy = sloi.distribute.DataParallel()
    rank = strategy.rank
    torch.manual_seed(SEED)
    model = build_model()
    checkpoint = sloi.callbacks.ModelCheckpoint(
        os.path.join(out_dir, f"written_by_rank{rank}", "ckpt.weights.safetensors"),
        save_weights_only=True)
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0,
                        validation_data=(x[:24], y[:24]), callbacks=[checkpoint])
    evaluated = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    try:
        model.fit(((x[i:i + 8], y[i:i + 8]) for i in range(0, 64, 8)), verbose=0)
    except ValueError as e:
        refusals["generator"] = str(e)
    try:
        stateful = sloi.Sequential([sloi.layers.Input(batch_shape=(8, 5, 3)),
                                    sloi.layers.LSTM(4, stateful=True)])
        stateful.compile(optimizer="sgd", loss="mse")
        stateful.fit(x[:16], np.zeros((16, 4), "float32"), batch_size=16, verbose=0)
    except ValueError as e:
        refusals["stateful"] = str(e)
    np.savez(os.path.join(out_dir, f"weights{rank}.npz"), *model.get_weights())
    report = {"history": history.history, "evaluate": evaluated, "refusals": refusals,
              "is_chief": strategy.is_chief, "world_size": strategy.world_size}
    with open(os.path.join(out_dir, f"report{rank}.json"), "w") as f:
        json.dump(report, f)
    torch.distributed.barrier()
    torch.distributed.destroy_process_group()
    sys.stdout.flush()
    # Skip interpreter teardown: gloo's background threads can abort a normal exit
    # ("terminate called without an active exception") after all the work is written.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
