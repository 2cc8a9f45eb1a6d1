"""Does tf.keras 2 (the ``tf_keras`` package on TensorFlow) read the legacy ``.h5`` files sloi
writes? A check run by hand (or by ``tests/saving/test_keras2_dialect.py`` when
``SLOI_TF_KERAS_PYTHON`` names such a Python), since TensorFlow is no test dependency of sloi.

sloi (this interpreter) writes each model of ``tests/saving/test_keras_writer.py``'s lecture
list and of ``tests/saving/test_keras2_dialect.py``'s list as ``model.h5``, with an input batch
and its outputs; the interpreter given with ``--tf-python`` (an environment with
``tensorflow`` and ``tf_keras``) loads each with ``tf_keras.models.load_model`` (compiling
it with the file's Adam and loss) and predicts, and the largest difference is printed per
model; then a clone of it with fresh weights loads ``save_weights("weights.h5")``'s file
(``<model> save_weights``). A model sloi writes in Keras 3's dialect (one with op nodes,
say: sloi warns when it saves it) is listed with that warning instead.

    python tools/check_tf_keras.py --tf-python /path/to/env/bin/python [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = " save_weights"  # the key of a model's weights-only (.h5) result

READER = r"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tf_keras
WEIGHTS = sys.argv[2]
results = {}
for name in json.load(open(os.path.join(sys.argv[1], "names.json"))):
    folder = os.path.join(sys.argv[1], name)
    data = np.load(os.path.join(folder, "io.npz"))
    inputs = [data[k] for k in sorted(data) if k.startswith("x")]
    expected = [data[k] for k in sorted(data) if k.startswith("y")]
    try:
        model = tf_keras.models.load_model(os.path.join(folder, "model.h5"))  # compiled
        got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        got = got if isinstance(got, list) else [got]
        results[name] = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected))
    except Exception as e:  # reported, not raised: the table shows every model
        results[name] = f"{type(e).__name__}: {str(e)[:200]}"
        continue
    try:  # the weights alone, into a copy with fresh weights
        twin = tf_keras.models.clone_model(model)
        twin.load_weights(os.path.join(folder, "weights.h5"))
        got = twin.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        got = got if isinstance(got, list) else [got]
        results[name + WEIGHTS] = max(float(np.max(np.abs(g - e)))
                                      for g, e in zip(got, expected))
    except Exception as e:
        results[name + WEIGHTS] = f"{type(e).__name__}: {str(e)[:200]}"
print(json.dumps(results))
"""


def _models():
    from tests.saving import test_keras2_dialect as dialect
    from tests.saving import test_keras_writer as writer

    seen, builds = set(), []
    for build in writer.LECTURE + dialect.TF_KERAS_2:
        if build.__name__ not in seen:
            seen.add(build.__name__)
            builds.append(build)
    return builds, dialect.randomized


def check(tf_python: str) -> dict:
    """{model name: max |difference| of tf.keras 2's predictions, or why it did not load}."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    sys.path.insert(0, ROOT)
    builds, randomized = _models()
    results, names = {}, []
    with tempfile.TemporaryDirectory() as work:
        for build in builds:
            model, x = build()
            randomized(model)
            model.compile(optimizer="adam", loss="mse")  # tf.keras 2 compiles what it loads
            name = build.__name__.lstrip("_")
            folder = os.path.join(work, name)
            os.makedirs(folder)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model.save(os.path.join(folder, "model.h5"))
            model.save_weights(os.path.join(folder, "weights.h5"))
            dialect = [str(w.message) for w in caught if "Keras 3's dialect" in str(w.message)]
            if dialect:
                results[name] = "written in Keras 3's dialect: " + dialect[0].split(": ", 1)[1]
                continue
            xs = x if isinstance(x, list) else [x]
            ys = model.predict(x, verbose=0)
            ys = ys if isinstance(ys, list) else [ys]
            np.savez(os.path.join(folder, "io.npz"),
                     **{f"x{i}": v for i, v in enumerate(xs)},
                     **{f"y{i}": np.asarray(v) for i, v in enumerate(ys)})
            names.append(name)
        with open(os.path.join(work, "names.json"), "w") as f:
            json.dump(names, f)
        out = subprocess.run([tf_python, "-c", READER, work, WEIGHTS], capture_output=True,
                             text=True, check=False)
        if out.returncode != 0:
            sys.exit(f"the tf_keras reader failed:\n{out.stderr[-2000:]}")
        results.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf-python", required=True,
                        help="a Python with tensorflow and tf_keras installed")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    results = check(args.tf_python)
    if args.json:
        print(json.dumps(results))
        return
    print(f"{'model':46s} tf_keras 2 load + predict: max |difference|")
    for name, value in results.items():
        shown = f"{value:.2e}" if isinstance(value, float) else value
        print(f"{name:46s} {shown}")


if __name__ == "__main__":
    main()
