# Muniment: `make run` sets up and serves the sample records on SQLite; `make test` sets up and runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test setup bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/muniment db upgrade
	$(BIN)/muniment import samples/
	$(BIN)/muniment serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python tests/bench/import_bench.py 5000

clean:
	rm -rf $(VENV) instance .pytest_cache
