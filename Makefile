# Muniment: `make run` sets up and serves the sample records on SQLite; `make test` sets up and runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CJK_FONT   := /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc
LATIN_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf
VIEWERS    := tests/browser/vendor
MIRADOR    := $(VIEWERS)/mirador/package/dist/mirador.min.js
UV         := $(VIEWERS)/universalviewer/package/dist/umd/UV.js

.PHONY: run test setup fonts chromium nginx wrk browser bench bench-suite clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $@

# Reading pages are typeset with DejaVu (Latin, Cyrillic) and Noto CJK (Chinese): Debian's packages.
fonts:
	@if [ ! -f $(CJK_FONT) ] || [ ! -f $(LATIN_FONT) ]; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-noto-cjk fonts-dejavu-core; \
	fi

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# The serving tests run Debian's nginx in front of `muniment serve` with docs/nginx.conf (they fail without it).
nginx:
	@[ -x /usr/sbin/nginx ] || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx; }

# The IIIF viewers the browser tests open manifests in, as published on the npm registry (their built
# bundles only: `npm pack`, no dependency tree).
$(MIRADOR):
	mkdir -p $(VIEWERS)/mirador && cd $(VIEWERS)/mirador && npm pack --silent mirador@4.0.0 >/dev/null \
		&& tar xzf mirador-4.0.0.tgz && rm mirador-4.0.0.tgz

$(UV):
	mkdir -p $(VIEWERS)/universalviewer && cd $(VIEWERS)/universalviewer \
		&& npm pack --silent universalviewer@4.4.0 >/dev/null \
		&& tar xzf universalviewer-4.4.0.tgz && rm universalviewer-4.4.0.tgz

browser: chromium $(MIRADOR) $(UV)

setup: $(VENV)/.installed fonts

run: export MUNIMENT_BASE_URL ?= http://$(HOST):$(PORT)/
# The samples go only into an empty database: a restart never overwrites what archivists have done since.
run: setup
	$(BIN)/muniment db upgrade
	$(BIN)/muniment import --if-empty samples/
	$(BIN)/muniment serve --host $(HOST) --port $(PORT)

# The suite runs on one process per core (pytest-xdist), a test file to a process: each process has its own
# databases, ports and browser; files are handed out in the order tests/conftest.py sorts them (browser files,
# then the rest, most tests first), not re-sorted by xdist. `make test PYTEST_ARGS=-n0` runs it on one process.
PYTEST_ARGS ?= -n auto --dist loadfile --no-loadscope-reorder

test: setup browser nginx
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The manifest benchmark loads the server with wrk (Debian's package).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }

bench: setup wrk
	$(BIN)/python tests/bench/import_bench.py 5000
	$(BIN)/python tests/bench/oai_bench.py 100000
	$(BIN)/python tests/bench/manifest_bench.py
	$(BIN)/python tests/bench/search_bench.py 100000
	$(BIN)/python tests/bench/serving_bench.py

# Issue 8's suite time against the commit it was filed on (set up once in ~/.cache/muniment-bench), alternating,
# median of 3 rounds of about 10 minutes each; needs MUNIMENT_TEST_POSTGRES_URL, as the issue measured.
bench-suite: setup browser nginx
	$(BIN)/python tests/bench/suite_bench.py 3

clean:
	rm -rf $(VENV) instance .pytest_cache $(VIEWERS)
