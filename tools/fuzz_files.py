"""Hostile files for every sloi loader: does any of them crash, hang, take memory, or fail
with anything but ``FileFormatError``?

    python tools/fuzz_files.py --cases 3000 --seed 1            # the long run
    python tools/fuzz_files.py --cases 200 --seed 0 --json out.json
    python tools/fuzz_files.py --cases 0 --hostile --time-limit 60  # issue 17's named files

Seed files (a small trained model) are written as ``.sloi``, ``.keras``, ``.h5``,
``.weights.h5``, ``.weights.safetensors`` and a ``BackupAndRestore`` backup; each case damages
one of them (cut short, bytes flipped, or a crafted member: deep or huge JSON, wrong values,
zip bombs with true or lying headers, repeated, missing or unsafe members, a lying
safetensors header) and loads it with the matching loader.

Each case runs in a child process forked from a parent that has imported sloi once (so a case
costs milliseconds, not an interpreter start): the child's peak memory over the parent's
(``ru_maxrss`` from ``wait4``) and its time are recorded, and it is killed after the time
limit. Outcomes: ``loaded``, ``FileFormatError``, ``other`` (another exception: a bug),
``crash`` (killed by a signal), ``over`` (over the time or memory limit).

Torch runs on one thread here: forking after OpenMP threads have started can hang the child.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("KERAS_BACKEND", "torch")

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402
import zlib  # noqa: E402
from collections import Counter  # noqa: E402

KINDS = ("sloi", "keras", "h5", "weights_h5", "weights_safetensors", "backup")
SUFFIX = {"sloi": "m.sloi", "keras": "m.keras", "h5": "m.h5", "weights_h5": "m.weights.h5",
          "weights_safetensors": "m.weights.safetensors", "backup": "latest.state.sloi"}
ZIP_KINDS = ("sloi", "keras", "backup")
TIME_LIMIT_S = 5.0
MEMORY_LIMIT_MB = 500.0


# ---------------------------------------------------------------------------- seed files
def _model():
    import sloi

    sloi.utils.set_random_seed(0)
    x = sloi.Input((5,))
    h = sloi.layers.Dense(4, activation="tanh")(x)
    model = sloi.Model(x, sloi.layers.Dense(2)(sloi.layers.BatchNormalization()(h)))
    model.compile(sloi.optimizers.Adam(1e-2), "mse")
    return model


def make_seeds(folder: str) -> dict:
    """``{kind: bytes}``: the seed files, written by sloi."""
    import numpy as np
    import torch

    from sloi.saving.training_state import save_training_state

    torch.set_num_threads(1)
    model = _model()
    x = np.random.default_rng(0).normal(size=(16, 5)).astype("float32")
    model.fit(x, np.zeros((16, 2), "float32"), epochs=1, batch_size=8, verbose=0)
    for kind in KINDS:
        path = os.path.join(folder, SUFFIX[kind])
        if kind == "backup":
            save_training_state(model, path, {"epoch": 1})
        elif kind.startswith("weights"):
            model.save_weights(path)
        else:
            model.save(path)
    seeds = {}
    for kind in KINDS:
        with open(os.path.join(folder, SUFFIX[kind]), "rb") as f:
            seeds[kind] = f.read()
    return seeds


# ---------------------------------------------------------------------------- crafting
def zip_bytes(members, compress=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``[(name, bytes)]`` (names may repeat)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compress) as zf:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name"
            for name, data in members:
                zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                            compress_type=compress)
    return buffer.getvalue()


def zip_members(data: bytes) -> list:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def deflate_bomb(size: int, byte: bytes = b"\0") -> bytes:
    """Raw deflate data inflating to ``size`` copies of ``byte``, made cheaply: the steady
    output of compressing one MiB is repeated (each MiB costs ~1 KB)."""
    chunk = byte * 2**20
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    middle = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert middle == again, "deflate output did not settle"
    count = size // 2**20
    return first + middle * (count - 1) + c.flush()


def zip_with_raw_member(members, name: str, raw: bytes, true_size: int, crc: int,
                        declared_size: int) -> bytes:
    """A zip of ``members`` plus ``name`` holding the raw deflate data ``raw``, whose headers
    declare ``declared_size`` (a lie when it differs from ``true_size``)."""
    placeholder = b"\0" * 8
    data = bytearray(zip_bytes(list(members) + [(name, placeholder)], zipfile.ZIP_STORED))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(name)
    # Rebuild by hand: the stored placeholder is swapped for the deflate data.
    local = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[local + 26:local + 30])
    start = local + 30 + name_len + extra_len
    out = data[:start] + raw + data[start + len(placeholder):]
    shift = len(raw) - len(placeholder)
    struct.pack_into("<H", out, local + 8, 8)  # method: deflated
    struct.pack_into("<III", out, local + 14, crc, len(raw), declared_size)
    # Central directory: find the entry for ``name`` and the end record.
    end = out.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", out[end + 12:end + 20])
    cd_offset += shift if cd_offset > local else 0
    struct.pack_into("<I", out, end + 16, cd_offset)
    pos = cd_offset
    while pos < end:
        n, e, c = struct.unpack("<HHH", out[pos + 28:pos + 34])
        entry_name = bytes(out[pos + 46:pos + 46 + n]).decode()
        if entry_name == name:
            struct.pack_into("<H", out, pos + 10, 8)
            struct.pack_into("<III", out, pos + 16, crc, len(raw), declared_size)
        else:
            (offset,) = struct.unpack("<I", out[pos + 42:pos + 46])
            if offset > local:
                struct.pack_into("<I", out, pos + 42, offset + shift)
        pos += 46 + n + e + c
    return bytes(out)


def bomb_zip(members, name: str, size: int, lie: bool, byte: bytes = b"\0") -> bytes:
    """``members`` plus ``name`` inflating to ``size`` bytes; with ``lie`` its headers say 1 KiB."""
    raw = deflate_bomb(size, byte)
    crc = 0
    if size <= 2**28:  # beyond, computing it costs seconds; a loader that inflates it all
        chunk = byte * 2**20  # fails the check at the end, after the damage is done
        for _ in range(size // 2**20):
            crc = zlib.crc32(chunk, crc)
    kept = [(n, d) for n, d in members if n != name]
    return zip_with_raw_member(kept, name, raw, size, crc, 1024 if lie else size)


def deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _json_paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_paths(v, path + (i,))


_ODD_VALUES = [-1, -5, 0, 2.5, -1.0, 1e308, "abc", "", None, True, [], {}, [1, "x"],
               {"__tensor__": "nope"}, {"__float__": "__import__('os')"}, {"__items__": 3},
               {"__tuple__": {}}, 10**40, "../../etc/passwd", {"class_name": "Lambda"}]


def mutate_json(data: bytes, rng: random.Random) -> bytes:
    """The JSON text ``data`` with one value (anywhere) replaced by an odd one."""
    try:
        value = json.loads(data)
    except ValueError:
        return data
    paths = list(_json_paths(value))
    path = rng.choice(paths[1:] or paths)
    odd = rng.choice(_ODD_VALUES)
    if not path:
        return json.dumps(odd).encode()
    target = value
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = odd
    return json.dumps(value).encode()


def mutate_safetensors_header(data: bytes, rng: random.Random) -> bytes:
    """A safetensors file whose header has one value replaced (shapes, offsets, dtypes...)."""
    if len(data) < 8:
        return data
    (size,) = struct.unpack("<Q", data[:8])
    header = data[8:8 + size]
    choice = rng.randrange(4)
    if choice == 0:
        new = mutate_json(header, rng)
    elif choice == 1:
        new = deep_json(rng.choice([200, 5000, 100000]))
    elif choice == 2:  # a huge shape, offsets unchanged
        try:
            value = json.loads(header)
            key = rng.choice([k for k in value if k != "__metadata__"])
            value[key]["shape"] = [200000, 20000]
            new = json.dumps(value).encode()
        except (ValueError, IndexError, TypeError):
            new = header
    else:  # the header size field lies
        return struct.pack("<Q", rng.choice([0, size + 1, 2**40, 2**64 - 1])) + data[8:]
    return struct.pack("<Q", len(new)) + new + data[8 + size:]


def flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 4, 8])):
        if out:
            out[rng.randrange(len(out))] ^= rng.randrange(1, 256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data))]


def crafted_zip(data: bytes, kind: str, rng: random.Random) -> tuple[str, bytes]:
    members = zip_members(data)
    names = [n for n, _ in members]
    json_names = [n for n in names if n.endswith(".json")]
    other = [n for n in names if not n.endswith(".json")]
    choice = rng.randrange(12)
    if choice == 0 and json_names:
        name = rng.choice(json_names)
        depth = rng.choice([100, 500, 1000, 100000])
        return f"deep {name} {depth}", zip_bytes(
            [(n, deep_json(depth) if n == name else d) for n, d in members])
    if choice == 1 and json_names:
        name = rng.choice(json_names)
        return f"odd value in {name}", zip_bytes(
            [(n, mutate_json(d, rng) if n == name else d) for n, d in members])
    if choice == 2:
        name = rng.choice(names)
        lie = rng.random() < 0.5
        size = rng.choice([2**30, 2**31]) if not lie else rng.choice([2**29, 2**30])
        byte = b" " if name.endswith(".json") else b"\0"
        return f"bomb {name} {size >> 20} MiB lie={lie}", bomb_zip(members, name, size, lie,
                                                                   byte)
    if choice == 3:
        name = rng.choice(names)
        return f"missing {name}", zip_bytes([(n, d) for n, d in members if n != name])
    if choice == 4:
        name = rng.choice(names)
        return f"twice {name}", zip_bytes(members + [(name, b"")])
    if choice == 5:
        bad = rng.choice(["../evil", "/abs", "a\\b", "c:x"])
        return f"unsafe {bad}", zip_bytes(members + [(bad, b"x")])
    if choice == 6 and other:
        name = rng.choice([n for n in other if n.endswith(".safetensors")] or other)
        member = dict(members)[name]
        changed = (mutate_safetensors_header(member, rng) if name.endswith(".safetensors")
                   else flip(member, rng))
        return f"header of {name}", zip_bytes([(n, changed if n == name else d)
                                               for n, d in members])
    if choice == 7:
        name = rng.choice(json_names or names)
        return f"whitespace {name}", zip_bytes(
            [(n, b" " * (20 * 2**20) + d if n == name else d) for n, d in members])
    if choice == 8 and rng.random() < 0.1:
        extra = [(f"x/{i}", b"") for i in range(60000)]
        return "60k members", zip_bytes(members + extra, zipfile.ZIP_STORED)
    if choice == 9:
        name = rng.choice(names)
        return f"not utf-8 {name}", zip_bytes([(n, b"\xff\xfe" + d if n == name else d)
                                               for n, d in members])
    if choice == 10:
        return "compression bzip2", zip_bytes(members, zipfile.ZIP_BZIP2)
    return "flip", flip(data, rng)


def make_case(seeds: dict, rng: random.Random, kinds=KINDS) -> tuple[str, str, bytes]:
    """``(kind, description, bytes)`` of one case, of one of ``kinds``."""
    kind = rng.choice(kinds)
    data = seeds[kind]
    roll = rng.random()
    if roll < 0.3:
        return kind, "truncate", truncate(data, rng)
    if roll < 0.6 or kind in ("h5", "weights_h5"):
        return kind, "flip", flip(data, rng)
    if kind == "weights_safetensors":
        return kind, "header", mutate_safetensors_header(data, rng)
    description, damaged = crafted_zip(data, kind, rng)
    return kind, description, damaged


def _replace_json(members, name: str, edit) -> list:
    out = []
    for n, d in members:
        if n == name:
            value = json.loads(d)
            edit(value)
            d = json.dumps(value).encode()
        out.append((n, d))
    return out


def _set_param_group(key, value):
    def edit(state):
        state["torch_optimizer"]["param_groups"][0][key] = value
    return edit


def h5_edit(data: bytes, edit) -> bytes:
    """The HDF5 file ``data`` after ``edit(h5py.File)``, made in memory."""
    import h5py

    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as f:
        edit(f)
    return buffer.getvalue()


def _declare_huge(path: str):
    """Swap the dataset at ``path`` for a (200000, 20000) float32 one (15 GB declared, a few
    KB stored: chunked, no chunk written)."""
    def edit(f):
        del f[path]
        f.create_dataset(path, (200000, 20000), "float32", chunks=(1000, 1000))
    return edit


def _legacy_kernel(f) -> str:
    group = f["model_weights/dense"]
    name = group.attrs["weight_names"][0]
    return f"model_weights/dense/{name.decode() if isinstance(name, bytes) else name}"


def _dense_units(units):
    """A config edit: every Dense layer gets ``units``."""
    def edit(value):
        if isinstance(value, dict):
            if value.get("class_name") == "Dense" and isinstance(value.get("config"), dict):
                value["config"]["units"] = units
            for item in value.values():
                edit(item)
        elif isinstance(value, list):
            for item in value:
                edit(item)
    return edit


def _h5_config(edit):
    def change(f):
        config = json.loads(f.attrs["model_config"])
        edit(config)
        f.attrs["model_config"] = json.dumps(config)
    return change


def damaged_string_datatype(data: bytes) -> bytes:
    """The HDF5 file ``data`` with the datatype of its ``keras_version`` attribute made an
    invalid kind of variable-length type (3 bits of one byte): h5py's ``attrs[...]`` dies
    with a segmentation fault on it (h5py 3.16, libhdf5 2.0)."""
    import h5py

    with h5py.File(io.BytesIO(data), "r") as f:
        version = f.attrs["keras_version"]
    version = version.encode() if isinstance(version, str) else bytes(version)
    # A variable-length string datatype message: class 9 version 1, string, 16 bytes.
    pattern = re.compile(rb"\x19[\x00-\x0f][\x00-\x0f]\x00\x10\x00\x00\x00")
    name = data.index(b"keras_version\0")
    found = [m.start() for m in pattern.finditer(data) if m.start() > name]
    if not found:
        raise ValueError("no string datatype after the keras_version attribute's name")
    out = bytearray(data)
    out[found[0] + 1] ^= 0x02  # variable-length kind 1 (string) becomes 3 (undefined)
    return bytes(out)


def huge_text_length(data: bytes) -> bytes:
    """The HDF5 file ``data`` whose ``training_config`` text declares a length of about 4 GiB
    (one byte changed): libhdf5 allocates and touches that much before it finds the text is
    shorter."""
    import h5py

    with h5py.File(io.BytesIO(data), "r") as f:
        text = f.attrs["training_config"]
    size = len(text.encode() if isinstance(text, str) else bytes(text))
    pattern = re.compile(rb"\x19[\x00-\x0f][\x00-\x0f]\x00\x10\x00\x00\x00")
    name = data.index(b"training_config\0")
    start = next(m.start() for m in pattern.finditer(data) if m.start() > name)
    # attribute message version 1: the datatype (20 bytes, padded to 24), a scalar
    # dataspace (8), then the value: its length (4 bytes, little-endian) and heap address
    length_at = start + 24 + 8
    if int.from_bytes(data[length_at:length_at + 4], "little") != size:
        raise ValueError("the training_config value is not where a version 1 attribute "
                         "message keeps it")
    out = bytearray(data)
    out[length_at + 3] = 0xFF
    return bytes(out)


def hostile_cases(seeds: dict) -> list:
    """``[(kind, description, bytes)]``: the hostile files of issue 17, by name."""
    sloi_members = zip_members(seeds["sloi"])
    backup_members = zip_members(seeds["backup"])
    header_size = struct.unpack("<Q", seeds["weights_safetensors"][:8])[0]
    deep_header = deep_json(100000)
    return [
        ("sloi", "zip bomb: model.safetensors inflates to 2 GiB (true header)",
         bomb_zip(sloi_members, "model.safetensors", 2**31, lie=False)),
        ("sloi", "zip bomb: model.safetensors inflates to 2 GiB (header says 1 KiB)",
         bomb_zip(sloi_members, "model.safetensors", 2**31, lie=True)),
        ("sloi", "config.json with 1 GiB of whitespace (deflated)",
         bomb_zip(sloi_members, "config.json", 2**30, lie=False, byte=b" ")),
        ("sloi", "config.json nested 100000 deep",
         zip_bytes([(n, deep_json(100000) if n == "config.json" else d)
                    for n, d in sloi_members])),
        ("sloi", "metadata.json nested 100000 deep",
         zip_bytes([(n, deep_json(100000) if n == "metadata.json" else d)
                    for n, d in sloi_members])),
        ("sloi", "optimizer.json nested 500 deep",
         zip_bytes([(n, deep_json(500) if n == "optimizer.json" else d)
                    for n, d in sloi_members])),
        ("weights_safetensors", "safetensors header nested 100000 deep",
         struct.pack("<Q", len(deep_header)) + deep_header
         + seeds["weights_safetensors"][8 + header_size:]),
        ("sloi", "optimizer.json learning_rate -1.0",
         zip_bytes(_replace_json(sloi_members, "optimizer.json",
                                 lambda s: s.__setitem__("learning_rate", -1.0)))),
        ("sloi", "optimizer.json iterations -5",
         zip_bytes(_replace_json(sloi_members, "optimizer.json",
                                 lambda s: s.__setitem__("iterations", -5)))),
        ("sloi", 'optimizer.json betas "abc"',
         zip_bytes(_replace_json(sloi_members, "optimizer.json",
                                 _set_param_group("betas", "abc")))),
        ("sloi", "60k members, one of them twice",
         zip_bytes(sloi_members + [(f"x/{i}", b"") for i in range(60000)] + [("x/0", b"")],
                   zipfile.ZIP_STORED)),
        ("backup", "backup without optimizer.json / optimizer.safetensors",
         zip_bytes([(n, d) for n, d in backup_members if not n.startswith("optimizer")])),
        ("backup", "backup: state.json epoch \"x\"",
         zip_bytes(_replace_json(backup_members, "state.json",
                                 lambda s: s["progress"].__setitem__("epoch", "x")))),
        ("backup", "backup: optimizer.json learning_rate -1.0",
         zip_bytes(_replace_json(backup_members, "optimizer.json",
                                 lambda s: s.__setitem__("learning_rate", -1.0)))),
        ("h5", ".h5: keras_version's string datatype damaged (3 bits)",
         damaged_string_datatype(seeds["h5"])),
        ("h5", ".h5: training_config's length says 4 GiB (1 byte)",
         huge_text_length(seeds["h5"])),
        ("weights_h5", ".weights.h5: a kernel declares (200000, 20000) float32",
         h5_edit(seeds["weights_h5"], _declare_huge("layers/dense/vars/0"))),
        ("h5", ".h5: a kernel declares (200000, 20000) float32",
         h5_edit(seeds["h5"], lambda f: _declare_huge(_legacy_kernel(f))(f))),
        ("sloi", "config: Dense(units=300000000)",
         zip_bytes(_replace_json(sloi_members, "config.json", _dense_units(300000000)))),
        ("sloi", "config: Dense(units=10**12)",
         zip_bytes(_replace_json(sloi_members, "config.json", _dense_units(10**12)))),
        ("keras", "config: Dense(units=300000000)",
         zip_bytes(_replace_json(zip_members(seeds["keras"]), "config.json",
                                 _dense_units(300000000)))),
        ("h5", "model_config: Dense(units=300000000)",
         h5_edit(seeds["h5"], _h5_config(_dense_units(300000000)))),
        ("sloi", "config: Dense(units=-1)",
         zip_bytes(_replace_json(sloi_members, "config.json", _dense_units(-1)))),
    ]


# ---------------------------------------------------------------------------- running
def load(kind: str, path: str) -> str:
    """Load ``path`` with the loader of ``kind``; returns what was loaded."""
    import sloi
    from sloi.saving.training_state import load_training_state

    if kind in ("sloi", "keras", "h5"):
        model = sloi.models.load_model(path)
        return type(model).__name__
    model = _model()
    if kind == "backup":
        return repr(load_training_state(model, path))
    model.load_weights(path)
    return "weights"


def _vm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(kind: str, path: str, write_fd: int) -> None:
    import torch

    # A cap on the address space: a bomb that gets through fails fast, not the machine.
    cap = _vm_bytes() + 3 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))

    torch.set_num_threads(1)
    from sloi.saving import FileFormatError

    os.write(write_fd, struct.pack("<d", _rss_mb()))  # the child's own baseline
    try:
        result = ("loaded", load(kind, path))
    except FileFormatError as e:
        result = ("FileFormatError", str(e)[:300])
    except BaseException as e:  # noqa: BLE001 - every other exception is what we look for
        result = ("other", f"{type(e).__name__}: {str(e)[:300]}")
    os.write(write_fd, pickle.dumps(result))
    os._exit(0)


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_case(kind: str, data: bytes, folder: str, time_limit=TIME_LIMIT_S) -> dict:
    """Load ``data`` as a ``kind`` file in a forked child; its outcome, seconds and peak MB
    over this process."""
    path = os.path.join(folder, SUFFIX[kind])
    with open(path, "wb") as f:
        f.write(data)
    baseline = _rss_mb()  # replaced by the child's own, once it has sent it
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            _child(kind, path, write_fd)
        finally:
            os._exit(1)
    os.close(write_fd)
    chunks, timed_out = [], False
    os.set_blocking(read_fd, False)
    while True:
        try:
            chunk = os.read(read_fd, 65536)
            if chunk:
                chunks.append(chunk)
        except BlockingIOError:
            chunk = None
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.perf_counter() - start > time_limit:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            timed_out = True
            break
        if chunk is None:
            time.sleep(0.002)
    seconds = time.perf_counter() - start
    try:
        while True:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    except BlockingIOError:
        pass
    os.close(read_fd)
    raw = b"".join(chunks)
    if len(raw) >= 8:
        (baseline,) = struct.unpack("<d", raw[:8])
        chunks = [raw[8:]] if len(raw) > 8 else []
    else:
        chunks = []
    peak = usage.ru_maxrss / 1024 - baseline
    if timed_out:
        outcome, message = "over", f"over {time_limit} s"
    elif os.WIFSIGNALED(status):
        outcome, message = "crash", f"signal {os.WTERMSIG(status)}"
    elif not chunks:
        outcome, message = "crash", f"exit {os.WEXITSTATUS(status)} without a result"
    else:
        outcome, message = pickle.loads(b"".join(chunks))
    if outcome == "other" and message.startswith("MemoryError"):
        outcome = "over"
    if outcome != "crash" and peak > MEMORY_LIMIT_MB:
        outcome, message = "over", f"{peak:.0f} MB; " + message
    return {"kind": kind, "outcome": outcome, "message": message, "seconds": round(seconds, 3),
            "peak_mb": round(peak, 1)}


def fuzz(cases: int, seed: int, progress=False, hostile=False, time_limit=TIME_LIMIT_S,
         kinds=KINDS, save_bugs=None) -> list:
    """The results of ``cases`` random cases of ``kinds`` (after the named hostile files,
    with ``hostile``); with ``save_bugs`` (a folder), each bug's file is kept there."""
    with tempfile.TemporaryDirectory() as folder:
        seeds = make_seeds(folder)
        results = []
        if hostile:
            for kind, description, data in hostile_cases(seeds):
                result = run_case(kind, data, folder, time_limit)
                result.update(case="hostile", description=description, size=len(data))
                results.append(result)
                if progress:
                    print(f"{description[:62]:62} {len(data) / 2**20:6.2f} MB file  "
                          f"{result['outcome']:15} {result['seconds']:6.2f} s "
                          f"{result['peak_mb']:8.1f} MB  {result['message'][:110]}",
                          flush=True)
        rng = random.Random(seed)
        for i in range(cases):
            kind, description, data = make_case(seeds, rng, kinds)
            result = run_case(kind, data, folder, time_limit)
            result.update(case=i, description=description, size=len(data))
            results.append(result)
            if save_bugs and result["outcome"] in ("other", "crash", "over"):
                os.makedirs(save_bugs, exist_ok=True)
                with open(os.path.join(save_bugs, f"{i}-{SUFFIX[kind]}"), "wb") as f:
                    f.write(data)
            if progress and (i + 1) % 100 == 0:
                print(f"{i + 1} cases: {dict(Counter(r['outcome'] for r in results))}",
                      file=sys.stderr, flush=True)
    return results


def summary(results: list) -> dict:
    return {
        "cases": len(results),
        "outcomes": dict(Counter(r["outcome"] for r in results)),
        "by_kind": {k: dict(Counter(r["outcome"] for r in results if r["kind"] == k))
                    for k in KINDS},
        "max_seconds": max((r["seconds"] for r in results), default=0),
        "max_peak_mb": max((r["peak_mb"] for r in results), default=0),
        "bugs": [r for r in results if r["outcome"] in ("other", "crash", "over")],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write every case's result to this file")
    parser.add_argument("--hostile", action="store_true",
                        help="first run the named hostile files of issue 17 (a table)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S)
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"the kinds of file to damage, comma-separated ({', '.join(KINDS)})")
    parser.add_argument("--save-bugs", metavar="FOLDER",
                        help="write the file of every crash, error or case over the limits here")
    args = parser.parse_args(argv)
    kinds = tuple(args.kinds.split(","))
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"--kinds: unknown {unknown}; choose from {', '.join(KINDS)}")
    start = time.perf_counter()
    results = fuzz(args.cases, args.seed, True, args.hostile, args.time_limit, kinds,
                   args.save_bugs)
    report = summary(results)
    report["wall_seconds"] = round(time.perf_counter() - start, 1)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"summary": report, "results": results}, f, indent=1)
    bugs = report.pop("bugs")
    print(json.dumps(report, indent=1))
    for bug in bugs[:50]:
        print(f"{bug['kind']:20} {bug['description'][:40]:40} {bug['outcome']:6} "
              f"{bug['seconds']:6.2f}s {bug['peak_mb']:7.1f}MB {bug['message'][:150]}")
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
