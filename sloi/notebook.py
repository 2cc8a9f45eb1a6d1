"""Jupyter display: whether sloi runs inside an IPython kernel, and how it shows things there.

Nothing here imports IPython at sloi's import time: a kernel has already imported it, so
``in_notebook()`` only looks in ``sys.modules``. Outside a kernel (a terminal, a script, a test)
every function here says "no notebook" and sloi prints plain text as before.

What sloi shows differently in a kernel:
- the progress bar is one display output updated in place (``update_display_data``), not a
  stream of ``\\r`` redraws;
- ``model.summary()`` sends its text together with an HTML table (the front end picks the
  table; ``text/plain`` stays the exact text printed elsewhere);
- ``plot_model`` returns an object that displays as SVG;
- errors raised from inside sloi lose sloi's own frames (see ``install_traceback_filter``).
"""

from __future__ import annotations

import html
import itertools
import os
import sys

from sloi import settings


def kernel_shell():
    """The running IPython kernel's shell, or None (a terminal IPython is not a notebook)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:  # an IPython too broken to ask is no notebook to draw in
        return None
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return shell


def in_notebook() -> bool:
    """Whether code runs in a Jupyter / Colab kernel (an IPython kernel is present)."""
    return kernel_shell() is not None


def rich_display_enabled() -> bool:
    """Whether sloi should send rich outputs: in a kernel, with interactive logging on
    (``sloi.config.disable_interactive_logging()`` routes everything to the logger instead)."""
    return settings.is_interactive_logging_enabled() and in_notebook()


def display(bundle: dict, display_id=None, update=False) -> None:
    """Send a MIME bundle (``{"text/plain": ..., "text/html": ...}``) to the front end; with
    ``update``, replace the output that ``display_id`` names (no new output)."""
    from IPython.display import display as ipy_display
    from IPython.display import update_display

    if update:
        update_display(bundle, raw=True, display_id=display_id)
    else:
        ipy_display(bundle, raw=True, display_id=display_id)


_ids = itertools.count()


class LiveLine:
    """One line of text shown in a notebook and redrawn in place: the first ``show`` makes a
    display output, each later one replaces its text. A front end (and a saved notebook)
    keeps a single output, whatever the number of redraws."""

    def __init__(self):
        self.display_id = f"sloi-{os.getpid()}-{next(_ids)}"
        self.shown = False

    def show(self, text: str) -> None:
        sys.stdout.flush()  # what was printed before the line stays above it
        display({"text/plain": text}, display_id=self.display_id, update=self.shown)
        self.shown = True


def html_table(title: str, headers: list, rows: list, footer: list, align_right=()) -> str:
    """An HTML table: a title, a header row, the rows (columns in ``align_right`` flush right),
    and lines of text below."""
    esc = html.escape

    def cell(tag, text, i):
        align = "right" if i in align_right else "left"
        return f'<{tag} style="text-align:{align}">{esc(str(text))}</{tag}>'

    head = "".join(cell("th", h, i) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", v, i) for i, v in enumerate(row)) + "</tr>"
                   for row in rows)
    below = "".join(f"<div>{esc(line.strip())}</div>" for line in footer)
    return (f'<div class="sloi-summary"><div><b>{esc(title)}</b></div>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"{below}</div>")


class SVGImage:
    """An SVG picture that a notebook shows inline (``_repr_svg_``); ``str()`` or ``.path``
    is the file it came from, where there is one."""

    def __init__(self, svg: str, path=None):
        self.svg = svg
        self.path = path

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        where = f" {self.path!r}" if self.path else ""
        return f"<SVG image{where}, {len(self.svg):,} characters>"


# ------------------------------------------------------------------ traceback filtering
_SLOI_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


# torch's Module.__call__ dispatch: every layer call goes through it, it says nothing
_DISPATCH = os.path.join("torch", "nn", "modules", "module.py")


def is_internal_frame(filename: str) -> bool:
    """Whether a traceback frame's file belongs to sloi's package (not the user's code)."""
    return os.path.abspath(filename).startswith(_SLOI_DIR)


def _hidden(filename: str) -> bool:
    return is_internal_frame(filename) or filename.endswith(_DISPATCH)


def filtered_traceback(tb):
    """``tb`` without sloi's own frames (and torch's ``Module.__call__`` dispatch between
    them), keeping the last frame (where the error was raised) so the message's origin is
    still named; the user's frames and torch's computing frames stay."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    kept = [f for f in frames if not _hidden(f.tb_frame.f_code.co_filename)]
    if not kept or kept[-1] is not frames[-1]:
        kept.append(frames[-1])
    # rebuild the chain (tb_next is writable since Python 3.7)
    for a, b in zip(kept, kept[1:]):
        a.tb_next = b
    kept[-1].tb_next = None
    return kept[0]


def raised_in_sloi(tb) -> bool:
    """Whether the innermost frame of ``tb`` (or one on the way) runs sloi's code."""
    while tb is not None:
        if is_internal_frame(tb.tb_frame.f_code.co_filename):
            return True
        tb = tb.tb_next
    return False


def _custom_exc(shell, etype, value, tb, tb_offset=None):
    if settings.is_traceback_filtering_enabled() and raised_in_sloi(tb):
        tb = filtered_traceback(tb)
        value = value.with_traceback(tb)
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


_installed = []


def install_traceback_filter() -> bool:
    """In a kernel, let errors that pass through sloi show the user's frames and sloi's
    message without sloi's inner frames (``sloi.config.disable_traceback_filtering()``
    shows them all again). Called from sloi's import; does nothing outside a kernel or when
    another handler is already set. Returns whether the filter is in place."""
    shell = kernel_shell()
    if shell is None:
        return False
    if _installed and _installed[0] is shell:
        return True
    if getattr(shell, "custom_exceptions", ()):  # someone else's handler: leave it alone
        return False
    shell.set_custom_exc((Exception,), _custom_exc)
    _installed[:] = [shell]
    return True
