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
	$(BIN)/python -m pytest tests

bench: $(VENV)/.test-installed
	$(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) *.egg-info
