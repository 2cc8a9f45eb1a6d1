"""Reading Keras's ``.npz`` data files without ever running pickle.

``mnist.npz`` holds plain numeric arrays: ``np.load(allow_pickle=False)`` reads it. ``imdb.npz``
and ``reuters.npz`` hold *object* arrays (one Python list of word ids per review), which numpy
can only store as a pickle stream, and ``np.load(allow_pickle=False)`` refuses them. Unpickling
would let a tampered file run code, so sloi never unpickles: ``decode_pickled_array`` walks the
stream's opcodes with ``pickletools.genops`` (a parser: it builds nothing and imports nothing)
and rebuilds only plain data — ints, floats, strings, lists, tuples and numpy arrays. It knows
the three names a numpy array's pickle refers to (``_reconstruct``, ``ndarray``, ``dtype``, plus
``_codecs.encode`` for bytes in protocol 2) as *names*; nothing named in the file is ever
imported or called, and any other name or opcode is refused.

That walk is slow (tens of seconds for IMDB), so the arrays are re-encoded once into a plain
``.npz`` beside the download (``imdb.sloi.npz``: each object array as a flat ``values`` array
and ``offsets``), which later loads read with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import os
import pickletools
import zipfile

import numpy as np

_RECONSTRUCT = ("numpy.core.multiarray _reconstruct", "numpy._core.multiarray _reconstruct")
_KNOWN_NAMES = {name: "reconstruct" for name in _RECONSTRUCT}
_KNOWN_NAMES.update({"numpy ndarray": "ndarray", "numpy dtype": "dtype",
                     "_codecs encode": "encode"})
_MARK = object()


class _Name:
    """A global the stream names: only a marker, never imported."""

    def __init__(self, kind):
        self.kind = kind


class _PendingArray:
    """``_reconstruct(ndarray, ...)`` before its ``BUILD`` state arrives."""

    value = None


class _DType:
    def __init__(self, spec: str):
        self.spec = spec
        self.byteorder = None

    def numpy(self) -> np.dtype:
        dtype = np.dtype(self.spec)
        if self.byteorder in ("<", ">"):
            dtype = dtype.newbyteorder(self.byteorder)
        return dtype


def _refuse(where, why):
    return ValueError(f"{where}: refused to read this pickled array ({why}); sloi reads only "
                      "plain numpy data from a file and never runs pickle")


def decode_pickled_array(data: bytes, where: str) -> np.ndarray:
    """The numpy array pickled in ``data`` (the body of an ``.npy`` object array)."""
    stack: list = []
    memo: dict = {}

    def pop_mark():
        i = len(stack) - 1
        while stack[i] is not _MARK:
            i -= 1
        items = stack[i + 1:]
        del stack[i:]
        return items

    for op, arg, _ in pickletools.genops(data):
        name = op.name
        if name in ("BININT1", "BININT2", "BININT", "LONG1", "LONG4", "BINFLOAT"):
            stack.append(arg)
        elif name in ("BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "UNICODE"):
            stack.append(arg)
        elif name in ("SHORT_BINSTRING", "BINSTRING"):  # Python 2 str: latin-1, as numpy reads it
            stack.append(arg if isinstance(arg, str) else arg.decode("latin1"))
        elif name in ("SHORT_BINBYTES", "BINBYTES", "BINBYTES8"):
            stack.append(bytes(arg))
        elif name == "INT":  # protocol 0; arg is True/False for the 01/00 spellings
            stack.append(arg)
        elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
            stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
        elif name == "MARK":
            stack.append(_MARK)
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "LIST":
            stack.append(pop_mark())
        elif name == "APPEND":
            item = stack.pop()
            stack[-1].append(item)
        elif name == "APPENDS":
            items = pop_mark()
            stack[-1].extend(items)
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name == "TUPLE":
            stack.append(tuple(pop_mark()))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name in ("GLOBAL", "STACK_GLOBAL"):
            if name == "STACK_GLOBAL":
                module, attr = stack[-2:]
                del stack[-2:]
                arg = f"{module} {attr}"
            if arg not in _KNOWN_NAMES:
                raise _refuse(where, f"it names {arg.replace(' ', '.')!r}")
            stack.append(_Name(_KNOWN_NAMES[arg]))
        elif name == "REDUCE":
            args = stack.pop()
            stack[-1] = _apply(stack[-1], args, where)
        elif name == "BUILD":
            state = stack.pop()
            _build(stack[-1], state, where)
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = stack[-1]
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            stack.append(memo[arg])
        elif name in ("PROTO", "FRAME"):
            pass
        elif name == "STOP":
            break
        else:
            raise _refuse(where, f"opcode {name} is not plain data")
    if len(stack) != 1 or not isinstance(stack[0], _PendingArray) or stack[0].value is None:
        raise _refuse(where, "it does not hold one numpy array")
    return stack[0].value


def _apply(fn, args, where):
    kind = fn.kind if isinstance(fn, _Name) else None
    if kind == "reconstruct" and args and isinstance(args[0], _Name) and (
            args[0].kind == "ndarray"):
        return _PendingArray()
    if kind == "dtype" and args and isinstance(args[0], str):
        return _DType(args[0])
    if kind == "encode" and len(args) == 2 and isinstance(args[0], str):
        return args[0].encode(args[1])
    raise _refuse(where, "a call that does not rebuild a numpy array")


def _build(target, state, where):
    if isinstance(target, _DType):
        if isinstance(state, tuple) and len(state) > 1 and isinstance(state[1], str):
            target.byteorder = state[1]
        return
    if not isinstance(target, _PendingArray) or not isinstance(state, tuple) or len(state) != 5:
        raise _refuse(where, "an object state that is not a numpy array's")
    _, shape, dtype, fortran, payload = state
    if not isinstance(dtype, _DType):
        raise _refuse(where, "an array without a dtype")
    dtype = dtype.numpy()
    order = "F" if fortran else "C"
    if dtype.kind == "O":
        if not isinstance(payload, list):
            raise _refuse(where, "an object array without a list of items")
        array = _object_array([_plain(item, where) for item in payload])
        target.value = array.reshape(shape, order=order)
    else:
        if not isinstance(payload, bytes):
            raise _refuse(where, "a numeric array without its bytes")
        target.value = np.frombuffer(payload, dtype=dtype).reshape(shape, order=order).copy()


def _plain(item, where):
    if isinstance(item, _PendingArray):
        return item.value
    if isinstance(item, (_Name, _DType)):
        raise _refuse(where, "an item that is not data")
    return item


def _object_array(items: list) -> np.ndarray:
    """A 1-D object array of ``items`` (item by item: numpy would turn lists of equal
    length into a 2-D array)."""
    array = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        array[i] = item
    return array


def read_npz(path: str) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` file: numeric ones read by numpy with pickle disabled,
    object ones decoded as data by ``decode_pickled_array``."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            key = member[:-len(".npy")]
            where = f"{os.path.basename(path)}, array {key!r}"
            with archive.open(member) as raw:
                stream = io.BytesIO(raw.read())
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
            if dtype.hasobject:
                arrays[key] = decode_pickled_array(stream.read(), where)
            else:
                stream.seek(0)
                arrays[key] = np.lib.format.read_array(stream, allow_pickle=False)
    return arrays


def write_flat_npz(path: str, arrays: dict[str, np.ndarray], source_digest: str) -> None:
    """Write ``arrays`` with every object array of int sequences as ``KEY.values`` (their ids
    end to end) and ``KEY.offsets``, atomically, with the digest of the file they came from."""
    flat = {"__source_digest__": np.array(source_digest)}
    for key, array in arrays.items():
        if array.dtype != object:
            flat[key] = array
            continue
        sequences = [np.asarray(item).reshape(-1) for item in array.reshape(-1)]
        for s in sequences:
            if s.size and s.dtype.kind not in "iub":
                raise ValueError(f"{os.path.basename(path)}: array {key!r} holds "
                                 f"{s.dtype} items; only sequences of integer ids are supported")
        lengths = np.array([s.size for s in sequences], dtype=np.int64)
        flat[f"{key}.offsets"] = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        values = (np.concatenate(sequences) if sequences else np.zeros(0)).astype(np.int64)
        flat[f"{key}.values"] = values
    tmp = f"{path}.tmp{os.getpid()}.npz"
    try:
        np.savez(tmp, **flat)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_flat_npz(path: str) -> tuple[dict[str, np.ndarray], str]:
    """The arrays ``write_flat_npz`` wrote (object arrays of Python lists rebuilt) and the
    digest of their source."""
    arrays = {}
    with np.load(path, allow_pickle=False) as f:
        digest = str(f["__source_digest__"])
        for key in f.files:
            if key == "__source_digest__" or key.endswith(".values"):
                continue
            if key.endswith(".offsets"):
                name = key[:-len(".offsets")]
                offsets, values = f[key], f[f"{name}.values"].tolist()
                arrays[name] = _object_array(
                    [values[a:b] for a, b in zip(offsets[:-1], offsets[1:])])
            else:
                arrays[key] = f[key]
    return arrays, digest
