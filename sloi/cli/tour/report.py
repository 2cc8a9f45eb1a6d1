"""The tour's report: one self-contained HTML page (figures inlined as data URIs)."""

from __future__ import annotations

import base64
import html
import os

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; }
table { border-collapse: collapse; margin: 0.8rem 0; } caption { text-align: left;
        font-style: italic; padding-bottom: 0.3rem; }
td, th { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f3f3f3; } .yes { color: #196c2e; font-weight: bold; }
.no { color: #a4271b; font-weight: bold; } pre { background: #f7f7f7; padding: 0.6rem;
      overflow-x: auto; font-size: 0.8rem; } figure { margin: 1rem 0; }
img { max-width: 100%; } .note { color: #7a5b00; } .small { color: #666; font-size: 0.9rem; }
"""
_MIME = {".png": "image/png", ".svg": "image/svg+xml"}


def _e(value) -> str:
    return html.escape(str(value))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return _e(value)


def _table(table: dict) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table["columns"])
    rows = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                   for row in table["rows"])
    return (f"<table><caption>{_e(table['caption'])}</caption><tr>{head}</tr>{rows}"
            "</table>")


def _figure(out: str, figure: dict) -> str:
    path = os.path.join(out, figure["file"])
    with open(path, "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    mime = _MIME[os.path.splitext(path)[1]]
    return (f'<figure><img src="data:{mime};base64,{data}" alt="{_e(figure["caption"])}">'
            f"<figcaption class=small>{_e(figure['caption'])}</figcaption></figure>")


def _claims(claims: list[dict]) -> str:
    rows = "".join(
        f"<tr><td>{_e(c['lecture'])}</td><td>{_e(c['measured'])}</td>"
        f"<td class={'yes' if c['agrees'] else 'no'}>{'agrees' if c['agrees'] else 'does not'}"
        "</td></tr>" for c in claims)
    return ("<table><caption>What the lecture predicts, and this run</caption>"
            f"<tr><th>lecture</th><th>measured</th><th>verdict</th></tr>{rows}</table>")


def _chapter(out: str, chapter: dict) -> str:
    parts = [f"<section><h2>{_e(chapter['title'])}</h2>"]
    if "error" in chapter:
        parts.append(f"<p class=no>This chapter failed: {_e(chapter['error'])}</p></section>")
        return "".join(parts)
    parts += [f"<p>{_e(p)}</p>" for p in chapter["intro"]]
    parts.append(_claims(chapter["claims"]))
    parts += [_table(t) for t in chapter["tables"]]
    parts += [_figure(out, f) for f in chapter["figures"]]
    for name, text in chapter.get("summaries", {}).items():
        parts.append(f"<details><summary>model.summary(): {_e(name)}</summary>"
                     f"<pre>{_e(text)}</pre></details>")
    parts += [f"<p class=note>{_e(n)}</p>" for n in chapter["notes"]]
    parts.append(f"<p class=small>{chapter['seconds']:.1f} s</p></section>")
    return "".join(parts)


def render(out: str, results: dict) -> str:
    """The report page for ``results`` (as in results.json); figures are read from ``out``."""
    chapters = results["chapters"].values()
    claims = [c for ch in chapters for c in ch.get("claims", [])]
    agreed = sum(c["agrees"] for c in claims)
    mode = "quick" if results["quick"] else "full"
    body = "".join(_chapter(out, ch) for ch in chapters)
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        "<title>sloi tour</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>sloi tour: recurrent networks and one-dimensional convolution</h1>"
        f"<p class=small>sloi {_e(results['sloi_version'])}, {mode} run, seed "
        f"{results['seed']}, {results['seconds']:.1f} s on {results['threads']} CPU thread(s). "
        "Every number below was measured in this run; the verdicts are computed from them.</p>"
        f"<p>This run agrees with the lecture on <b>{agreed} of {len(claims)}</b> claims.</p>"
        f"{body}</body></html>")
