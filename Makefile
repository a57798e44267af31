# The two commands of the README, and the pieces they are made of.
# Each target creates .venv and installs what it needs on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo tour test check lint typecheck pytest core docs clean

# An example app on an embedded SQLite file, with a demo world to log into:
# make demo PORT=9000, HOST=0.0.0.0 to listen on every address, APP=flask for
# the Flask example. It installs the package with the examples' extra only.
DEMO_DATABASE ?= sqlite:///socialfeed-demo.db
HOST ?= 127.0.0.1
PORT ?= 8000
APP ?= fastapi
DEMO_INSTALLED := $(VENV)/.demo-installed

demo: $(DEMO_INSTALLED)
	SOCIALFEED_DATABASE_URL=$(DEMO_DATABASE) $(BIN)/python -m examples.$(APP)_app --demo --host $(HOST) --port $(PORT)

# A printed tour of the library itself, without a web server.
tour: $(INSTALLED)
	$(BIN)/python -m examples.quickstart

test: lint typecheck pytest docs

# The edit-test loop, in about a minute: lint, types, and the core tests on the
# memory and SQLite backends, without PostgreSQL, Redis or the slow tiers.
check: lint typecheck core

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

# The tests run in parallel processes (pytest-xdist), WORKERS of them: one per
# core by default; each has its own PostgreSQL database (see tests/conftest.py).
# Tests, not whole files, are shared out, and an idle worker takes over tests
# queued for a busy one (worksteal): one test of the model-based suite runs for
# minutes, and whole files would leave a worker idle meanwhile. What a module
# or a session builds once is cheap here (a template file, an empty schema, the
# outbox fault tests' reference run), so building it once per worker costs little.
WORKERS ?= auto
PARALLEL := -n $(WORKERS) --dist worksteal
# The markers are set in tests/conftest.py; pyproject.toml lists them.
CORE := not (postgresql or redis or http or reliability or security or slow)

pytest: $(INSTALLED)
	$(BIN)/pytest $(PARALLEL)

core: $(INSTALLED)
	$(BIN)/pytest $(PARALLEL) -m "$(CORE)"

# The documentation site, built strictly: a broken link or any warning fails it.
docs: $(INSTALLED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The benchmarks against raw SQL on the same databases, then GET /api/feed over
# HTTP (not part of make test). Both presets by default, small then default;
# make bench PRESET=small runs one, BENCH_BACKEND=sqlite one backend, and
# BENCH_ARGS adds options (BENCH_ARGS=--no-http, --no-redis, --no-outbox).
# PostgreSQL comes from SOCIALFEED_BENCH_POSTGRESQL_URL, by default a database
# socialfeed_bench_<preset> on postgres@127.0.0.1:5432; Redis (the outbox relay
# and workers) from SOCIALFEED_BENCH_REDIS_URL, by default redis://127.0.0.1:6379/0.
.PHONY: bench
PRESET ?= small default
BENCH_BACKEND ?= all
BENCH_ARGS ?=
bench: $(INSTALLED)
	for preset in $(PRESET); do \
		$(BIN)/python -m benchmarks --preset $$preset --backend $(BENCH_BACKEND) $(BENCH_ARGS) \
			|| exit 1; \
	done

# The virtual environment, made once with a Python new enough.
$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "socialfeed needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the project's metadata changes: the whole toolchain for
# the tests and docs, or for the demo only the package and the examples' extra.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(DEMO_INSTALLED)

$(DEMO_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[examples]'
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache site
