"""Reading HDF5 files from strangers: what libhdf5 is asked to read is checked first.

h5py's high-level ``obj.attrs[name]`` and ``dataset[()]`` hand libhdf5 whatever datatype the
file declares and let it convert the stored bytes. A damaged datatype can kill the process
there: three bytes changed in a Keras ``.h5`` (the version field of ``keras_version``'s
variable-length string datatype, made an invalid kind of variable-length type) crash
``H5Aread`` with a segmentation fault; Keras dies on the same file. So every attribute and
dataset is read here through h5py's low-level API, and only after its datatype, dataspace and
storage are found to be what a Keras file holds:

- an attribute must be text (an HDF5 string, variable- or fixed-length, ASCII or UTF-8), a
  scalar or a list of at most ``MAX_ATTR_ITEMS``, and is read into a string type sloi made;
  a variable-length one in a forked child with capped memory (``isolated``), because libhdf5
  allocates whatever length the file states for it before checking it;
- a dataset must be a standard little- or big-endian integer or IEEE float, stored in the file
  (compact, contiguous or chunked; no external or virtual storage), filtered at most by
  deflate, shuffle or fletcher32; its declared shape is returned first (``Declared``) so the
  caller compares it with the weight it is meant for before a byte is read.

This rules out the crashes found by fuzzing (see ``tools/fuzz_files.py``), not every crash:
libhdf5 still parses the file's object headers, B-trees and heaps itself, and a damage there
that it does not detect can still crash it. ``docs/saving.md`` says so.
"""

from __future__ import annotations

import faulthandler
import json
import os
import select
import signal
import time
import warnings
import weakref
from dataclasses import dataclass

import numpy as np

from sloi.saving.errors import FileFormatError

MAX_ATTR_ITEMS = 100_000  # Keras's name lists are split into chunks far smaller than this
MAX_ATTR_BYTES = 16 * 2**20  # as ``archive.MAX_JSON_BYTES``: model_config is JSON
MAX_OBJECTS = 100_000  # groups and datasets walked in one file
MAX_DEPTH = 64
CHILD_MEMORY = 256 * 2**20  # what reading a variable-length text may take (see isolated)
CHILD_CPU_SECONDS = 2  # CPU time the child may spend (a damaged file can make libhdf5 spin)
CHILD_SECONDS = 30.0  # wall time the parent waits, a backstop for a child that sleeps
DEFLATE_RATIO = 1032  # deflate's largest expansion: one stored byte is at most 1032 bytes

_H5_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TypeError, IndexError)


def _h5():
    import h5py  # callers have imported it through keras_h5.h5py_module()

    return h5py


def _where(obj, name: str | None = None) -> str:
    try:
        path = obj.name or "/"
    except _H5_ERRORS:
        path = "?"
    return f"{path}:{name}" if name is not None else path


# ---------------------------------------------------------------------------- attributes
def has_attr(obj, name: str, source: str) -> bool:
    try:
        return bool(_h5().h5a.exists(obj.id, name.encode()))
    except _H5_ERRORS as e:
        raise FileFormatError(f'"{source}": cannot look up the attribute {name!r} of '
                              f'"{_where(obj)}" (the file is damaged: {e})') from e


def text_attr(obj, name: str, source: str) -> str | None:
    """A scalar text attribute (``model_config``, ``keras_version``), or None when absent."""
    if not has_attr(obj, name, source):
        return None
    values, scalar = _read_text(obj, name, source)
    if not scalar and len(values) != 1:
        raise FileFormatError(f'"{source}": the attribute {name!r} of "{_where(obj)}" should '
                              f"be one text; it holds {len(values)}")
    return values[0]


def text_list_attr(obj, name: str, source: str) -> list[str] | None:
    """A text attribute as a list (a scalar gives one item), or None when absent."""
    if not has_attr(obj, name, source):
        return None
    return _read_text(obj, name, source)[0]


def _read_text(obj, name: str, source: str) -> tuple[list[str], bool]:
    """``(texts, is_scalar)`` of a string attribute, after checking its type and size."""
    h5t = _h5().h5t
    what = f'the attribute {name!r} of "{_where(obj)}"'
    try:
        checked = _checked_text(obj, name, source, what)
        if checked is None:
            return [], False  # an empty list (h5py stores ``[]`` as an empty float array)
        attr, shape, size = checked
        if size is None:  # variable-length: read with the object's others, in a child
            read = _variable_texts(obj, source, name)
            if name in read["errors"]:
                raise FileFormatError(f'"{source}": cannot read {what} (the file is damaged: '
                                      f'{read["errors"][name]})')
            out = np.array(read["values"][name], dtype=object)
        else:
            out = np.zeros(shape, dtype=f"S{max(size, 1)}")
            attr.read(out, mtype=h5t.py_create(out.dtype))
    except FileFormatError:
        raise
    except _H5_ERRORS as e:
        raise FileFormatError(f'"{source}": cannot read {what} (the file is damaged: '
                              f"{type(e).__name__}: {e})") from e
    texts = []
    for item in out.reshape(-1):
        if isinstance(item, bytes):
            item = item.decode("utf-8", errors="replace")
        if not isinstance(item, str):
            raise FileFormatError(f'"{source}": {what} should hold text; found {item!r}')
        if len(item) > MAX_ATTR_BYTES:
            raise FileFormatError(f'"{source}": {what} holds {len(item)} characters; expected '
                                  f"at most {MAX_ATTR_BYTES}")
        texts.append(item)
    return texts, shape == ()


def _checked_text(obj, name: str, source: str, what: str):
    """``(attribute, shape, item size or None when variable-length)`` of a text attribute
    whose declaration is sound; None for an empty list; ``FileFormatError`` otherwise."""
    h5py = _h5()
    h5a, h5s, h5t = h5py.h5a, h5py.h5s, h5py.h5t
    attr = h5a.open(obj.id, name.encode())
    space = attr.get_space()
    kind = space.get_simple_extent_type()
    if kind == h5s.SCALAR:
        shape, count = (), 1
    elif kind == h5s.SIMPLE and space.get_simple_extent_ndims() == 1:
        shape = space.shape
        count = shape[0]
    else:
        raise FileFormatError(f'"{source}": {what} should be a text or a list of texts; '
                              f"its dataspace is {_space(space)}")
    if count > MAX_ATTR_ITEMS:
        raise FileFormatError(f'"{source}": {what} declares {count} items; expected at '
                              f"most {MAX_ATTR_ITEMS}")
    if count == 0 and shape != ():
        return None
    file_type = attr.get_type()
    if file_type.get_class() != h5t.STRING:
        raise FileFormatError(f'"{source}": {what} should hold text; it holds HDF5 '
                              f"{_type_class(file_type)} values")
    if file_type.get_cset() not in (h5t.CSET_ASCII, h5t.CSET_UTF8):
        raise FileFormatError(f'"{source}": {what} declares an unknown character set')
    storage = attr.get_storage_size()
    if file_type.is_variable_str():
        # Each item is a reference into the file's global heap (16 bytes with 8-byte
        # addresses): the texts themselves are no larger than the file.
        if storage > 32 * max(count, 1):
            raise FileFormatError(f'"{source}": {what} is damaged (its storage does not '
                                  "match its size)")
        return attr, shape, None
    size = file_type.get_size()
    if size * count > MAX_ATTR_BYTES or storage != size * count:
        raise FileFormatError(f'"{source}": {what} declares {count} texts of {size} '
                              f"bytes in {storage} stored bytes (damaged or too large)")
    return attr, shape, size


# The variable-length texts of each object already read, by its HDF5 id: a load asks for
# model_config, keras_version and training_config in turn, and one child reads them all.
_VARIABLE_TEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# The texts a load of a Keras file asks for: read together, by name (iterating over a
# damaged attribute list can hang libhdf5).
_KERAS_TEXTS = ("model_config", "keras_version", "training_config", "backend")


def _variable_texts(obj, source: str, wanted: str) -> dict:
    """``{"values": {name: [text, ...]}, "errors": {name: message}}`` for ``wanted`` and the
    sound variable-length texts of ``_KERAS_TEXTS`` on ``obj``, read in one ``isolated``
    child."""
    cached = _VARIABLE_TEXTS.get(obj.id)
    if cached is not None and (wanted in cached["values"] or wanted in cached["errors"]):
        return cached
    h5py = _h5()
    attrs = []
    for name in dict.fromkeys((wanted, *_KERAS_TEXTS)):
        if not has_attr(obj, name, source):
            continue
        try:
            checked = _checked_text(obj, name, source, name)
        except (FileFormatError, *_H5_ERRORS):
            continue  # refused when (if ever) it is asked for
        if checked is not None and checked[2] is None:
            attrs.append((name, checked[0], checked[1]))

    def read_all():
        out = {"values": {}, "errors": {}}
        mtype = h5py.h5t.py_create(h5py.string_dtype("utf-8"))
        for name, attr, shape in attrs:
            try:
                values = np.empty(shape, dtype=object)
                attr.read(values, mtype=mtype)
                out["values"][name] = [
                    v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v
                    for v in values.reshape(-1)]
            except Exception as e:  # noqa: BLE001 - kept for the attribute it belongs to
                out["errors"][name] = f"{type(e).__name__}: {e}"
        return out

    names = ", ".join(repr(n) for n, _, _ in attrs)
    read = isolated(read_all, source, f'the attributes {names} of "{_where(obj)}"')
    _VARIABLE_TEXTS[obj.id] = read
    return read


def isolated(read, source: str, what: str):
    """``read()`` (which returns JSON-able values) run in a forked child process whose
    address space is capped at ``CHILD_MEMORY`` bytes over the parent's.

    libhdf5 takes a variable-length string's length from the file and allocates that much
    before it finds the text is not there: one changed byte makes it touch gigabytes. In the
    child such an allocation fails, and a crash kills only the child; both are a
    ``FileFormatError``. Where ``os.fork`` is missing (Windows), ``read`` runs here.
    """
    if not hasattr(os, "fork"):
        return read()
    import resource

    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # "multi-threaded, use of fork"
        pid = os.fork()
    if pid == 0:  # the child: read, send, and leave without running any cleanup
        try:
            os.close(read_end)
            faulthandler.disable()  # a crash here is reported by the parent, not dumped
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            cap = _address_space() + CHILD_MEMORY
            if hard == resource.RLIM_INFINITY or cap < hard:
                resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
            # a child spinning in libhdf5 is stopped by the kernel, even when its parent is
            # gone (killed by a time limit of its own) and nobody is left to wait for it
            cpu_soft, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
            limit = (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS + 1)
            if cpu_hard == resource.RLIM_INFINITY or limit[1] <= cpu_hard:
                resource.setrlimit(resource.RLIMIT_CPU, limit)
            try:
                payload = {"values": read()}
            except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises
                payload = {"error": f"{type(e).__name__}: {e}"}
            data = memoryview(json.dumps(payload).encode())
            while data:
                data = data[os.write(write_end, data):]
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + CHILD_SECONDS
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise FileFormatError(f'"{source}": reading {what} took over {CHILD_SECONDS} '
                                      "s (the file is damaged)")
            if select.select([read_end], [], [], left)[0]:
                chunk = os.read(read_end, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
        raise FileFormatError(f'"{source}": reading {what} took over {CHILD_CPU_SECONDS} s of '
                              "CPU (the file is damaged)")
    if os.WIFSIGNALED(status) or not chunks:
        how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit {os.WEXITSTATUS(status)}")
        raise FileFormatError(f'"{source}": reading {what} killed the reading process ({how}): '
                              "the file is damaged")
    payload = json.loads(b"".join(chunks))
    if "error" in payload:
        raise FileFormatError(f'"{source}": cannot read {what} (the file is damaged: '
                              f'{payload["error"]})')
    return payload["values"]


def _address_space() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 * 4


def _space(space) -> str:
    try:
        return f"{space.get_simple_extent_ndims()}-dimensional"
    except _H5_ERRORS:
        return "unreadable"


def _type_class(file_type) -> str:
    h5t = _h5().h5t
    names = {h5t.INTEGER: "integer", h5t.FLOAT: "float", h5t.STRING: "string",
             h5t.BITFIELD: "bitfield", h5t.OPAQUE: "opaque", h5t.COMPOUND: "compound",
             h5t.REFERENCE: "reference", h5t.ENUM: "enum", h5t.VLEN: "variable-length",
             h5t.ARRAY: "array"}
    return names.get(file_type.get_class(), f"class {file_type.get_class()}")


# ---------------------------------------------------------------------------- datasets
@dataclass(frozen=True)
class Declared:
    """What a dataset declares, checked; nothing of its values has been read."""

    dataset: object  # the h5py Dataset
    name: str
    shape: tuple
    dtype: np.dtype
    stored_bytes: int  # what the file holds for it
    filtered: bool

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=object)) * self.dtype.itemsize

    @property
    def held_bytes(self) -> int:
        """The most bytes its values can take once read: its declared size, no more than
        what its storage can expand to."""
        bound = self.stored_bytes * (DEFLATE_RATIO if self.filtered else 1)
        return min(self.nbytes, bound)


def _standard_types():
    h5t = _h5().h5t
    pairs = [("f2", "F16"), ("f4", "F32"), ("f8", "F64")]
    out = []
    for order, suffix in (("<", "LE"), (">", "BE")):
        out += [(getattr(h5t, f"IEEE_{name}{suffix}"), np.dtype(order + code))
                for code, name in pairs]
        out += [(getattr(h5t, f"STD_{kind}{bits}{suffix}"),
                 np.dtype(f"{order}{kind.lower()}{bits // 8}"))
                for kind in ("I", "U") for bits in (8, 16, 32, 64)]
    return out


def declared(dataset, source: str) -> Declared:
    """The checked shape, type and storage of ``dataset``; ``FileFormatError`` for anything
    a Keras weights file does not hold."""
    h5py = _h5()
    h5d, h5s, h5z = h5py.h5d, h5py.h5s, h5py.h5z
    name = _where(dataset)
    try:
        dsid = dataset.id
        space = dsid.get_space()
        kind = space.get_simple_extent_type()
        if kind == h5s.SCALAR:
            shape = ()
        elif kind == h5s.SIMPLE:
            shape = tuple(int(d) for d in space.shape)
        else:
            raise FileFormatError(f'"{source}": the array "{name}" has no values (a null '
                                  "dataspace)")
        file_type = dsid.get_type()
        dtype = next((np_type for h5_type, np_type in _standard_types()
                      if file_type.equal(h5_type)), None)
        if dtype is None:
            raise FileFormatError(f'"{source}": "{name}" holds HDF5 '
                                  f"{_type_class(file_type)} values of {file_type.get_size()} "
                                  "bytes, not standard integers or floats")
        plist = dsid.get_create_plist()
        layout = plist.get_layout()
        if layout not in (h5d.COMPACT, h5d.CONTIGUOUS, h5d.CHUNKED) or (
                plist.get_external_count()):
            raise FileFormatError(f'"{source}": the array "{name}" is stored outside the '
                                  "file; a Keras file holds its arrays itself")
        filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
        unknown = [f for f in filters if f not in (h5z.FILTER_DEFLATE, h5z.FILTER_SHUFFLE,
                                                   h5z.FILTER_FLETCHER32)]
        if unknown:
            raise FileFormatError(f'"{source}": the array "{name}" is stored through HDF5 '
                                  f"filter(s) {unknown}; sloi reads unfiltered, deflate, "
                                  "shuffle and fletcher32 arrays")
        stored = int(dsid.get_storage_size())
    except FileFormatError:
        raise
    except _H5_ERRORS as e:
        raise FileFormatError(f'"{source}": cannot read the array "{name}" (the file is '
                              f"damaged: {type(e).__name__}: {e})") from e
    return Declared(dataset, name, shape, dtype, stored, bool(filters))


def read(found: Declared, source: str) -> np.ndarray:
    """The values of a checked dataset, read into an array of its declared shape and type
    (libhdf5 converts nothing but byte order)."""
    h5t = _h5().h5t
    out = np.empty(found.shape, dtype=found.dtype.newbyteorder("="))
    if out.size == 0:
        return out
    try:
        found.dataset.id.read(_h5().h5s.ALL, _h5().h5s.ALL, out,
                              mtype=h5t.py_create(out.dtype))
    except _H5_ERRORS as e:
        raise FileFormatError(f'"{source}": cannot read the array "{found.name}" (the file '
                              f"is damaged: {type(e).__name__}: {e})") from e
    return out


# ---------------------------------------------------------------------------- walking
def datasets(group, source: str) -> dict[str, Declared]:
    """``{path below group: Declared}`` for every dataset reached through plain (hard) links,
    each object once; at most ``MAX_OBJECTS`` objects, ``MAX_DEPTH`` deep."""
    h5py = _h5()
    found: dict[str, Declared] = {}
    seen = set()
    stack = [(group, "", 0)]
    try:
        while stack:
            current, prefix, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise FileFormatError(f'"{source}": groups are nested more than {MAX_DEPTH} '
                                      "deep (a Keras file nests a few)")
            for name in current:
                link = current.get(name, getlink=True)
                if not isinstance(link, h5py.HardLink):
                    continue
                obj = current[name]
                if obj.id in seen:
                    continue
                seen.add(obj.id)
                if len(seen) > MAX_OBJECTS:
                    raise FileFormatError(f'"{source}" holds more than {MAX_OBJECTS} groups '
                                          "and arrays")
                path = f"{prefix}{name}"
                if isinstance(obj, h5py.Group):
                    stack.append((obj, path + "/", depth + 1))
                elif isinstance(obj, h5py.Dataset):
                    found[path] = declared(obj, source)
    except FileFormatError:
        raise
    except _H5_ERRORS as e:
        raise FileFormatError(f'"{source}" cannot be read: the file is damaged '
                              f"({type(e).__name__}: {e})") from e
    return dict(sorted(found.items()))


def held_bytes(group, source: str) -> int:
    """The most bytes of values the datasets below ``group`` can give: what a model built
    from this file's config may allocate for its weights."""
    return sum(d.held_bytes for d in datasets(group, source).values())
