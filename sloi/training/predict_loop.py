"""``predict``: every batch through the model in inference mode, outputs gathered as numpy.

Under distribution each process predicts its share of the samples and every process gets all
the predictions back in order (``sloi.distribute``). Called by ``Trainer.predict``.
"""

from __future__ import annotations

import torch

from sloi import mixed_precision
from sloi.engine import tree
from sloi.engine.string_inputs import check_data as check_string_data
from sloi.training import callback_setup, data_adapters
from sloi.training._distribution import hooks
from sloi.training.modes import modes


def predict(trainer, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """Outputs for ``x`` as numpy arrays (a list or dict of them for several outputs).

    Args:
        trainer: the model's ``Trainer``.
        x, batch_size, verbose, steps, callbacks: as Keras's ``predict``.
    """
    model = trainer.model
    x = check_string_data(model, x)  # lists of str as arrays; strings where expected
    device = trainer._device()
    # under distribution, this process's share of the samples (gathered at the end)
    data = hooks().predict_data(trainer, x, batch_size, device, steps)
    verbose = 1 if verbose == "auto" else verbose
    callbacks = callback_setup.callback_list(
        trainer, callbacks, verbose,
        {"predict_steps": data_adapters.num_batches(data), "verbose": verbose})
    outputs = []
    callbacks.on_predict_begin()
    batch_end = callbacks.on_predict_batch_end if callbacks.has(
        "on_predict_batch_end") else None
    trainer._autocast_dtype = mixed_precision.autocast_dtype()
    trainer._device_type = device.type
    with modes(model, training=False), torch.no_grad(), trainer._autocast():
        for step, (xb, _, _) in enumerate(data):
            outputs.append(model(xb))
            if batch_end is not None:
                batch_end(step, {"outputs": outputs[-1]})
    callbacks.on_predict_end()
    if not outputs:
        raise ValueError("predict() got no data: the input yielded no batch")
    flat = [torch.cat(parts) for parts in zip(*map(tree.flatten, outputs))]
    flat = hooks().gather_predictions(data, flat)
    return tree.pack_like(outputs[0], [to_numpy(t) for t in flat])


def to_numpy(t: torch.Tensor):
    """A tensor as a numpy array on the host; numpy has no bfloat16, so bfloat16 outputs come
    back as float32."""
    return (t.float() if t.dtype == torch.bfloat16 else t).cpu().numpy()
