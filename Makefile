# Healthscore: two commands do everything on a fresh machine.
#   make demo  — venv, install, migrate SQLite, seed demo data, serve web + worker
#   make test  — the whole suite (PostgreSQL when DATABASE_URL is set, else SQLite)

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint install serve clean-demo bench prod-local mutation

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# Test-only JavaScript (axe-core for the accessibility sweep in tests/browser), pinned by package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.package-lock.json

demo: export DEBUG = true
demo: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py setup_schedules
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  Healthscore demo: http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Logins: admin, manager, csm, support — password 'demo' (see README)."
	@echo "  Web server and django-q2 worker run together; Ctrl-C stops both."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py qcluster & \
	  $(PY) manage.py schedule_clock & \
	  $(PY) manage.py runserver $(HOST):$(PORT) --noreload & \
	  wait

test: $(VENV)/.installed node_modules/.package-lock.json
	@echo "Running the suite on $${DATABASE_URL:+PostgreSQL ($$DATABASE_URL)}$${DATABASE_URL:-SQLite}"
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

# The production process set here, without containers: gunicorn + 2 qcluster workers on the local
# PostgreSQL and Redis (see bin/prod-local for the variables it reads).
prod-local: $(VENV)/.installed
	bin/prod-local

bench: $(VENV)/.installed
	$(PY) bench/recompute.py

# Hand-made mutants of scoring/engine.py against tests/scoring (not in CI: a few minutes).
mutation: $(VENV)/.installed
	$(PY) bench/mutate_engine.py $(MUTANTS)

clean-demo:
	rm -f healthscore.sqlite3 healthscore.sqlite3-wal healthscore.sqlite3-shm
