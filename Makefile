# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

ICAL_CLIENTS := tests/ical_clients
SYSTEM_PYTHON := /usr/bin/python3
# In CI a parser that cannot be installed stops the build; on a laptop its tests skip, saying why.
PARSER_MISSING = $(if $(filter true,$(CI)),exit 1,echo "warning: $(1) not installed; the tests that need it will skip" >&2)

.PHONY: run test install install-test ical-clients browser screenshots migrate seed lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## The independent iCalendar parsers the feed tests run: libical (Debian's, through PyGObject) and ical.js (npm)
ical-clients: $(ICAL_CLIENTS)/node_modules/.package-lock.json
	@$(SYSTEM_PYTHON) -c 'import gi; gi.require_version("ICalGLib", "3.0")' 2>/dev/null \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 python3-gi gir1.2-ical-3.0 >/dev/null; } \
	  || $(call PARSER_MISSING,libical (python3-gi gir1.2-ical-3.0))

$(ICAL_CLIENTS)/node_modules/.package-lock.json: $(ICAL_CLIENTS)/package.json $(ICAL_CLIENTS)/package-lock.json
	npm ci --prefix $(ICAL_CLIENTS) --no-audit --no-fund && touch $@ || $(call PARSER_MISSING,ical.js (npm ci))

## Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser of its own)
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 chromium >/dev/null; } \
	  || $(call PARSER_MISSING,chromium)

## Refresh the README's screenshot of the day board (docs/day-board.png) from the browser tests
screenshots: install-test browser
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser/test_login_and_board.py -k board_shows

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed

## Install, migrate the embedded SQLite database, load demo data and serve on http://$(HOST):$(PORT)
run: seed
	$(FLASK) run --host $(HOST) --port $(PORT)

## Install the test dependencies and run the whole suite (integration tests on SQLite and PostgreSQL)
test: install-test ical-clients browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
