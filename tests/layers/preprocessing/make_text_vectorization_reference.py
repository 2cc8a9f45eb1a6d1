"""Record Keras 3's TextVectorization answers for ``text_vectorization_cases.CASES``.

Keras's layer needs TensorFlow, which sloi's test environment does not install. Run this in an
environment with keras==3.15.1, tensorflow-cpu and torch, from the repository root:

    KERAS_BACKEND=torch python -m tests.layers.preprocessing.make_text_vectorization_reference

It rewrites ``text_vectorization_reference.json`` beside this file.
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tests.layers.preprocessing.text_vectorization_cases import CASES, run_case  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    results = {}
    for case in CASES:
        results[case[0]] = run_case(
            keras.layers.TextVectorization, case,
            lambda out: out.cpu().numpy() if hasattr(out, "cpu") else np.asarray(out))
    payload = {"keras": keras.__version__, "backend": keras.backend.backend(), "cases": results}
    path = os.path.join(HERE, "text_vectorization_reference.json")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False, indent=1)
    os.replace(tmp, path)
    print(f"wrote {len(results)} cases to {path}")


if __name__ == "__main__":
    main()
