"""Keras's progress bar: ``12/32 ━━━━━━━━━━━━━━━━━━━━ 0s 4ms/step - accuracy: 0.8125 - loss: 0.41``.

In a terminal the line is redrawn in place (a carriage return), at most every ``interval``
seconds. In a Jupyter kernel it is one display output whose text is replaced
(``sloi.notebook.LiveLine``), so a saved notebook keeps one line per bar, not every redraw.
Written to a file (CI logs, ``> out.txt``) only finished lines are written, so the file reads
one line per epoch instead of thousands of redraws.
"""

from __future__ import annotations

import logging
import os
import sys
import time

import numpy as np

from sloi import notebook, settings


def format_value(value, one_line: bool = False) -> str:
    """A logged value as Keras shows it: ``0.4123`` above 1e-3 in size, else ``1.2000e-05``
    (zero too: ``0.0000e+00``); an array (a value per class) as its mean. Keras's one-line
    form (``verbose=2``) compares the value itself, not its size, so negatives show
    ``-1.5000e+00`` there."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    value = float(np.mean(value))
    return f"{value:.4f}" if (value if one_line else abs(value)) > 1e-3 else f"{value:.4e}"


def format_duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def format_per_step(seconds: float, unit: str) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def print_msg(line: str, stream=None) -> None:
    """One line of output: to ``stream`` (stdout), or to the ``"sloi"`` logger at INFO level
    after ``sloi.config.disable_interactive_logging()``."""
    if not settings.is_interactive_logging_enabled():
        logging.getLogger("sloi").info(line)
        return
    stream = stream or sys.stdout
    stream.write(line + "\n")
    stream.flush()


def is_interactive(stream) -> bool:
    """Whether a line may be redrawn in place: a terminal, a running Jupyter kernel (not merely
    ipykernel imported, as a test process that drives a kernel has it), or PyCharm's console."""
    return (hasattr(stream, "isatty") and stream.isatty()) or notebook.in_notebook() or (
        "PYCHARM_HOSTED" in os.environ)


class Progbar:
    """A progress bar over ``target`` steps (None if unknown): ``keras.utils.Progbar``.

    ``update(current, values)`` takes ``values`` as ``[(name, value_for_the_last_steps)]``.
    As in Keras, a value whose name is not in ``stateful_metrics`` is averaged over the steps
    it was given for (weighted by how many steps each update covered); a stateful one is shown
    as given. ``stateless_metrics`` turns that around: only the names listed are averaged, so
    ``stateless_metrics=()`` shows every value as given (what ``fit``'s bar does: its logs are
    already running results). The final update (``current >= target``) shows each value as
    given, as Keras does.

    Args:
        target: the number of steps expected, None if unknown.
        width: the bar's width in characters.
        verbose: 1 for the live bar, 2 for one line at the end, 0 for silence.
        interval: least time between two redraws (seconds).
        stateful_metrics: names shown as given, never averaged.
        stateless_metrics: names averaged, all others shown as given (not with
            ``stateful_metrics``).
        unit_name: the unit of ``ms/step`` (``"step"`` or ``"sample"``).
        stream: where to write (``sys.stdout`` by default).
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step", stream=None):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Progbar: give stateful_metrics or stateless_metrics, not both; got "
                             f"stateful_metrics={stateful_metrics!r}, "
                             f"stateless_metrics={stateless_metrics!r}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(
            stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self.stream = stream or sys.stdout
        # a log records finished lines only: no redrawn bar
        self.dynamic = is_interactive(self.stream) and settings.is_interactive_logging_enabled()
        # in a notebook, the bar drawn to the default stream is one output redrawn in place
        self._live = (notebook.LiveLine() if stream is None and verbose == 1
                      and notebook.rich_display_enabled() else None)
        if self._live is not None:
            self.dynamic = True
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._drawn_width = 0
        self._seen_so_far = 0
        self._sums = {}  # name -> [sum of value * steps, steps]; shown as sum / steps
        self._order = []  # names in the order they were first given

    def due(self, current: int) -> bool:
        """Whether an ``update(current, ...)`` would draw; callers read the (device) values
        only then."""
        if self.verbose != 1 or not self.dynamic:
            return False
        return time.perf_counter() - self._last_draw >= self.interval or (
            self.target is not None and current >= self.target)

    def update(self, current: int, values=None, finalize=None) -> None:
        """Moves the bar to step ``current``; ``values`` as ``[(name, value)]`` (see the class
        docstring for which are averaged). ``finalize`` ends the line (default: ``current >=
        target``)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values or [], finalize)
        if self.verbose == 0 or (not finalize and not self.due(current)):
            return
        now = time.perf_counter()
        self._last_draw = now
        elapsed = now - self.start
        per_step = elapsed / max(current, 1)
        metrics = "".join(f" - {name}: {format_value(self._shown(name), self.verbose == 2)}"
                          for name in self._order)
        if self.verbose == 2:
            line = (f"{current}/{self.target} - {format_duration(elapsed)} - "
                    f"{format_per_step(per_step, self.unit_name)}{metrics}")
        else:
            line = self._bar(current) + " "
            if finalize:
                line += format_duration(elapsed)
            else:
                remaining = per_step * (self.target - current) if self.target else 0.0
                line += format_duration(remaining)
            line += f" {format_per_step(per_step, self.unit_name)}{metrics}"
        if finalize:
            self._write(line, end="\n")
        elif self.dynamic:
            self._write(line, end="")

    def add(self, n: int, values=None) -> None:
        """``update`` at ``n`` steps past the last one."""
        self.update(self._seen_so_far + n, values)

    def _averaged(self, name) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _record(self, current, values, finalize) -> None:
        for name, value in values:
            if name not in self._sums:
                self._order.append(name)
            if self._averaged(name) and not finalize:
                # each update speaks for the steps since the last one (at least one)
                steps = max(current - self._seen_so_far, 1)
                total, count = self._sums.get(name, (0.0, 0))
                self._sums[name] = [total + value * steps, count + steps]
            else:
                self._sums[name] = [value, 1]
        self._seen_so_far = current

    def _shown(self, name):
        """The value shown: its average, or as given (a number, or an array of one value
        per class)."""
        total, count = self._sums[name]
        return total if count == 1 else total / count

    def _bar(self, current: int) -> str:
        if not self.target:
            return f"{current:7d}/Unknown"
        digits = len(str(self.target))
        done = int(self.width * min(current / self.target, 1.0))
        return f"{current:{digits}d}/{self.target} {'━' * done}{'─' * (self.width - done)}"

    def _write(self, line: str, end: str) -> None:
        if self._live is not None:
            self._live.show(line)
            return
        if self.dynamic:
            pad = max(self._drawn_width - len(line), 0)
            self.stream.write("\r" + line + " " * pad + end)
            self._drawn_width = 0 if end else len(line)
        else:
            print_msg(line, self.stream)
            return
        self.stream.flush()
