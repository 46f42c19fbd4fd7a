# Two commands on a fresh clone: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed-stamp
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test lint format check bench screenshots venv lock serve-prod worker fuzz backup restore clean messages translations

venv: $(STAMP)

# Rebuilt whenever the pinned requirements change.
$(STAMP): requirements/base.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@touch $(STAMP)

# The Spanish and French catalogs (.po, in the repo) compiled to .mo (built, not committed);
# compilemessages skips a catalog whose .mo is newer. Needs GNU gettext's msgfmt.
translations: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0

# After changing a string people see: refresh the catalogs from the code and templates, then
# translate the new entries (tests/test_translations.py fails until every entry is translated).
MESSAGE_IGNORES := --ignore=.venv --ignore=tests --ignore=bench --ignore=docs --ignore=config \
  --ignore=staticfiles --ignore=estimator/templates/admin --ignore=estimator/admin \
  --ignore=estimator/api
messages: $(STAMP)
	$(PY) manage.py makemessages -l es -l fr --no-obsolete --add-location file $(MESSAGE_IGNORES)
	$(PY) manage.py makemessages -d djangojs -l es -l fr --no-obsolete --add-location file $(MESSAGE_IGNORES)

run: $(STAMP) translations
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_starter_catalog
	$(PY) manage.py ensure_roles
	$(PY) manage.py ensure_local_admin
	$(PY) manage.py runserver $(HOST):$(PORT)

# One test process per core (pytest-xdist), each with its own test database and Redis
# database; a test file stays in one process. TEST_WORKERS=0 runs everything in this one.
TEST_WORKERS ?= auto
test: $(STAMP) translations
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

check: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py api_schema_diff

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) bench/run.py

# PNGs of the quote page (360 and 1280 px) and admin into docs/screenshots/ (needs chromium).
screenshots: $(STAMP)
	$(PY) docs/screenshots.py

# Production serving: needs DJANGO_SECRET_KEY, DATABASE_URL, REDIS_URL, DJANGO_ALLOWED_HOSTS in
# the environment (README, "Running in production"); GUNICORN_WORKERS and friends in
# config/gunicorn.py. Checks the deployment and applies migrations first.
serve-prod: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py ensure_roles
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py compilemessages --ignore=.venv -v0
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.production GUNICORN_BIND=$(HOST):$(PORT) \
	  $(VENV)/bin/gunicorn config.wsgi --config config/gunicorn.py

# Background jobs (emails, re-pricing): a Celery worker on the Redis broker, with the same
# environment as serve-prod (CELERY_BROKER_URL defaults to REDIS_URL; CELERY_CONCURRENCY
# processes, 2 by default). Run one or more, on any host that reaches PostgreSQL and Redis.
worker: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.production \
	  $(VENV)/bin/celery -A config worker --loglevel INFO --without-gossip --without-mingle

# A long fuzzing pass, not for CI: Schemathesis with FUZZ_EXAMPLES (1000) examples per API
# operation over HTTP against gunicorn with production settings on PostgreSQL and Redis, then
# the engine's property tests at 10 times CI's examples. Any 5xx or schema violation fails.
FUZZ_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/estimator_fuzz
FUZZ_REDIS_URL ?= redis://127.0.0.1:6379/12
FUZZ_EXAMPLES ?= 1000
# Both passes run whatever the first finds; the target fails if either does.
fuzz: $(STAMP)
	@failed=0; \
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$(FUZZ_DATABASE_URL) \
	  TEST_REDIS_URL=$(FUZZ_REDIS_URL) ESTIMATOR_FUZZ=1 SCHEMATHESIS_MAX_EXAMPLES=$(FUZZ_EXAMPLES) \
	  $(VENV)/bin/pytest -p no:cacheprovider -rs tests/api/test_fuzz_live.py || failed=1; \
	DJANGO_SETTINGS_MODULE=config.settings.test HYPOTHESIS_PROFILE=fuzz \
	  $(VENV)/bin/pytest -p no:cacheprovider tests/pricing/test_properties.py || failed=1; \
	exit $$failed

# The whole database to a file (pg_dump custom format on PostgreSQL, a copy on SQLite), and back
# into a new, empty database: make restore BACKUP=backups/....backup INTO=postgres://.../new_db
BACKUP ?= backups/estimator-$(shell date -u +%Y%m%d-%H%M%S).backup
backup: $(STAMP)
	@mkdir -p $(dir $(BACKUP))
	$(PY) manage.py backup_database $(BACKUP)

restore: $(STAMP)
	@test -n "$(INTO)" || { echo "Say where: make restore BACKUP=file INTO=database-url"; exit 2; }
	$(PY) manage.py restore_database $(BACKUP) --into $(INTO)

# Re-pin after editing requirements/*.in.
lock: $(STAMP)
	$(PY) -m pip install --quiet pip-tools
	cd requirements && ../$(VENV)/bin/pip-compile --quiet --strip-extras base.in -o base.txt
	cd requirements && ../$(VENV)/bin/pip-compile --quiet --strip-extras dev.in -o dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis staticfiles
