# The two commands: `make demo` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.sloi-installed
VIZ    := $(VENV)/.sloi-viz-installed
BROWSER := $(VENV)/.sloi-browser-checked

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $(STAMP)

# matplotlib (the viz extra) draws the tour's figures; without it the tour runs, figures skipped
$(VIZ): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,viz]" \
		&& touch $(VIZ) || echo "matplotlib could not be installed: the tour runs without figures"

# Debian's chromium opens the tour's report in one test; tried once, never fails (see the script)
$(BROWSER): $(STAMP)
	bash tools/install_chromium.sh
	touch $(BROWSER)

demo: $(VIZ)
	$(VENV)/bin/sloi tour
	@echo "The lecture as Jupyter notebooks, with outputs from a full run:"
	@echo "  docs/ru/lecture.ipynb (Russian), docs/lecture.ipynb (English)"
	@echo "  open with: $(VENV)/bin/pip install -c constraints.txt -e '.[notebooks]' && $(VENV)/bin/jupyter lab docs/"
	@echo "  rerun and store outputs: $(PY) tools/run_notebooks.py [--fast]"

test: $(STAMP) $(BROWSER)
	$(PY) -m pytest

# examples/ is linted once it exists; ruff fails on a path that is missing
lint: $(STAMP)
	$(VENV)/bin/ruff check sloi tests benchmarks $(wildcard examples)

bench: $(STAMP)
	$(PY) benchmarks/overhead.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
