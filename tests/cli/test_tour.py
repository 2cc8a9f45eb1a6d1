"""``sloi tour --quick``: every chapter runs, measures, and reports what it measured."""

import json
import os

import pytest

from sloi.cli.main import main
from sloi.cli.tour import CHAPTERS, run_tour, vanishing


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("tour"))
    assert main(["tour", "--quick", "--out", out, "--seed", "3"]) == 0
    with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
        results = json.load(f)
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        page = f.read()
    return out, results, page


def _numbers(value):
    """Every number inside a nested dict / list."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def test_every_chapter_is_in_results_with_numbers_and_claims(tour):
    _, results, _ = tour
    assert results["quick"] is True and results["seed"] == 3
    assert list(results["chapters"]) == list(CHAPTERS)
    for key, chapter in results["chapters"].items():
        assert "error" not in chapter, (key, chapter.get("error"))
        assert _numbers(chapter["numbers"]), key
        assert chapter["claims"], key
        for claim in chapter["claims"]:
            assert isinstance(claim["agrees"], bool), (key, claim)
            assert claim["lecture"] and claim["measured"]


def test_agreement_is_computed_from_the_numbers(tour):
    _, results, _ = tour
    ch = results["chapters"]
    memory = ch["why_memory"]["numbers"]
    assert ch["why_memory"]["claims"][0]["agrees"] == (
        memory["sequence_accuracy"] > memory["single_frame_accuracy"] + 0.05)
    bi = ch["bidirectional"]["numbers"]
    assert ch["bidirectional"]["claims"][0]["agrees"] == (
        bi["bidirectional_accuracy"] > bi["lstm_accuracy"] + 0.05)
    van = ch["vanishing_gradient"]["numbers"]
    simple, lstm, gru = (van["accuracy"][k][-1] for k in ("SimpleRNN", "LSTM", "GRU"))
    assert [c["agrees"] for c in ch["vanishing_gradient"]["claims"]] == [
        simple < vanishing.AT_CHANCE, lstm >= vanishing.HOLDS, gru >= vanishing.HOLDS]
    assert len(van["accuracy"]["LSTM"]) == len(van["distances"]) == 2
    conv = ch["gru_lstm_conv1d"]["numbers"]
    verdicts = [c["agrees"] for c in ch["gru_lstm_conv1d"]["claims"]]
    assert verdicts[0] == (conv["params"]["GRU"] < conv["params"]["LSTM"])
    assert verdicts[1] == (conv["seconds_per_epoch"]["GRU"] < conv["seconds_per_epoch"]["LSTM"])
    assert verdicts[5] == (conv["accuracy"]["Conv1D + Attention"]
                           > conv["accuracy"]["Conv1D"] + 0.05)
    # chapter 5 reuses chapter 3's models on the same data: the same numbers
    assert conv["accuracy"]["LSTM"] == van["accuracy"]["LSTM"][van["distances"].index(
        conv["distance"])]


def test_functional_api_counts_match_the_hand_written_ones(tour):
    _, results, _ = tour
    numbers = results["chapters"]["functional_api"]["numbers"]
    assert numbers["dense_params"] == numbers["dense_expected"] == 16305
    assert numbers["two_branch_params"] == numbers["two_branch_expected"] == 266401
    assert "Total params: 16,305" in results["chapters"]["functional_api"]["summaries"]["dense"]


def test_lstm_gates_match_the_layer_and_next_word_completes_prompts(tour):
    _, results, _ = tour
    inside = results["chapters"]["inside_lstm"]["numbers"]
    assert inside["gates_vs_layer_max_difference"] < 1e-5
    for key in ("mean_forget_gate", "mean_input_gate", "mean_output_gate"):
        assert 0.0 < inside[key] < 1.0
    completions = results["chapters"]["next_word"]["numbers"]["completions"]
    assert "я иду" in completions and len(completions["я иду"]) == 3


def test_report_is_self_contained_and_holds_every_chapter(tour):
    out, results, page = tour
    assert page.startswith("<!DOCTYPE html>")
    for chapter in results["chapters"].values():
        assert chapter["title"] in page
        for figure in chapter["figures"]:
            assert os.path.isfile(os.path.join(out, figure["file"]))
    # images are inlined: no src pointing at a file or the network
    assert 'src="data:' in page or not any(c["figures"] for c in results["chapters"].values())
    assert "src=\"http" not in page and "src=\"figures" not in page
    assert not [f for f in os.listdir(out) if f.startswith(".tmp-")]


def test_bad_arguments_fail_before_any_work(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["tour", "--seed", "-1", "--out", str(tmp_path)])
    assert "--seed must be an integer >= 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"unknown chapter\(s\) \['nope'\]"):
        run_tour(out=str(tmp_path), quick=True, chapters=["nope"])
    assert not os.listdir(tmp_path)



def test_runs_without_matplotlib(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    results = run_tour(out=str(tmp_path), quick=True, chapters=["why_memory"])
    chapter = results["chapters"]["why_memory"]
    assert "error" not in chapter and chapter["numbers"]["sequence_accuracy"] >= 0
    assert not [f for f in chapter["figures"] if f["file"].endswith(".png")]
    assert (tmp_path / "report.html").is_file()


def test_report_renders_in_headless_chromium(tour):
    """The report opens in a real browser: every image is inline (no broken links) and the
    page renders; the screenshot is kept beside the report for a person to look at."""
    import re
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    out = tour[0] if isinstance(tour, tuple) else tour
    report = os.path.join(out, "report.html")
    html = open(report, encoding="utf-8").read()
    for src in re.findall(r'<img[^>]+src="([^"]+)"', html):
        assert src.startswith("data:image/"), f"image not inline: {src[:60]}"
    for href in re.findall(r'href="([^"#][^"]*)"', html):
        assert href.startswith(("http://", "https://", "data:")) or os.path.exists(
            os.path.join(out, href)), f"broken link: {href}"
    shot = os.path.join(out, "report.png")
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={os.path.join(out, '.chromium')}",
         "--window-size=1200,2000", f"--screenshot={shot}", "file://" + report],
        check=True, capture_output=True, timeout=120)
    assert os.path.getsize(shot) > 20_000  # a rendered page, not a blank one
