# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `make run` is the development setup: development keys and the demo e-ID provider,
# refused by the settings unless DEBUG is on. Production never runs through make.
DEV := DEBUG=$${DEBUG:-true}

.PHONY: install run totp test test-sqlite test-postgres lint format bench migrate seed messages clean

install: $(STAMP) messages

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

messages: $(STAMP)
	$(DEV) $(PY) manage.py compiletranslations

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

seed: migrate
	$(DEV) $(PY) manage.py seed_demo

run: seed
	$(DEV) $(PY) manage.py runportal

# The demo staff users' second factor: `make totp USER=dpo.kalmar` prints the code now.
totp: install
	$(DEV) $(PY) manage.py demo_totp $(USER)

# On a machine with only Python the suite runs on SQLite and skips what needs a
# service, saying why. Where PostgreSQL answers (CI), it runs again on PostgreSQL
# with Redis and a real Celery worker; with CI=true a skipped service test fails.
test: install
	$(PY) -m tools.testrun

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench

clean:
	rm -rf var media staticfiles .pytest_cache test-artifacts
