"""Does tf.keras 2 (the ``tf_keras`` package on TensorFlow) read the legacy ``.h5`` files sloi
writes? A check run by hand, since TensorFlow is no test dependency of sloi.

sloi (this interpreter) writes each model of ``tests/saving/test_keras_writer.py``'s lecture
list as ``model.h5`` and ``model.weights.h5``-free legacy weights (``save_weights("w.h5")``),
with an input batch and its outputs; the interpreter given with ``--tf-python`` (an environment
with ``tensorflow`` and ``tf_keras``) loads each with ``tf_keras.models.load_model`` and
predicts, and the largest difference is printed per model.

    python tools/check_tf_keras.py --tf-python /path/to/env/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

READER = r"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tf_keras
results = {}
for name in json.load(open(os.path.join(sys.argv[1], "names.json"))):
    folder = os.path.join(sys.argv[1], name)
    data = np.load(os.path.join(folder, "io.npz"))
    inputs = [data[k] for k in sorted(data) if k.startswith("x")]
    expected = [data[k] for k in sorted(data) if k.startswith("y")]
    try:
        model = tf_keras.models.load_model(os.path.join(folder, "model.h5"), compile=False)
        got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        got = got if isinstance(got, list) else [got]
        results[name] = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected))
    except Exception as e:  # reported, not raised: the table shows every model
        results[name] = f"{type(e).__name__}: {str(e)[:200]}"
print(json.dumps(results))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf-python", required=True,
                        help="a Python with tensorflow and tf_keras installed")
    args = parser.parse_args()
    os.environ.setdefault("KERAS_BACKEND", "torch")
    sys.path.insert(0, ROOT)
    from tests.saving import test_keras_writer as writer

    with tempfile.TemporaryDirectory() as work:
        names = []
        for build in writer.LECTURE:
            model, x = build()
            name = build.__name__.lstrip("_")
            folder = os.path.join(work, name)
            os.makedirs(folder)
            model.save(os.path.join(folder, "model.h5"))
            xs = x if isinstance(x, list) else [x]
            ys = model.predict(x, verbose=0)
            ys = ys if isinstance(ys, list) else [ys]
            np.savez(os.path.join(folder, "io.npz"),
                     **{f"x{i}": v for i, v in enumerate(xs)},
                     **{f"y{i}": np.asarray(v) for i, v in enumerate(ys)})
            names.append(name)
        with open(os.path.join(work, "names.json"), "w") as f:
            json.dump(names, f)
        out = subprocess.run([args.tf_python, "-c", READER, work], capture_output=True,
                             text=True, check=False)
        if out.returncode != 0:
            sys.exit(f"the tf_keras reader failed:\n{out.stderr[-2000:]}")
        results = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{'model':34s} tf_keras 2 load + predict: max |difference|")
    for name, value in results.items():
        shown = f"{value:.2e}" if isinstance(value, float) else value
        print(f"{name:34s} {shown}")


if __name__ == "__main__":
    main()
