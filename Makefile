# Tianfu Atlas: `make demo` serves the portal with demo data, `make test` runs every check.
# Both install what is missing on a Debian/Ubuntu host (as root, or a user with sudo) and skip
# what is already done, so a second run starts in seconds.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help demo serve test lint bench backup restore restore-file setup system system-test db migrate messages lock clean vendor

help:
	@echo "make demo   install what is missing, start PostGIS, load the demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   the same set-up, then lint, type checks and the test suite on real PostGIS"
	@echo "make bench  the benchmarks in tests/benchmarks (BENCH lines)"
	@echo "make backup                 database + uploaded files in var/backups/tianfu-backup-<time>.tar"
	@echo "make restore FILE=<archive> restore into a fresh database (FORCE=1 replaces a non-empty one)"

demo: export TIANFU_MODE ?= demo
demo: setup
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py load_demo
	@$(MAKE) --no-print-directory serve

serve: export TIANFU_MODE ?= demo
# The procrastinate worker (imports are checked and written there) runs beside gunicorn and
# stops with it: the EXIT trap ends it however the shell ends (Ctrl-C, TERM, gunicorn failing).
serve:
	@echo "Serving Tianfu Atlas on http://$(HOST):$(PORT)/ with a background worker (Ctrl-C stops both)"
	$(BIN)/python manage.py procrastinate worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true' EXIT; \
	  trap 'exit 130' INT TERM; \
	  $(BIN)/gunicorn -c python:portal.gunicorn_conf portal.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS)

test: export TIANFU_MODE := test
test: setup system-test lint
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	@# Two pytest processes side by side (browser and fault tests beside the rest): tests/run_suite.py.
	$(BIN)/python -m tests.run_suite

lint: $(VENV)/installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: export TIANFU_MODE := test
bench: setup
	@# The siting benchmark's baseline (PySAL spopt) is only needed here.
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python -m pytest tests/benchmarks -o python_files='bench_*.py' -q -s

# Backups (docs/operations.md): pg_dump of the database, the files of MEDIA_ROOT and a manifest that
# `restore` checks every row count and file checksum against. DATABASE_URL and TIANFU_MEDIA_ROOT
# say what is saved and where a restore goes (the local demo set-up without them).
backup: export TIANFU_MODE ?= demo
backup: $(VENV)/installed
	$(BIN)/python manage.py backup --output var/backups/

restore: export TIANFU_MODE ?= demo
restore: restore-file $(VENV)/installed
	$(BIN)/python manage.py restore "$(FILE)"$(if $(filter 1,$(FORCE)), --force)

restore-file:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/tianfu-backup-<time>.tar [FORCE=1]"; exit 2; }

setup: system $(VENV)/installed db migrate messages

# Host packages (GDAL/GEOS, gettext, PostgreSQL + PostGIS unless DATABASE_URL is given; Chromium
# for the browser tests): only the missing ones are installed.
system:
	$(PYTHON) -m portal.core.system

system-test:
	$(PYTHON) -m portal.core.system --test

$(VENV)/installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed, found " + sys.version.split()[0])'
	@# A venv made without Debian's python3-venv has no pip: start again with the package.
	$(BIN)/python -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV) || \
	  { rm -rf $(VENV); $(SUDO) apt-get update -qq; $(SUDO) apt-get install -y -qq python3-venv; $(PYTHON) -m venv $(VENV); }; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

db: $(VENV)/installed
	$(BIN)/python -m portal.core.bootstrap
	$(BIN)/python manage.py dbcheck

migrate: db
	$(BIN)/python manage.py migrate --noinput -v0

messages: $(VENV)/installed
	$(BIN)/python manage.py compilemessages -v0 --ignore '$(VENV)' --ignore 'var'

# Front-end libraries: npm installs the exact versions of package.json (and package-lock.json),
# tools/vendor.mjs copies only the served files and their licences into
# portal/maps/static/maps/vendor/. The copies are committed, so no other target needs npm.
vendor:
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	node tools/vendor.mjs

lock: $(VENV)/installed
	$(BIN)/python -m pip freeze --exclude-editable --exclude tianfu-atlas > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
