# Sphères — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# Developer commands (translations, messages): development mode with DEBUG on.
DEV_ENV := DJANGO_DEBUG=1
# `make run` (PORT=8001 to change the port): development mode (SQLite, filesystem broker,
# database cache, demo accounts, e-mails in var/mail/) with DEBUG off, so the demo answers as
# production does: French 404/500 pages, static files served by the app (WhiteNoise).
PORT ?= 8000
RUN_ENV := DJANGO_DEBUG=0 SPHERES_DEMO=1 SPHERES_PORT=$(PORT) \
	SPHERES_BASE_URL=http://127.0.0.1:$(PORT)

# `make test`: production-like settings (DEBUG off); DATABASE_URL, CELERY_BROKER_URL and CACHE_URL
# from the environment when set (.ci/run points them at PostgreSQL and Redis), else the embedded ones.
TEST_ENV := DJANGO_DEBUG=0 \
	DJANGO_SECRET_KEY=test-only-secret-key-not-for-any-deployment-0123456789 \
	EMAIL_URL=memorymail:// \
	DJANGO_ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	DJANGO_SECURE_SSL_REDIRECT=0 \
	SPHERES_STATIC_MANIFEST=0 \
	SPHERES_REQUIRE_MFA=0 \
	SPHERES_MFA_ENCRYPTION_KEY=ZmFrZS10ZXN0LWtleS0zMmJ5dGVzLWxvbmctZm9yLXQ= \
	SPHERES_RESEARCH_ID_KEY=test-only-research-id-key-not-for-any-deployment-0123 \
	SPHERES_VAR_DIR=$(CURDIR)/var/test

.PHONY: install setup run test e2e lint format translations messages clean bench

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

translations: install
	$(DEV_ENV) $(BIN)/python manage.py compiletranslations

setup: install translations
	mkdir -p var/mail
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py createcachetable
	$(RUN_ENV) $(BIN)/python manage.py seed_demo

run: setup
	@echo ""
	@echo "  Sphères: http://127.0.0.1:$(PORT)   (password of every demo login: Spheres-demo-2026)"
	@echo "  E-mails the demo sends: var/mail/"
	@echo ""
	$(RUN_ENV) $(BIN)/honcho -f Procfile.dev start

test: install translations
	mkdir -p var/test/static
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

e2e: install translations
	$(TEST_ENV) $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

# Measurements on the database DATABASE_URL points at (seed it first with
# `manage.py seed_demo --participants 5000 --weeks 104`, on PostgreSQL). No timed assertions.

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh locale/fr/LC_MESSAGES/django.po after changing strings (needs GNU gettext).
messages: install
	$(DEV_ENV) $(BIN)/python manage.py makemessages --locale fr --no-obsolete --ignore ".venv/*" --ignore "var/*"

clean:
	rm -rf $(VENV) var

# Province-scale figures (not part of `make test`): PostgreSQL and Redis on 127.0.0.1, Debian's wrk.
# make bench BENCH_ARGS="--participants 5000 --weeks 104"
bench: install translations
	$(BIN)/python -m bench $(BENCH_ARGS)
