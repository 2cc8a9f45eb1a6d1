import io
import os
import zipfile

import pytest

from sloi.saving import FileFormatError, archive


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_members_are_read_by_exact_name_into_memory(tmp_path):
    archive.write_zip(tmp_path / "a.zip", {"x.json": b"1", "y.bin": b"22"})
    data = (tmp_path / "a.zip").read_bytes()
    assert archive.read_zip(data, "a.zip", ("x.json", "z"), ("x.json",), "a test file") == {
        "x.json": b"1"}
    assert sorted(os.listdir(tmp_path)) == ["a.zip"]


@pytest.mark.parametrize("name", ["../up", "/abs", "a/../../b", "c:/win", "a\\b"])
def test_unsafe_member_names_refuse_the_archive(name):
    with pytest.raises(FileFormatError, match="could point outside a folder"):
        archive.read_zip(_zip({"ok": b"", name: b""}), "a.zip", ("ok",), (), "a test file")


def test_repeated_and_missing_members():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf, pytest.warns(UserWarning):
        zf.writestr("x", b"1")
        zf.writestr("x", b"2")
    with pytest.raises(FileFormatError, match=r"holds members \['x'\] twice"):
        archive.read_zip(buffer.getvalue(), "a.zip", ("x",), (), "a test file")
    with pytest.raises(FileFormatError, match=r"expected members \['y'\], missing \['y'\]"):
        archive.read_zip(_zip({"x": b""}), "a.zip", ("y",), ("y",), "a test file")


def test_damaged_member_data_fails_its_crc():
    data = bytearray(_zip({"x": b"hello world"}))
    data[data.index(b"hello")] ^= 1
    with pytest.raises(FileFormatError, match='member "x" of the archive is damaged'):
        archive.read_zip(bytes(data), "a.zip", ("x",), ("x",), "a test file")


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "f"
    archive.atomic_write_bytes(path, b"old")

    def fail(f):
        f.write(b"half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        archive.atomic_write(path, fail)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["f"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        archive.atomic_write_bytes(tmp_path / "no" / "f", b"")
