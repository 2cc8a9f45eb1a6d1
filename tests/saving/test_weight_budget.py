"""A model built from a file's config may take no more memory than the file's weights
justify, and a config value a constructor refuses is a FileFormatError naming the file, the
layer and the field. (Peak memory of these files is measured in forked children by the fuzz
harness's named hostile files: tests/saving/test_fuzz.py.)"""

import json
import re
import zipfile

import h5py
import numpy as np
import pytest

import sloi
from sloi.saving import FileFormatError


def _small():
    x = sloi.Input((5,))
    return sloi.Model(x, sloi.layers.Dense(4)(x))


def _set_units(config, value, field="units"):
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Dense":
            layer["config"][field] = value


def _edited_archive(src, dst, edit):
    with zipfile.ZipFile(src) as z:
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in members:
            if name == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            z.writestr(name, data)


def _hostile(tmp_path, suffix, units, field="units"):
    _small().save(tmp_path / f"ok{suffix}")
    path = tmp_path / f"hostile{suffix}"
    if suffix == ".h5":
        path.write_bytes((tmp_path / f"ok{suffix}").read_bytes())
        with h5py.File(path, "a") as f:
            config = json.loads(f.attrs["model_config"])
            _set_units(config, units, field)
            f.attrs["model_config"] = json.dumps(config)
    else:
        _edited_archive(tmp_path / f"ok{suffix}", path, lambda c: _set_units(c, units, field))
    return path


@pytest.mark.parametrize("suffix", [".sloi", ".keras", ".h5"])
@pytest.mark.parametrize("units, shape", [(300_000_000, "(5, 300000000)"),
                                          (10**12, "(5, 1000000000000)")])
def test_a_config_asking_for_more_than_the_file_holds_is_refused(tmp_path, suffix, units,
                                                                 shape):
    path = _hostile(tmp_path, suffix, units)
    assert path.stat().st_size < 30_000
    with pytest.raises(FileFormatError, match=rf'"{re.escape(str(path))}": layer "dense(_\d+)?" \(Dense\) would '
                                              rf'create the weight "kernel" of shape '
                                              rf"{re.escape(shape)}.*Nothing was "
                                              r"allocated"):
        sloi.models.load_model(path)


@pytest.mark.parametrize("suffix", [".sloi", ".keras", ".h5"])
@pytest.mark.parametrize("field, value, said", [("units", -1, "units=-1"),
                                               ("units", "x", "units='x'"),
                                               ("use_bias", "no", "use_bias='no'")])
def test_a_refused_config_value_names_the_file_the_layer_and_the_field(tmp_path, suffix, field,
                                                                       value, said):
    path = _hostile(tmp_path, suffix, value, field)
    with pytest.raises(FileFormatError, match=rf'^"{re.escape(str(path))}": the config does not describe a '
                                              rf"model sloi can build \(RebuildError: Cannot "
                                              rf'rebuild "dense(_\d+)?" \(Dense\) from its '
                                              rf"config \(field {said}\)"):
        sloi.models.load_model(path)


@pytest.mark.parametrize("suffix", [".sloi", ".keras", ".h5"])
def test_files_whose_weights_fill_the_model_load(tmp_path, suffix):
    # 2 x 4 MB of weights; the budget is 2 x what the file holds + 64 MiB
    x = sloi.Input((1000,))
    model = sloi.Model(x, sloi.layers.Dense(1000)(sloi.layers.Dense(1000)(x)))
    model.save(tmp_path / f"m{suffix}")
    loaded = sloi.models.load_model(tmp_path / f"m{suffix}")
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
