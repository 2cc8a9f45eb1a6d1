"""sloi has every public name of Keras 3's modules that a sequence model can use.

The names come from the installed Keras itself (``dir(keras.layers)``, ``dir(keras.ops)``, ...).
A name missing from sloi fails the test unless it is on the exclusion list below, each entry
with its reason. README.md shows the counts this test prints.
"""

import pytest

import sloi

# Image augmentation (issue 14 leaves it out: sequence models do not use it) and layers that
# wrap TensorFlow or JAX code.
_AUGMENTATION = {
    "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix",
    "Equalization", "MaxNumBoundingBoxes", "MixUp", "Pipeline", "RandAugment",
    "RandomBrightness", "RandomColorDegeneration", "RandomColorJitter", "RandomContrast",
    "RandomCrop", "RandomElasticTransform", "RandomErasing", "RandomFlip",
    "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
    "RandomPerspective", "RandomPosterization", "RandomRotation", "RandomSaturation",
    "RandomSharpness", "RandomShear", "RandomTranslation", "RandomZoom", "Solarization",
}
_OTHER_BACKENDS = {"TFSMLayer", "JaxLayer", "FlaxLayer"}

EXCLUDED = {
    "layers": _AUGMENTATION | _OTHER_BACKENDS,
    # bounding boxes serve image augmentation; `legacy` holds Keras 2's TF-only utilities
    "utils": {"bounding_boxes", "legacy"},
    # Orbax is JAX's checkpointing library
    "callbacks": {"OrbaxCheckpoint"},
    "top": {
        "applications",  # pretrained image networks: their weights come from the internet
        "distillation",  # knowledge distillation trainers for image models (Keras 3.12+)
        "distribution",  # JAX's device meshes and layouts; sloi.distribute does DDP
        "export",  # TensorFlow SavedModel export; sloi.saving.export does torch.export / ONNX
        "legacy",  # Keras 2's TensorFlow-only saving
        "quantizers", "Quantizer", "dtype_policies",  # int8 / float8 quantization
        "RematScope",  # per-layer remat policies; sloi.remat does gradient checkpointing
        "StatelessScope", "SymbolicScope",  # JAX's stateless tracing scopes
        "visualization",  # bounding-box and segmentation-mask drawing for images
        "wrappers",  # scikit-learn estimators
        "src",  # Keras's private implementation package
    },
}

MODULES = ["layers", "ops", "random", "config", "utils", "losses", "metrics", "optimizers",
           "callbacks", "tree", "backend"]


def _public(module) -> set:
    return {name for name in dir(module) if not name.startswith("_")}


def _missing(keras_module, sloi_module, excluded):
    return sorted(n for n in _public(keras_module) - excluded
                  if sloi_module is None or not hasattr(sloi_module, n))


@pytest.mark.parametrize("module", MODULES)
def test_every_keras_name_of_the_module_is_in_sloi(module):
    import keras

    missing = _missing(getattr(keras, module), getattr(sloi, module, None),
                       EXCLUDED.get(module, set()))
    assert not missing, f"sloi.{module} lacks {len(missing)} of Keras's names: {missing}"


def test_every_keras_top_level_name_is_in_sloi():
    import keras

    missing = _missing(keras, sloi, EXCLUDED["top"])
    assert not missing, f"sloi lacks {len(missing)} of Keras's top-level names: {missing}"


def test_the_ops_submodules_have_keras_s_names():
    import keras

    for sub in ("nn", "numpy", "linalg", "image"):
        missing = _missing(getattr(keras.ops, sub), getattr(sloi.ops, sub, None), set())
        assert not missing, f"sloi.ops.{sub} lacks {missing}"


def test_exclusions_name_only_what_keras_has():
    import keras

    for module, names in EXCLUDED.items():
        source = keras if module == "top" else getattr(keras, module)
        assert names <= _public(source), (module, sorted(names - _public(source)))


def coverage_counts() -> dict:
    """``{module: (sloi has, Keras has)}``, exclusions left out of both: README's table."""
    import keras

    counts = {}
    for module in MODULES + ["top"]:
        source = keras if module == "top" else getattr(keras, module)
        target = sloi if module == "top" else getattr(sloi, module, None)
        names = _public(source) - EXCLUDED.get(module, set())
        have = sum(1 for n in names if target is not None and hasattr(target, n))
        counts[module] = (have, len(names))
    return counts


if __name__ == "__main__":
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    for module, (have, total) in coverage_counts().items():
        print(f"{module:12s} {have:4d} / {total}")
