# Two commands for a fresh clone:  `make run` (the portal, on an embedded PostgreSQL
# and Redis under var/) and `make test` (the whole suite, against PostgreSQL and
# Redis: the ones that answer on 127.0.0.1, else the embedded ones).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# The suite's servers: those answering on PGHOST:PGPORT / REDIS_HOST:REDIS_PORT,
# else the embedded ones started there for the run (scripts/with_services.py).
WITH_SERVICES := $(PY) scripts/with_services.py --
STAMP := $(VENV)/.installed

# Test services (override in the environment if yours differ).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# Where `make run` serves (e.g. make run ADDR=127.0.0.1:8010 when 8000 is taken).
ADDR ?= 127.0.0.1:8000

.PHONY: run test test-fast test-topology install messages lint serve bench clean prove-money

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $(STAMP)

install: $(STAMP)
	@command -v msgfmt >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q gettext >/dev/null 2>&1; } || true
	$(PY) manage.py compilemessages -v0

## run: the portal with demo data, web + Celery worker + beat, on the embedded PostgreSQL and
##      Redis (data under var/; DATABASE_URL / REDIS_URL to use others)
##      (ADDR=host:port to serve elsewhere than 127.0.0.1:8000)
run: install
	DEBUG=1 $(PY) manage.py runportal --addr $(ADDR)

## test: the whole suite against PostgreSQL and Redis (the embedded ones if none answers)
test: install
	scripts/services.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) HTTPS_ONLY=0 \
	  $(WITH_SERVICES) $(PY) -m pytest -p no:cacheprovider -n 2 --dist loadgroup

## prove-money: the money rules' state machine (tests/wallet/test_stateful.py) run long,
## with fresh randomness (MONEY_PROOF_EXAMPLES=400 by default); make test runs it short
prove-money: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) HTTPS_ONLY=0 LOG_LEVEL=WARNING \
	  MONEY_PROOF=long $(WITH_SERVICES) $(PY) -m pytest tests/wallet/test_stateful.py -p no:xdist -q -s

## test-topology: the portal on several machines, all on this one: a PostgreSQL primary and
## streaming replica, Redis, HAProxy before two web servers, two workers and beat, each
## its own (ports 18000-18003, 55430-55431; var/topology/); signed-in traffic while the
## replica and then one web server stop. Not part of `make test`. ARGS="--requests 600"
test-topology: install
	@command -v haproxy >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get install -y -q haproxy >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q haproxy >/dev/null 2>&1; }; }; } || true
	@command -v haproxy >/dev/null || { echo "test-topology: HAProxy is missing (apt-get install haproxy)." >&2; exit 1; }
	$(PY) -m tests.topology $(ARGS)

## test-fast: the everyday loop: keeps the test database between runs (--reuse-db),
## skips the slow tests (real processes, browsers, fault injection), runs last
## run's failures first; `make test-fast ARGS="tests/wallet -x"` narrows it.
## After adding a migration, run it once with ARGS=--create-db.
test-fast: install
	scripts/services.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) HTTPS_ONLY=0 \
	  $(WITH_SERVICES) $(PY) -m pytest --reuse-db -m "not slow" --failed-first \
	  -n 2 --dist loadgroup $(ARGS)

## lint: ruff (mccabe complexity ≤ 10 included), the 500-line file limit, and
## import-linter's contracts (the floors, thin views/admin/tasks)
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) scripts/file_lengths.py
	$(VENV)/bin/lint-imports

## messages: refresh the translation catalogue after changing user-facing strings
messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location --ignore=.venv --ignore=var --ignore=bench
	$(PY) manage.py compilemessages -v0

## serve: production processes (gunicorn, worker, beat) under supervisord, each restarted
## when it dies; needs the production environment (README.md, deploy/README.md)
serve: install
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py migrate --noinput
	mkdir -p "$${PORTAL_VAR_DIR:-$(CURDIR)/var}"
	PORTAL_DIR="$(CURDIR)" PORTAL_PYTHON="$(CURDIR)/$(PY)" \
	  PORTAL_VAR_DIR="$${PORTAL_VAR_DIR:-$(CURDIR)/var}" BIND="$${BIND:-0.0.0.0:8000}" \
	  WEB_CONCURRENCY="$${WEB_CONCURRENCY:-2}" WORKER_CONCURRENCY="$${WORKER_CONCURRENCY:-2}" \
	  exec $(PY) -m supervisor.supervisord -c deploy/supervisord.conf

clean:
	rm -rf var .pytest_cache
