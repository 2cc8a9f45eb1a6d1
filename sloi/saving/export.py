"""``model.export``: a model as a file that runs without sloi, for inference.

Two formats, both made from one trace by ``torch.export.export``:

- ``"onnx"``: an ONNX file (the exporter built on ``torch.export``; it needs the ``onnx`` and
  ``onnxscript`` packages: ``pip install "sloi[onnx]"``). Runs in onnxruntime, TensorRT,
  OpenVINO, browsers. Recurrent layers become ONNX's own ``LSTM`` / ``GRU`` / ``RNN`` ops.
- ``"torch"``: a ``torch.export.ExportedProgram`` saved with ``torch.export.save`` (a ``.pt2``
  archive: the graph as JSON, the weights as raw bytes). ``torch.export.load(path).module()``
  runs it; AOTInductor and ExecuTorch take it from there.

The trace runs the layers' own Python on fake tensors (``strict=False``), so when a layer
cannot be traced the error names it. The batch axis stays dynamic (``dynamic_batch=True``);
other axes the model's inputs leave open (``Input(shape=(None,))``) stay dynamic where the
layers allow it, and are fixed to the example's size (with a warning) where they do not.

Since every sloi model is an ``nn.Module``, ``model.state_dict()`` / ``load_state_dict`` work
as well, for a checkpoint that only PyTorch code reads.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import shutil
import sys
import tempfile
import warnings

import numpy as np
import torch
from torch.fx.experimental.symbolic_shapes import is_concrete_int

from sloi.engine.dtypes import STRING, standardize_dtype
from sloi.engine.layer import Layer

FORMATS = ("onnx", "torch")
_BATCH_EXAMPLE = 2  # torch.export fixes axes of size 0 or 1, so a dynamic batch is traced at 2
_OPEN_AXIS_EXAMPLE = 8  # size used to trace other open axes (time steps, ...) when no example


def export_model(model, filepath, format="onnx", verbose=None, input_signature=None, *,
                 dynamic_batch=True, opset=None, opset_version=None):
    """Export ``model`` for inference: an ONNX file or a ``torch.export`` program.

    Args:
        model: a sloi model (functional, sequential, or a subclass given ``input_signature``).
        filepath: where to write; ``format="torch"`` needs a ``.pt2`` name.
        format: ``"onnx"`` or ``"torch"``.
        verbose: print where the file went (the default, as Keras); False to stay quiet.
        input_signature: the inputs to trace with, one per model input (or one item for a
            single-input model): ``sloi.Input(...)`` / anything with ``shape`` and ``dtype``
            (``None`` axes stay open), a shape tuple (float32), or an example tensor / array.
            Default: the model's own inputs.
        dynamic_batch: keep the batch axis open; False fixes it (to the example's batch, or 1).
        opset: the ONNX opset version (default: the exporter's, 20 with torch 2.13).
        opset_version: Keras's name for ``opset``.

    Returns: ``filepath`` as a string.

    Loading a ``.pt2`` file with ``torch.export.load`` may unpickle parts of it (torch
    pickles tensor subclasses and opaque constants; sloi's files hold none, but a crafted file
    can ask for it): load only ``.pt2`` files you trust. ONNX files are protobuf, not pickle.
    """
    filepath = os.fspath(filepath)
    _refuse_string_inputs(model, filepath)
    if format not in FORMATS:
        raise ValueError(f"export: unknown format {format!r}; expected one of {FORMATS}")
    if opset is not None and opset_version is not None and opset != opset_version:
        raise ValueError(f"export: opset={opset} and opset_version={opset_version} disagree")
    opset = opset if opset is not None else opset_version
    if format == "torch":
        if opset is not None:
            raise ValueError('export: opset is for format="onnx"; format="torch" has no opset')
        if not filepath.endswith(".pt2"):
            raise ValueError(f'export: format="torch" writes a .pt2 archive; got {filepath!r}')
    else:
        _require_onnx_packages()
        if opset is not None and (not isinstance(opset, int) or opset < 1):
            raise ValueError(f"export: opset must be a positive int; got {opset!r}")
    folder = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"export: folder {folder!r} (of {filepath!r}) does not exist")

    program = trace_model(model, input_signature, dynamic_batch=dynamic_batch)
    if format == "torch":
        _write_atomically(filepath, lambda tmp: torch.export.save(program, tmp))
    else:
        _write_onnx(model, program, filepath, opset)
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'.")
    return filepath


def _refuse_string_inputs(model, filepath) -> None:
    """A model with a string stage cannot be traced whole (an exported graph holds tensors
    only): the error gives the recipe for exporting its numeric part."""
    strings = [t for t in getattr(model, "inputs", None) or [] if t.dtype is STRING]
    if not strings:
        return
    starts = model.string_stage_outputs
    names = [t.history.layer.name for t in starts]
    tensors = ", ".join(f'model.get_layer("{n}").output' for n in names)
    if len(names) > 1:
        tensors = f"[{tensors}]"
    raise ValueError(
        f'export: model "{model.name}" starts with a string stage (input(s) '
        f"{[t.history.layer.name for t in strings]} of dtype string, read by "
        f"{names}), and an exported graph holds tensors only: only its numeric part can be "
        "exported. Export the sub-model that starts at the first numeric tensors, and run the "
        "string layers in Python before it:\n"
        f"    numeric = sloi.Model({tensors}, model.output)\n"
        f"    numeric.export({filepath!r})\n"
        + (f'    ids = model.get_layer("{names[0]}")(texts)  # what the exported model takes'
           if len(names) == 1 else
           f"    inputs = [model.get_layer(n)(texts) for n in {names}]  # what it takes"))


# ---------------------------------------------------------------------- tracing
def trace_model(model, input_signature=None, dynamic_batch=True):
    """The model's inference graph as a ``torch.export.ExportedProgram`` (eval mode).

    Called with the example inputs the way the model itself is: one tensor for a one-input
    model, a list in ``model.inputs`` order otherwise. Args as ``export_model``.
    """
    _refuse_stateful(model)
    specs = _input_specs(model, input_signature, dynamic_batch)
    examples = [spec["example"] for spec in specs]
    shapes = [spec["dynamic"] for spec in specs]
    args = (examples[0],) if len(specs) == 1 else (examples,)
    dynamic_shapes = (shapes[0],) if len(specs) == 1 else (shapes,)
    if not all(m.built for m in model.modules() if isinstance(m, Layer)):
        # build on real tensors first: weights created inside the trace would be fake ones
        with _eval_mode(model), torch.no_grad():
            model(*args)
    # forward(*args): torch.export sees one argument, the tuple of positional inputs
    with _eval_mode(model), _quiet_torch() as stderr:
        try:
            program = torch.export.export(model, args, dynamic_shapes=(dynamic_shapes,),
                                          strict=False)
        except Exception as err:
            raise _trace_error(model, err, dynamic_batch) from err
    sys.stderr.write(stderr.getvalue())  # whatever the layers printed, now the trace is done
    _warn_fixed_axes(program, specs)
    return program


def _input_specs(model, input_signature, dynamic_batch) -> list[dict]:
    """One dict per model input: name, open axes, example tensor, dynamic-shape spec."""
    declared = list(getattr(model, "inputs", None) or [])
    if input_signature is None:
        if not declared:
            raise ValueError(
                f'export: model "{model.name}" ({type(model).__name__}) has no declared inputs '
                "(a subclassed or unbuilt model): pass input_signature, e.g. "
                "input_signature=[sloi.Input(shape=(10,))]"
            )
        items = list(declared)
    elif _is_shape(input_signature) or not isinstance(input_signature, (list, tuple)):
        items = [input_signature]
    else:
        items = list(input_signature)
    if declared and len(items) != len(declared):
        raise ValueError(
            f'export: model "{model.name}" has {len(declared)} input(s) '
            f"{[_shape_text(t.shape) for t in declared]}; input_signature gives {len(items)}"
        )
    names = list(getattr(model, "input_names", None) or []) if declared else []
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    specs = []
    for i, item in enumerate(items):
        name = names[i] if i < len(names) else f"input_{i}"
        specs.append(_one_spec(item, name, declared[i] if declared else None, dynamic_batch,
                               device, i))
    return specs


def _one_spec(item, name, declared, dynamic_batch, device, index) -> dict:
    if isinstance(item, (torch.Tensor, np.ndarray)):
        example = torch.as_tensor(item).to(device)
        if example.dtype == torch.float64:
            example = example.float()  # sloi models take float32, as Keras's
        shape = tuple(declared.shape) if declared is not None else (None,) + tuple(
            example.shape[1:])
        if example.dim() != len(shape):
            raise ValueError(
                f'export: input_signature[{index}] (input "{name}") has shape '
                f"{tuple(example.shape)}; the model's input has shape {_shape_text(shape)}"
            )
    else:
        if _is_shape(item):
            shape, dtype = tuple(item), torch.float32
        elif hasattr(item, "shape") and hasattr(item, "dtype"):
            shape, dtype = tuple(item.shape), standardize_dtype(item.dtype)
        else:
            raise TypeError(
                f"export: input_signature[{index}] must be sloi.Input(...) (or anything with "
                "shape and dtype), a shape tuple, or an example tensor; got "
                f"{type(item).__name__}"
            )
        shape = tuple(None if d is None else int(d) for d in shape)
        sizes = [(_BATCH_EXAMPLE if dynamic_batch else 1) if (axis == 0 and d is None) else
                 _OPEN_AXIS_EXAMPLE if d is None else d for axis, d in enumerate(shape)]
        # zeros: valid token ids for Embedding; the trace does not depend on values
        example = torch.zeros(sizes, dtype=dtype, device=device)
    if declared is not None:
        _check_against_declared(shape, declared, name, index)
    dynamic = {}
    for axis, size in enumerate(shape):
        if size is not None:
            continue
        if axis == 0:
            if dynamic_batch:
                dynamic[0] = torch.export.Dim("batch")
        else:
            dynamic[axis] = torch.export.Dim.AUTO  # open if the layers allow it, else fixed
    if isinstance(item, (torch.Tensor, np.ndarray)) and 0 in dynamic and example.shape[0] < 2:
        example = example.expand(2, *example.shape[1:]).contiguous()  # see _BATCH_EXAMPLE
    return {"name": name, "shape": shape, "example": example, "dynamic": dynamic or None}


def _check_against_declared(shape, declared, name, index) -> None:
    want = tuple(declared.shape)
    if len(shape) != len(want) or any(
            w is not None and s is not None and s != w for s, w in zip(shape, want)):
        raise ValueError(
            f'export: input_signature[{index}] has shape {_shape_text(shape)}; the model\'s '
            f'input "{name}" has shape {_shape_text(want)}'
        )


def _is_shape(value) -> bool:
    return isinstance(value, (list, tuple)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value) and len(value) > 0


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


@contextlib.contextmanager
def _quiet_torch():
    """Keep torch's own chatter out of the user's way while it traces or converts: it prints
    the partial graph of a failed trace (our error names the layer instead), logs a warning
    per optional torchvision op it cannot register, and onnxscript's optimizer one per
    multi-output op it does not fold. Yields the captured stderr."""
    names = ("torch.fx.experimental.symbolic_shapes", "torch.export", "torch._export",
             "torch.onnx", "onnxscript", "onnx_ir")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    captured = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(captured):
            warnings.filterwarnings("ignore", category=FutureWarning, module="torch|copyreg")
            yield captured
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


@contextlib.contextmanager
def _eval_mode(model):
    """Trace the inference graph (no dropout, moving statistics), then put every module back
    in the mode it was in."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes:
            module.training = mode


def _refuse_stateful(model) -> None:
    # a stateful layer's carried states are Python attributes: they would be frozen into the
    # graph as constants, and the exported model could not carry them over between calls
    for module in model.modules():
        if isinstance(module, Layer) and getattr(module, "stateful", False) is True:
            raise ValueError(
                f'export: layer "{module.name}" ({type(module).__name__}) is stateful; its '
                "carried states cannot be exported. Rebuild the model with stateful=False "
                "(the weights stay the same) and export that"
            )


def _trace_error(model, err, dynamic_batch) -> Exception:
    """A message that names the layer the trace failed in, with torch's reason."""
    reason = _first_lines(str(err))
    chain = _layers_in_traceback(model, err)
    where = " > ".join(f'"{layer.name}" ({type(layer).__name__})' for layer in chain)
    head = f'export: model "{model.name}" cannot be exported'
    if where:
        head += f": layer {where} failed while tracing"
    if dynamic_batch and "batch" in str(err) and ("onstraint" in str(err) or
                                                  "specialized" in str(err)):
        head += ("; the batch axis cannot stay dynamic (a layer fixes the batch size): pass "
                 "dynamic_batch=False to export with a fixed batch")
    return RuntimeError(f"{head}. torch.export said: {reason}")


def _layers_in_traceback(model, err) -> list:
    """The sloi layers being called when ``err`` was raised, outermost first (the model
    itself left out); follows ``__cause__`` / ``__context__`` since torch re-raises."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        chain, tb = [], err.__traceback__
        while tb is not None:
            owner = tb.tb_frame.f_locals.get("self")
            if isinstance(owner, Layer) and owner is not model and (
                    not chain or chain[-1] is not owner):
                chain.append(owner)
            tb = tb.tb_next
        if chain:
            return chain
        err = err.__cause__ or err.__context__
    return []


def _first_lines(text: str, limit: int = 400) -> str:
    text = text.split("Suggested fixes")[0]  # torch's fixes speak of its API, not sloi's
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    text = " ".join(lines[:3])
    return text if len(text) <= limit else text[:limit] + " ..."


def _warn_fixed_axes(program, specs) -> None:
    """Tell the user about open axes (other than the batch) the trace had to fix."""
    placeholders = [n for n in program.graph.nodes if n.op == "placeholder"]
    user = placeholders[len(placeholders) - len(specs):]  # parameters and buffers come first
    for spec, node in zip(specs, user):
        value = node.meta.get("val")
        if value is None or not spec["dynamic"]:
            continue
        for axis in spec["dynamic"]:
            if axis and is_concrete_int(value.shape[axis]):
                warnings.warn(
                    f'export: axis {axis} of input "{spec["name"]}" (shape '
                    f'{_shape_text(spec["shape"])}) was fixed to {value.shape[axis]}: a layer '
                    "needs that size known (recurrent layers do: torch.export fixes their "
                    "number of time steps). Pass input_signature with the size you need, e.g. "
                    "input_signature=[sloi.Input(shape=(100,), dtype=\"int64\")]",
                    stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside sloi."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(root):
        frame, level = frame.f_back, level + 1
    return level


# ---------------------------------------------------------------------- writing
def _require_onnx_packages() -> None:
    missing = []
    for package in ("onnx", "onnxscript"):
        try:
            importlib.import_module(package)
        except ImportError:
            missing.append(package)
    if missing:
        raise ImportError(
            f'export: format="onnx" needs the package(s) {missing}: install the extra with '
            'pip install "sloi[onnx]" (onnx, onnxscript, and onnxruntime to run the file)'
        )


def _write_onnx(model, program, filepath, opset) -> None:
    input_names = list(getattr(model, "input_names", None) or [])
    output_names = list(getattr(model, "output_names", None) or [])
    n_in = len(program.graph_signature.user_inputs)
    n_out = len(program.graph_signature.user_outputs)
    kwargs = {"opset_version": opset}
    if len(input_names) == n_in and len(set(input_names)) == n_in:
        kwargs["input_names"] = input_names
    if len(output_names) == n_out and len(set(output_names)) == n_out:
        kwargs["output_names"] = output_names
    with _quiet_torch():
        try:
            onnx_program = torch.onnx.export(program, (), None, dynamo=True, verbose=False,
                                             **kwargs)
        except Exception as err:
            raise RuntimeError(
                f'export: model "{model.name}" traced, but its graph could not be converted '
                f"to ONNX{'' if opset is None else f' opset {opset}'}: "
                f"{_first_lines(str(err))}"
            ) from err
    _name_batch_axis(onnx_program)
    _write_atomically(filepath, onnx_program.save, whole_folder=True)


def _name_batch_axis(onnx_program) -> None:
    """ONNX shows the dynamic batch as ``batch`` rather than torch's symbol (``s31``)."""
    graph = onnx_program.model.graph
    symbols = {str(value.shape[0]) for value in graph.inputs
               if value.shape is not None and len(value.shape) and
               not isinstance(value.shape[0], int)}
    if len(symbols) == 1:
        onnx_program.rename_axes({symbols.pop(): "batch"})


def _write_atomically(filepath, write, whole_folder=False) -> None:
    """``write(path)`` into a temporary place beside ``filepath``, then rename into place, so
    a failure never leaves a half-written file where a good one stood.

    ``whole_folder``: ``write`` may add files beside its path (ONNX's external weights for
    models over 2 GB, named after the file); they are moved too, before the file itself.
    """
    folder = os.path.dirname(os.path.abspath(filepath))
    base = os.path.basename(filepath)
    tmp_dir = tempfile.mkdtemp(prefix=f".{base}.", dir=folder)
    try:
        write(os.path.join(tmp_dir, base))
        others = sorted(f for f in os.listdir(tmp_dir) if f != base) if whole_folder else []
        for name in others + [base]:
            os.replace(os.path.join(tmp_dir, name), os.path.join(folder, name))
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


__all__ = ["FORMATS", "export_model", "trace_model"]
