"""Run the tour's chapters in order, then write results.json and report.html and print a table."""

from __future__ import annotations

import json
import os
import time
import traceback

import torch

from sloi.cli.tour import (
    bidirectional,
    common,
    conv1d_attention,
    functional_api,
    inside_lstm,
    next_word,
    report,
    vanishing,
    why_memory,
)

CHAPTERS = {
    "functional_api": functional_api,
    "why_memory": why_memory,
    "vanishing_gradient": vanishing,
    "inside_lstm": inside_lstm,
    "gru_lstm_conv1d": conv1d_attention,
    "bidirectional": bidirectional,
    "next_word": next_word,
}


def _curves_figure(settings, key, curves):
    plt = common.pyplot()
    if plt is None or not curves:
        return None
    fig, ax = plt.subplots(figsize=(5, 3))
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training accuracy")
    ax.legend()
    return common.save_figure(settings, fig, f"{key}_curves", "Learning curves")


def _threads() -> int:
    """One thread: the tour's models are so small that more threads mostly wait for each other
    (measured: the full tour takes no longer on one), and on a busy machine (tests running
    beside it) extra threads spin for cores and run ten times slower."""
    return 1


def _print_table(results: dict) -> None:
    print("\nsloi tour: the lecture's claims, measured")
    width = 64
    print(f"{'chapter':<22} {'claim':<{width}} verdict")
    for chapter in results["chapters"].values():
        title = chapter["title"].split(" ", 1)[-1][:21]
        if "error" in chapter:
            print(f"{title:<22} {'FAILED: ' + chapter['error'][:width - 8]:<{width}} -")
            continue
        for c in chapter["claims"]:
            print(f"{title:<22} {c['lecture'][:width]:<{width}} "
                  f"{'agrees' if c['agrees'] else 'does not'}")
            print(f"{'':<22}   {c['measured'][:width + 10]}")


def run_tour(out: str = "sloi-tour", quick: bool = False, seed: int = 0,
             chapters: list[str] | None = None) -> dict:
    """Run the tour and write ``out/report.html``, ``out/results.json`` and ``out/figures/``.

    Args:
        out: the output folder (created when missing).
        quick: tiny data and 1-3 epochs, under a minute.
        seed: seeds the data, the weights and the shuffles of every chapter.
        chapters: the chapter keys to run (``CHAPTERS``); None: all of them.

    Returns:
        The results, as written to results.json.
    """
    import sloi

    names = list(CHAPTERS) if chapters is None else list(chapters)
    unknown = [n for n in names if n not in CHAPTERS]
    if unknown:
        raise ValueError(f"sloi tour: unknown chapter(s) {unknown}; "
                         f"the chapters are {list(CHAPTERS)}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"sloi tour: seed must be an integer >= 0; got {seed!r}")
    settings = common.Settings(out=out, quick=quick, seed=seed)
    os.makedirs(os.path.join(out, "figures"), exist_ok=True)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(_threads())
    results = {"sloi_version": sloi.__version__, "quick": quick, "seed": seed,
               "threads": torch.get_num_threads(), "chapters": {}}
    state: dict = {}  # what one chapter hands to the next (chapter 3's trained LSTM)
    start = time.perf_counter()
    try:
        for key in names:
            print(f"\n== {CHAPTERS[key].TITLE}")
            sloi.utils.set_random_seed(seed)  # each chapter reproducible on its own
            t0 = time.perf_counter()
            try:
                chapter = CHAPTERS[key].run(settings, state)
            except Exception as err:  # one broken chapter must not hide the others
                traceback.print_exc()
                chapter = {"title": CHAPTERS[key].TITLE, "error": f"{type(err).__name__}: {err}"}
            else:
                curves = chapter.pop("curves", {})
                figure = _curves_figure(settings, key, curves)
                chapter["figures"] += [figure] if figure else []
                if curves and not figure:
                    chapter["notes"].append("matplotlib is not installed: curves skipped")
            chapter["seconds"] = round(time.perf_counter() - t0, 2)
            results["chapters"][key] = chapter
    finally:
        torch.set_num_threads(previous_threads)
    results["seconds"] = round(time.perf_counter() - start, 2)
    common.write_bytes(os.path.join(out, "results.json"),
                       json.dumps(results, ensure_ascii=False, indent=1).encode("utf-8"))
    common.write_bytes(os.path.join(out, "report.html"),
                       report.render(out, results).encode("utf-8"))
    _print_table(results)
    print(f"\n{results['seconds']:.1f} s. Report: {os.path.join(out, 'report.html')}")
    return results
