# The README's two set-up commands: `make demo` and `make test`. Each makes its own virtual
# environment (.venv) and installs what it needs into it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.demo-installed
	$(BIN)/python -m ember demo

# tools/install_graphviz.sh: Graphviz's `dot` for tests/test_viz.py (those tests skip without it)
test: $(VENV)/.test-installed
	sh tools/install_graphviz.sh
	$(BIN)/python -m pytest -n auto tests

# bench/run.py: the whole suite against PyTorch (see README, Performance). threadpoolctl reports
# and limits NumPy's BLAS threads. `make bench BENCH_ARGS=--quick` for a smoke run.
BENCH_ARGS ?=
$(VENV)/.bench-installed: $(VENV)/.test-installed
	$(BIN)/python -m pip install -q threadpoolctl
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info
