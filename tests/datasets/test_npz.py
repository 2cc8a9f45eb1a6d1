import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from sloi.datasets import _npz
from tests.datasets import tiny_files


def _npz_with_pickle(path, key, array, protocol, old_numpy_name=False):
    """An .npz whose ``key`` holds ``array`` pickled with ``protocol`` (numpy's own layout:
    a version-1.0 .npy header, then the pickle stream)."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(stream, np.lib.format.header_data_from_array_1_0(array))
    body = pickle.dumps(array, protocol=protocol)
    if old_numpy_name:  # as numpy < 2 and Python 2 wrote it
        body = body.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{key}.npy", stream.getvalue() + body)


@pytest.mark.parametrize("protocol, old_name", [(2, False), (2, True), (3, False), (4, False),
                                                (5, False)])
def test_object_arrays_decoded_without_pickle(tmp_path, protocol, old_name):
    rng = np.random.default_rng(0)
    array = tiny_files.ragged(rng, 20, high=100000)
    array[4] = []
    array[5] = [2 ** 40, -7]
    path = str(tmp_path / "x.npz")
    _npz_with_pickle(path, "x", array, protocol, old_name)
    decoded = _npz.read_npz(path)["x"]
    assert decoded.dtype == object and decoded.shape == (20,)
    assert [list(v) for v in decoded] == [list(v) for v in array]
    assert all(type(v) is list for v in decoded)


def test_numpy_savez_layout_numeric_and_nested_arrays(tmp_path):
    nested = np.empty(3, dtype=object)
    nested[0] = np.arange(4, dtype=">i4")
    nested[1] = np.array([1.5, 2.5])
    nested[2] = [1, 2]
    path = str(tmp_path / "mixed.npz")
    np.savez(path, n=nested, plain=np.arange(6).reshape(2, 3))
    arrays = _npz.read_npz(path)
    np.testing.assert_array_equal(arrays["plain"], np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(arrays["n"][0], np.arange(4))
    assert arrays["n"][0].dtype == np.dtype(">i4")
    np.testing.assert_array_equal(arrays["n"][1], [1.5, 2.5])
    assert arrays["n"][2] == [1, 2]


def test_a_code_running_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    payload = np.empty(1, dtype=object)
    payload[0] = Exploit()
    path = str(tmp_path / "evil.npz")
    np.savez(path, x=payload)
    with pytest.raises(ValueError, match=r"evil.npz, array 'x': refused .*names "
                                         r"'(posix|nt|os)\.system'"):
        _npz.read_npz(path)
    assert not marker.exists()


def test_other_objects_are_refused(tmp_path):
    payload = np.empty(1, dtype=object)
    payload[0] = {"a": 1}  # a dict: not what a data set holds
    path = str(tmp_path / "dict.npz")
    np.savez(path, x=payload)
    with pytest.raises(ValueError, match="refused to read this pickled array .*EMPTY_DICT"):
        _npz.read_npz(path)


def test_flat_copy_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {"x": tiny_files.ragged(rng, 7), "y": np.arange(7)}
    arrays["x"][1] = []
    path = str(tmp_path / "flat.sloi.npz")
    _npz.write_flat_npz(path, arrays, "sha256:abc")
    assert os.listdir(tmp_path) == ["flat.sloi.npz"]  # no temporary file left
    back, digest = _npz.read_flat_npz(path)
    assert digest == "sha256:abc"
    assert [list(v) for v in back["x"]] == [list(v) for v in arrays["x"]]
    np.testing.assert_array_equal(back["y"], arrays["y"])
    with np.load(path, allow_pickle=False) as f:  # plain arrays only
        assert all(f[k].dtype != object for k in f.files)


def test_flat_copy_refuses_non_integer_sequences(tmp_path):
    array = np.empty(2, dtype=object)
    array[0], array[1] = [1.5], [2]
    with pytest.raises(ValueError, match="array 'x' holds float64 items"):
        _npz.write_flat_npz(str(tmp_path / "f.npz"), {"x": array}, "d")
