import io
import os
import stat
import subprocess
import sys
import time
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


# ---------------------------------------------------------------------------- bounded reading
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import fuzz_files  # noqa: E402  (tools/fuzz_files.py: cheap zip bombs)


def test_a_bomb_with_a_true_header_is_refused_before_inflating():
    data = fuzz_files.bomb_zip([("a.json", b"{}")], "w.bin", 2**31, lie=False)
    assert len(data) < 3 * 2**20
    with pytest.raises(FileFormatError, match=r'"a.zip" is refused: member "w.bin" declares '
                                              r"2147483648 bytes from \d+ compressed; expected "
                                              r"at most \d+ \(a possible decompression bomb\)"):
        archive.read_zip(data, "a.zip", ("a.json", "w.bin"), (), "a test file")


def test_a_bomb_with_a_lying_header_stops_at_the_declared_size():
    data = fuzz_files.bomb_zip([("a.json", b"{}")], "w.bin", 2**30, lie=True)
    with pytest.raises(FileFormatError, match=r'"a.zip": member "w.bin" of the archive is '
                                              "damaged .*CRC"):
        archive.read_zip(data, "a.zip", ("w.bin",), (), "a test file")


def test_a_json_member_is_capped_whatever_its_ratio():
    data = fuzz_files.bomb_zip([("x", b"")], "config.json", 2**30, lie=False, byte=b" ")
    with pytest.raises(FileFormatError, match=r'member "config.json" declares 1073741824 bytes '
                                              r"from \d+ compressed; expected at most 16777216"):
        archive.read_zip(data, "a.zip", ("config.json",), (), "a test file")
    small = _zip({"config.json": b" " * (archive.MAX_JSON_BYTES + 1)})
    with pytest.raises(FileFormatError, match="expected at most 16777216"):
        archive.read_zip(small, "a.zip", ("config.json",), (), "a test file")


def test_bombs_are_refused_with_little_memory(tmp_path):
    """Measured in a child process: peak RSS over its own baseline while refusing each."""
    script = f"""
import resource, sys
sys.path.insert(0, {os.path.join(ROOT, "tools")!r})
import fuzz_files
from sloi.saving import archive, FileFormatError
files = [fuzz_files.bomb_zip([], "w.bin", 2**31, lie=False),
         fuzz_files.bomb_zip([], "w.bin", 2**31, lie=True),
         fuzz_files.bomb_zip([], "config.json", 2**30, lie=False, byte=b" "),
         fuzz_files.bomb_zip([], "config.json", 2**30, lie=True, byte=b" ")]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for data in files:
    try:
        archive.read_zip(data, "a.zip", ("w.bin", "config.json"), (), "a test file")
        print("loaded")
    except FileFormatError:
        print("refused")
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)
"""
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout.split()
    assert out[:4] == ["refused"] * 4
    assert float(out[4]) < 300  # MB over the baseline; before: 2-3 GB


def test_only_stored_and_deflated_members_are_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as zf:
        zf.writestr("x", b"hello")
    with pytest.raises(FileFormatError, match=r'member "x" uses compression method 12; '
                                              r"expected stored \(0\) or deflated \(8\)"):
        archive.read_zip(buffer.getvalue(), "a.zip", ("x",), (), "a test file")


def test_the_duplicate_check_is_linear_and_members_are_counted_first():
    members = [(f"m/{i}", b"") for i in range(archive.MAX_MEMBERS - 1)] + [("m/7", b"")]
    data = fuzz_files.zip_bytes(members, zipfile.ZIP_STORED)
    start = time.perf_counter()
    with pytest.raises(FileFormatError, match=r"holds members \['m/7'\] twice"):
        archive.read_zip(data, "a.zip", (), (), "a test file")
    assert time.perf_counter() - start < 3  # before: names.count per name, 64 s for 60k
    data = fuzz_files.zip_bytes(members * 6, zipfile.ZIP_STORED)
    start = time.perf_counter()
    with pytest.raises(FileFormatError, match='"a.zip" is not a test file: its zip directory '
                                              "declares 60000 members; expected at most 10000"):
        archive.read_zip(data, "a.zip", (), (), "a test file")
    assert time.perf_counter() - start < 1  # refused before zipfile parses the directory


def test_parse_json_caps_depth_and_size():
    deepest = []
    for _ in range(99):
        deepest = [deepest]
    assert archive.parse_json(b"[" * 100 + b"]" * 100, "f", "m") == deepest  # 100 levels
    for text in (b"[" * 101 + b"]" * 101, b"[" * 100000 + b"]" * 100000,
                 b'{"a":' * 200 + b"1" + b"}" * 200):
        with pytest.raises(FileFormatError, match=r'"f": m is nested too deeply; expected JSON '
                                                  "at most 100 levels deep"):
            archive.parse_json(text, "f", "m")
    with pytest.raises(FileFormatError, match=r'"f": m holds 11 bytes of JSON; expected at '
                                              "most 10"):
        archive.parse_json(b" " * 10 + b"1", "f", "m", max_bytes=10)
    with pytest.raises(FileFormatError, match=r'"f": m is not valid JSON'):
        archive.parse_json(b"\xff", "f", "m")


# ---------------------------------------------------------------------------- leftovers
def test_saved_files_get_the_umask_mode_or_keep_their_own(tmp_path):
    old = os.umask(0o027)
    try:
        archive.atomic_write_bytes(tmp_path / "a", b"1")
        assert stat.S_IMODE(os.stat(tmp_path / "a").st_mode) == 0o640  # mkstemp gave 0600
        os.chmod(tmp_path / "a", 0o604)
        archive.write_zip(tmp_path / "a", {"x": b""})
        assert stat.S_IMODE(os.stat(tmp_path / "a").st_mode) == 0o604
    finally:
        os.umask(old)


def test_a_save_removes_stale_temporary_files_of_its_own_pattern(tmp_path):
    hour_ago = time.time() - 3700
    stale = [".m.sloi.abcd1234.sloi-tmp", ".other.sloi.zz_99xyz.sloi-tmp",
             ".m.sloi.k2j3h4g5.tmp"]  # the last: the name older sloi gave
    kept = [".other.sloi.k2j3h4g5.tmp", "notes.tmp", ".m.sloi.short.sloi-tmp", "m.sloi.bak"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    (tmp_path / ".m.sloi.fresh123.sloi-tmp").write_bytes(b"x")  # another save, going on now
    archive.write_zip(tmp_path / "m.sloi", {"x": b""})
    assert sorted(os.listdir(tmp_path)) == sorted(kept + ["m.sloi",
                                                          ".m.sloi.fresh123.sloi-tmp"])
