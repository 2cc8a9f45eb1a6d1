"""HDF5 from strangers: attributes and arrays are checked before libhdf5 converts or reads
them (sloi/saving/h5_reading.py)."""

import faulthandler
import os
import resource
import signal
import sys

import h5py
import numpy as np
import pytest

import sloi
from sloi.saving import FileFormatError, h5_reading
from sloi.saving.keras_import import load_keras_model, load_keras_weights

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(_ROOT, "tools"))
import fuzz_files  # noqa: E402


def _small():
    x = sloi.Input((5,))
    return sloi.Model(x, sloi.layers.Dense(4)(x))


@pytest.fixture
def files(tmp_path):
    model = _small()
    model.save(tmp_path / "m.h5")
    model.save_weights(tmp_path / "m.weights.h5")
    return model, tmp_path


def _forked(fn) -> tuple[int, str]:
    """``fn()`` in a forked child: ``(wait status, repr of its result or its error)``, so a
    crash kills the child, not the test run."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        faulthandler.disable()
        try:
            out = f"returned {fn()!r}"
        except BaseException as e:  # noqa: BLE001 - reported to the test
            out = f"{type(e).__name__}: {e}"
        os.write(write_end, out.encode()[:60000])  # fits the pipe: no reader needed yet
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as f:
        return status, f.read().decode()


def test_a_damaged_string_datatype_is_refused_where_h5py_crashes(files):
    model, folder = files
    damaged = fuzz_files.damaged_string_datatype((folder / "m.h5").read_bytes())
    (folder / "d.h5").write_bytes(damaged)
    # h5py's own attribute read dies on it (the crash issue 17 found, 3 bits of one byte)
    status, _ = _forked(lambda: h5py.File(folder / "d.h5", "r").attrs["keras_version"])
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV, status
    status, out = _forked(lambda: load_keras_model(folder / "d.h5"))
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, out)
    assert out == (f'FileFormatError: "{folder / "d.h5"}": the attribute \'keras_version\' of '
                   '"/" should hold text; it holds HDF5 variable-length values')


def test_an_attribute_that_is_not_text_is_refused(files):
    _, folder = files
    with h5py.File(folder / "m.h5", "a") as f:
        f.attrs["model_config"] = np.arange(3, dtype="int64")
    with pytest.raises(FileFormatError, match=r"the attribute 'model_config' of \"/\" should "
                                              r"hold text; it holds HDF5 integer values"):
        load_keras_model(folder / "m.h5")


def test_a_name_list_of_two_dimensions_is_refused(files):
    _, folder = files
    with h5py.File(folder / "m.h5", "a") as f:
        f["model_weights"].attrs["layer_names"] = np.array([[b"dense"]])
    with pytest.raises(FileFormatError, match=r"'layer_names' of \"/model_weights\" should be a "
                                              r"text or a list of texts; its dataspace is "
                                              r"2-dimensional"):
        load_keras_model(folder / "m.h5")


def test_fixed_length_text_attributes_are_read(files):
    # Keras 2 wrote model_config as a fixed-length byte string in some versions
    model, folder = files
    with h5py.File(folder / "m.h5", "a") as f:
        text = f.attrs["model_config"]
        f.attrs["model_config"] = np.bytes_(text.encode() if isinstance(text, str) else text)
    loaded = load_keras_model(folder / "m.h5", compile=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_shape_bomb_is_refused_by_its_declared_shape(files):
    """A 12 KB file declaring a (200000, 20000) float32 kernel: refused from its declared
    shape, so nothing is read (memory is measured by the fuzz harness's named hostile
    files, in tests/saving/test_fuzz.py)."""
    model, folder = files
    with h5py.File(folder / "m.weights.h5", "a") as f:
        fuzz_files._declare_huge("layers/dense/vars/0")(f)
    assert os.path.getsize(folder / "m.weights.h5") < 30_000
    before = model.get_weights()
    with pytest.raises(FileFormatError, match=r'weight "dense(_\d+)?/kernel" expects shape '
                                              r"\(5, 4\); the file has \(200000, 20000\)"):
        load_keras_weights(model, folder / "m.weights.h5")
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make, expected", [
    (lambda f: f.create_dataset("x", data=np.zeros(4, "float32"), compression="lzf"),
     r'"/x" is stored through HDF5 filter\(s\) \[32000\]; sloi reads unfiltered, deflate, '
     r"shuffle and fletcher32 arrays"),
    (lambda f: f.create_dataset("x", data=np.array([b"ab", b"cd"])),
     r'"/x" holds HDF5 string values of 2 bytes, not standard integers or floats'),
    (lambda f: f.create_dataset("x", data=np.zeros(2, [("a", "f4"), ("b", "i4")])),
     r'"/x" holds HDF5 compound values of 8 bytes'),
    (lambda f: f.create_dataset("x", shape=(3,), dtype="f4", external=[("ext.bin", 0, 12)]),
     r'the array "/x" is stored outside the file'),
    (lambda f: f.create_dataset("x", data=np.empty(())), None),  # h5py's Empty: a null space
])
def test_datasets_a_keras_file_never_holds_are_refused(tmp_path, make, expected):
    with h5py.File(tmp_path / "f.h5", "w") as f:
        if expected is None:
            f.create_dataset("x", data=h5py.Empty("f4"))
            expected = r'the array "/x" has no values \(a null dataspace\)'
        else:
            make(f)
    with h5py.File(tmp_path / "f.h5", "r") as f, pytest.raises(FileFormatError,
                                                               match=expected):
        h5_reading.declared(f["x"], "f.h5")


def test_declared_and_read_agree_with_h5py(tmp_path):
    values = np.arange(12, dtype=">f8").reshape(3, 4)  # big-endian, as some writers store
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.create_dataset("x", data=values, compression="gzip", shuffle=True)
    with h5py.File(tmp_path / "f.h5", "r") as f:
        found = h5_reading.declared(f["x"], "f.h5")
        assert found.shape == (3, 4) and found.dtype == np.dtype(">f8") and found.filtered
        assert found.held_bytes == 96  # deflate may expand, but not beyond the declared size
        out = h5_reading.read(found, "f.h5")
    np.testing.assert_array_equal(out, values)
    assert out.dtype == np.dtype("float64") and out.dtype.isnative


def test_held_bytes_count_what_is_stored_not_what_is_declared(tmp_path):
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.create_dataset("a/b", data=np.zeros((10, 10), "float32"))  # 400 bytes stored
        f.create_dataset("huge", (200000, 20000), "float32", chunks=(1000, 1000))  # none
        f["a/again"] = f["a/b"]  # a second hard link to the same array, counted once
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert list(h5_reading.datasets(f, "f.h5")) == ["a/again", "huge"] or list(
            h5_reading.datasets(f, "f.h5")) == ["a/b", "huge"]
        assert h5_reading.held_bytes(f, "f.h5") == 400


def test_a_group_that_links_to_itself_is_walked_once(tmp_path):
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f.create_dataset("g/x", data=np.zeros(3, "float32"))
        f["g/loop"] = f["g"]  # a hard link cycle
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert list(h5_reading.datasets(f, "f.h5")) == ["g/x"]


def test_a_text_whose_length_says_4_gib_is_refused_in_bounded_memory(files):
    # one byte of the stored length: libhdf5 allocated and touched 4 GB (28 s) before it
    # found the text shorter; the read now happens in a child capped at 256 MB
    model, folder = files
    model.compile("adam", "mse")  # a training_config to damage
    model.save(folder / "c.h5")
    (folder / "d.h5").write_bytes(fuzz_files.huge_text_length((folder / "c.h5").read_bytes()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(FileFormatError, match=r"cannot read the attribute 'training_config' "
                                              r'of "/" \(the file is damaged: OSError'):
        load_keras_model(folder / "d.h5")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300 * 1024


def test_isolated_reads_turn_crashes_and_errors_into_file_errors():
    assert h5_reading.isolated(lambda: ["a", "é"], "f.h5", "the text") == ["a", "é"]
    with pytest.raises(FileFormatError, match=r'"f.h5": reading the text killed the reading '
                                              r"process \(signal 11\)"):
        h5_reading.isolated(lambda: os.kill(os.getpid(), signal.SIGSEGV), "f.h5", "the text")
    with pytest.raises(FileFormatError, match=r'"f.h5": cannot read the text \(the file is '
                                              r"damaged: MemoryError"):
        h5_reading.isolated(lambda: len(bytearray(2**30)), "f.h5", "the text")  # over 256 MB


def _spin():
    while True:
        pass


def test_an_isolated_read_that_spins_is_stopped_by_its_cpu_limit():
    # one damaged byte (fuzz case 2928 of seed 17) made libhdf5 loop for ever inside the child;
    # the kernel stops it after CHILD_CPU_SECONDS of CPU, even if no parent is left to wait
    import time

    start = time.monotonic()
    with pytest.raises(FileFormatError, match=r'^"f.h5": reading the text took over 2 s of CPU '
                                              r"\(the file is damaged\)$"):
        h5_reading.isolated(_spin, "f.h5", "the text")
    assert time.monotonic() - start < h5_reading.CHILD_SECONDS
