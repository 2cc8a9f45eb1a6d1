"""Chapter 1: the Functional API, with the lecture's two examples."""

from __future__ import annotations

from sloi.cli import lecture
from sloi.cli.tour import common

TITLE = "1. Functional API"


def _summary(model) -> str:
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _diagram(settings, model, name):
    """An SVG drawn without Graphviz by ``sloi.utils.model_to_svg``, when it is there."""
    model_to_svg = common.optional("sloi.utils", "model_to_svg")
    if model_to_svg is None:
        return None, "sloi.utils.model_to_svg is not available: diagram skipped"
    try:
        svg = model_to_svg(model, show_shapes=True)
    except Exception as err:  # a diagram is a picture: its failure must not stop the tour
        return None, f"model_to_svg failed on {name}: {err}"
    return common.save_svg(settings, svg, name, f"{name}: the layer graph"), None


def run(settings, state) -> dict:
    dense = lecture.dense_model()
    branches = lecture.two_branch_model()
    # the parameter counts the lecture's layers must have, written out by hand
    dense_expected = (1000 * 16 + 16) + (16 * 16 + 16) + (16 * 1 + 1)
    conv1 = 4 * 4 * 1 * 64 + 64                       # Conv2D(64, 4) on 1 channel
    conv2 = 8 * 8 * 1 * 32 + 32                       # Conv2D(32, 8)
    flat1 = 61 * 61 * 64                              # 64 - 4 + 1 = 61
    flat2 = 28 * 28 * 32                              # (64 - 8 + 1) // 2 = 28
    branches_expected = conv1 + conv2 + (flat1 + flat2 + 1)
    numbers = {"dense_params": dense.count_params(), "dense_expected": dense_expected,
               "two_branch_params": branches.count_params(),
               "two_branch_expected": branches_expected,
               "two_branch_layers": len(branches.layers)}
    figures, notes = [], []
    for model, name in ((dense, "functional_dense"), (branches, "functional_two_branch")):
        fig, note = _diagram(settings, model, name)
        figures += [fig] if fig else []
        notes += [note] if note else []
    ok = (numbers["dense_params"] == dense_expected
          and numbers["two_branch_params"] == branches_expected)
    return {
        "title": TITLE,
        "intro": [
            "The lecture sets the functional style against Sequential: a layer object is called "
            "on the tensor of the layer before it, and a Model is then made from the input and "
            "output tensors alone. That lets one input feed several branches and lets "
            "concatenate join them again, which a plain stack cannot express.",
            "Its two examples are built here exactly as written: three Dense layers over a "
            "1000-wide input, and two Conv2D branches (kernels 4 and 8) over a 64x64 image "
            "merged before a sigmoid output.",
        ],
        "numbers": numbers,
        "summaries": {"dense": _summary(dense), "two_branch": _summary(branches)},
        "tables": [{"caption": "Parameters: counted by sloi and worked out by hand",
                    "columns": ["model", "sloi", "by hand"],
                    "rows": [["Dense 16-16-1", numbers["dense_params"], dense_expected],
                             ["two Conv2D branches", numbers["two_branch_params"],
                              branches_expected]]}],
        "figures": figures,
        "notes": notes,
        "claims": [common.claim(
            "Layers wired by calls form a model whose parameters are exactly its layers'",
            f"{numbers['dense_params']:,} and {numbers['two_branch_params']:,} parameters; "
            f"by hand {dense_expected:,} and {branches_expected:,}", ok)],
    }
