"""``sloi tour``: the lecture's claims as experiments, measured and reported.

One module a chapter (``functional_api``, ``why_memory``, ``vanishing``, ``inside_lstm``,
``conv1d_attention``, ``bidirectional``, ``next_word``), each with ``run(settings, state)``
returning its numbers, tables, figures and claims; ``runner.run_tour`` runs them and writes
``report.html`` (``report.py``) and ``results.json``.
"""

from sloi.cli.tour.runner import CHAPTERS, run_tour

__all__ = ["CHAPTERS", "run_tour"]
