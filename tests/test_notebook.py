"""sloi.notebook: what sloi shows in a Jupyter kernel, run in a real kernel through nbclient
(the progress bar, summary's table, plot_model's picture, filtered tracebacks), and the plain
behaviour everywhere else."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import sloi
from sloi import notebook

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_no_notebook_outside_a_kernel():
    assert not notebook.in_notebook()
    assert not notebook.rich_display_enabled()
    # sloi's import does not import IPython (a kernel has it already; nothing else needs it)
    code = "import sys, sloi; print('IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == "False"


def _error_through_sloi():
    model = sloi.Sequential([sloi.Input((4,)), sloi.layers.Dense(2)])
    model.compile("sgd", "mse")
    try:
        model.fit(np.zeros((3, 5), "float32"), np.zeros((3, 2), "float32"), verbose=0)
    except ValueError as e:
        return e
    raise AssertionError("fit on the wrong shape did not raise")


def _files(tb):
    out = []
    while tb is not None:
        out.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    return out


def test_filtered_traceback_keeps_the_users_frame_and_the_raising_one():
    error = _error_through_sloi()
    before = _files(error.__traceback__)
    assert sum(notebook.is_internal_frame(f) for f in before) >= 3  # fit's own frames
    after = _files(notebook.filtered_traceback(error.__traceback__))
    assert after[0] == __file__  # the user's frame
    assert notebook.is_internal_frame(after[-1])  # where sloi raised, with its message
    assert not any(notebook.is_internal_frame(f) for f in after[:-1])
    assert not any(f.endswith(os.path.join("torch", "nn", "modules", "module.py"))
                   for f in after)


def test_html_table_escapes_and_aligns():
    text = notebook.html_table('Model: "m"', ["Layer (type)", "Param #"],
                               [["a<b> (Dense)", "1,000"]], [" Total params: 1,000"],
                               align_right={1})
    assert "a&lt;b&gt; (Dense)" in text and "Model: &quot;m&quot;" in text
    assert '<td style="text-align:right">1,000</td>' in text
    assert "<div>Total params: 1,000</div>" in text


# ------------------------------------------------------------------ in a real kernel
KERNEL_CELLS = [
    """
    import numpy as np, sloi
    model = sloi.Sequential([sloi.Input((4,)), sloi.layers.Dense(3, name="hidden"),
                             sloi.layers.Dense(1, name="out")], name="small")
    model.compile("adam", "mse")
    history = model.fit(np.zeros((512, 4), "float32"), np.zeros((512, 1), "float32"),
                        epochs=3, batch_size=4)
    """,
    "model.summary()",
    "sloi.utils.plot_model(model, to_file='small.svg', show_shapes=True)",
    "model.fit(np.zeros((3, 5), 'float32'), np.zeros((3, 1), 'float32'))",
    "sloi.config.disable_traceback_filtering()\n"
    "model.fit(np.zeros((3, 5), 'float32'), np.zeros((3, 1), 'float32'))",
]


@pytest.fixture(scope="module")
def kernel_outputs(tmp_path_factory):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(c).strip())
                                         for c in KERNEL_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = path
    try:
        work = tmp_path_factory.mktemp("kernel")
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(work)}}).execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = old
    return [cell.outputs for cell in nb.cells]


def rendered_lines(outputs) -> list[str]:
    """The lines a front end shows for these outputs: a stream's carriage returns redraw its
    line; a display shows its text."""
    lines = []
    for out in outputs:
        if out["output_type"] == "stream":
            for line in out["text"].split("\n"):
                if line.strip():
                    lines.append(line.split("\r")[-1])
        elif out["output_type"] in ("display_data", "execute_result"):
            lines += [x for x in out["data"].get("text/plain", "").split("\n") if x.strip()]
    return lines


def test_progress_bar_updates_in_place(kernel_outputs):
    outputs = kernel_outputs[0]
    lines = rendered_lines(outputs)
    assert [x for x in lines if x.startswith("Epoch")] == ["Epoch 1/3", "Epoch 2/3",
                                                          "Epoch 3/3"]
    bars = [x for x in lines if "━" in x]
    assert len(bars) == 3 and all(b.startswith("128/128 ") for b in bars)
    assert len(lines) <= 3 * 3
    # nothing of the redraws is stored: no carriage returns, one display per epoch
    assert not any("\r" in out.get("text", "") for out in outputs)
    assert sum(out["output_type"] == "display_data" for out in outputs) == 3


def test_summary_is_a_table_with_the_same_text(kernel_outputs):
    (out,) = kernel_outputs[1]
    here = sloi.Sequential([sloi.Input((4,)), sloi.layers.Dense(3, name="hidden"),
                            sloi.layers.Dense(1, name="out")], name="small")
    printed = []
    here.summary(print_fn=printed.append)
    assert out["data"]["text/plain"] == "\n".join(printed)
    html = out["data"]["text/html"]
    assert html.count("<tr>") == 1 + 2  # the header and a row per layer
    assert "hidden (Dense)" in html and ">15<" in html and "Total params: 19" in html


def test_plot_model_displays_as_svg(kernel_outputs):
    (out,) = kernel_outputs[2]
    svg = out["data"]["image/svg+xml"]
    assert svg.lstrip().startswith("<svg") and "hidden (Dense)" in svg


def _frames(error_output):
    text = ANSI.sub("", "\n".join(error_output["traceback"]))
    return re.findall(r"^File (\S+?):\d+", text, flags=re.M), text


def test_errors_hide_sloi_frames_until_switched_off(kernel_outputs):
    (filtered,) = kernel_outputs[3]
    (full,) = kernel_outputs[4]
    assert filtered["output_type"] == full["output_type"] == "error"
    assert filtered["evalue"] == full["evalue"]
    assert 'expects input "input_layer" of shape (None, 4)' in filtered["evalue"]
    files, text = _frames(filtered)
    sloi_dir = str(ROOT / "sloi")
    assert "Cell In[4], line 1" in text  # the user's line
    assert len([f for f in files if f.startswith(sloi_dir)]) == 1  # where it was raised
    assert not any("torch/nn/modules" in f for f in files)
    full_files, _ = _frames(full)
    assert len([f for f in full_files if f.startswith(sloi_dir)]) >= 3

