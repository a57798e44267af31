# The two commands of the README, and the pieces they are made of.
# Each target creates .venv and installs what it needs on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo tour test lint typecheck pytest clean

# The FastAPI example on an embedded SQLite file, with a demo world to log into.
DEMO_DATABASE ?= sqlite:///socialfeed-demo.db
HOST ?= 127.0.0.1
PORT ?= 8000

demo: $(INSTALLED)
	SOCIALFEED_DATABASE_URL=$(DEMO_DATABASE) $(BIN)/python -m examples.fastapi_app --demo --host $(HOST) --port $(PORT)

# A printed tour of the library itself, without a web server.
tour: $(INSTALLED)
	$(BIN)/python -m examples.quickstart

test: lint typecheck pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

pytest: $(INSTALLED)
	$(BIN)/pytest

# Reinstall whenever the project's metadata changes.
$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "socialfeed needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
