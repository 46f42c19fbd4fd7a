"""Settings shared by every environment; everything configurable comes from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "djmoney",
    "simple_history",
    "axes",
    "import_export",
    "django_guid",
    "estimator",
    # Django admin with our site (estimator/admin_site.py: grouped by task, a dashboard of
    # what is due). After "estimator", so estimator/templates/admin/base_site.html is the one
    # every admin page extends.
    "estimator.apps.EstimatorAdminConfig",
]

MIDDLEWARE = [
    # First: every log line of a request carries its id (X-Request-ID, echoed in the response).
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "estimator.middleware.RefuseNulBytes",
    "estimator.middleware.DatabaseUnavailable",
    "estimator.api.ratelimit.RateLimitHeaders",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of a patient's page: the switch's cookie, else Accept-Language; API and
    # admin stay English.
    "estimator.middleware.PatientLanguage",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After the view and its transaction: records an API key's last use even on errors.
    "estimator.api.auth.KeyUsageMiddleware",
    # Last, as django-axes asks: answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

# Staff logins are locked for a while after repeated failures (django-axes): the admin holds
# patients' details. Locked per username and address together, so one clinic's shared
# address is not locked out by one person mistyping.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("ESTIMATOR_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("ESTIMATOR_LOGIN_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The locked-out page says when to try again, in the admin's look (not axes' plain text).
AXES_LOCKOUT_TEMPLATE = "admin/estimator/lockout.html"
# A price-list upload waits between its preview and its confirmation in the cache (Redis in
# production), not in one server's temp folder: the confirmation may reach another server.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL says otherwise, so a fresh clone runs as is.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers on the embedded database wait their turn instead of failing with
    # "database is locked": a transaction takes the write lock when it begins (IMMEDIATE, so
    # two readers never deadlock upgrading to writers), waits up to 20 s for it, and WAL lets
    # reads go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the SQL (psycopg's server-side binding) instead of quoted
    # into it: a stored estimate's 60 KB documents are neither escaped by the worker nor
    # parsed out of the statement's text by PostgreSQL. And a statement a connection has run
    # DB_PREPARE_THRESHOLD times is prepared (parsed and planned once) and afterwards only
    # executed — Django leaves psycopg's prepared statements off unless asked; each
    # connection keeps at most psycopg's 100 most recent. Behind PgBouncer in transaction
    # mode older than 1.21 (no prepared statements) turn binding off, which turns both off.
    DB_SERVER_SIDE_BINDING = env.bool("DJANGO_DB_SERVER_SIDE_BINDING", default=True)
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = DB_SERVER_SIDE_BINDING
    if DB_SERVER_SIDE_BINDING:
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = env.int(
            "DJANGO_DB_PREPARE_THRESHOLD", default=5
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL only: each process listens for catalog changes on a connection of its own and
# knows the catalog version without a query per read-only request (estimator/catalog_watch.py);
# a real read every CATALOG_WATCH_RECHECK seconds all the same. On in production; off here, in
# local development and in tests (a test's transaction never commits, so nothing is notified).
CATALOG_WATCH = env.bool("DJANGO_CATALOG_WATCH", default=False)
CATALOG_WATCH_RECHECK = env.float("DJANGO_CATALOG_WATCH_RECHECK", default=5.0)

# Redis when REDIS_URL is set (shared by all workers: cache and rate limits), else local memory.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="estimator"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Redis down must not take quotes down: cache calls give up quickly and count
                # as misses (logged), and rate limits then let requests through (fail open).
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("REDIS_TIMEOUT", default=0.5),
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "estimator",
        }
    }

# ---- background jobs (Celery, estimator/tasks.py) --------------------------------------------
# The broker is Redis, by default the same server as the cache (REDIS_URL). Results are not
# kept: each job records its outcome in the database (the email outbox, the re-pricings).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="estimator")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A job is acknowledged when it has run, so a worker that dies mid-job leaves it to another;
# each worker takes one job at a time, so a long job does not hold others back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CONCURRENCY = env.int("CELERY_CONCURRENCY", default=2)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits for Redis as long as it takes
# A request that enqueues a job while Redis is down gives up within seconds (the job
# stays queued in the database; staff retry it from admin) rather than hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Delivery retries of an email on connection and temporary SMTP errors: exponential backoff
# from this many seconds (10, 20, 40 ... capped at 10 minutes), at most this many retries.
ESTIMATOR_EMAIL_RETRY_BACKOFF = env.int("ESTIMATOR_EMAIL_RETRY_BACKOFF", default=10)
ESTIMATOR_EMAIL_MAX_RETRIES = env.int("ESTIMATOR_EMAIL_MAX_RETRIES", default=6)

# Webhooks (estimator/webhooks.py): each attempt waits at most ESTIMATOR_WEBHOOK_TIMEOUT
# seconds; a failed one is retried after 10, 20, 40 ... seconds (at most
# ESTIMATOR_WEBHOOK_RETRY_BACKOFF_MAX apart: under the Redis broker's one-hour visibility
# timeout) up to ESTIMATOR_WEBHOOK_MAX_ATTEMPTS attempts; an endpoint is disabled after
# ESTIMATOR_WEBHOOK_DISABLE_AFTER failed deliveries in a row.
ESTIMATOR_WEBHOOK_TIMEOUT = env.float("ESTIMATOR_WEBHOOK_TIMEOUT", default=5.0)
ESTIMATOR_WEBHOOK_RETRY_BACKOFF = env.int("ESTIMATOR_WEBHOOK_RETRY_BACKOFF", default=10)
ESTIMATOR_WEBHOOK_RETRY_BACKOFF_MAX = env.int("ESTIMATOR_WEBHOOK_RETRY_BACKOFF_MAX", default=1800)
ESTIMATOR_WEBHOOK_MAX_ATTEMPTS = env.int("ESTIMATOR_WEBHOOK_MAX_ATTEMPTS", default=10)
ESTIMATOR_WEBHOOK_DISABLE_AFTER = env.int("ESTIMATOR_WEBHOOK_DISABLE_AFTER", default=5)
# Endpoints must be https and public (no loopback, private or link-local address) unless these
# say otherwise: the local and test settings allow both, production neither by default.
ESTIMATOR_WEBHOOK_REQUIRE_HTTPS = env.bool("ESTIMATOR_WEBHOOK_REQUIRE_HTTPS", default=True)
ESTIMATOR_WEBHOOK_ALLOW_PRIVATE = env.bool("ESTIMATOR_WEBHOOK_ALLOW_PRIVATE", default=False)

# Email: console output unless EMAIL_URL says otherwise (smtp+tls://user:password@host:587,
# filemail:///path, ...): sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS/SSL or EMAIL_FILE_PATH.
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
# A provider's HTTP API instead (no SMTP): install django-anymail[<provider>] and set
# EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend with its credentials as JSON in
# ANYMAIL_SETTINGS ({"POSTMARK_SERVER_TOKEN": "..."}). See README, "Email".
EMAIL_BACKEND = env("EMAIL_BACKEND", default=globals()["EMAIL_BACKEND"])
ANYMAIL = env.json("ANYMAIL_SETTINGS", default={})
# An SMTP server that stops answering fails the attempt (it is retried) instead of holding
# the worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="estimates@localhost")
# Where this service is reached from outside: the links in patients' emails and the API URLs
# in webhook events start with it.
ESTIMATOR_PUBLIC_URL = env("ESTIMATOR_PUBLIC_URL", default="http://localhost:8000").rstrip("/")
# How long the link in an estimate's email lets the patient see it without an account.
ESTIMATOR_PATIENT_LINK_DAYS = env.int("ESTIMATOR_PATIENT_LINK_DAYS", default=30)
# How long the prices of an estimate hold, from the day it is issued (or the quote is made).
ESTIMATOR_ESTIMATE_VALID_DAYS = env.int("ESTIMATOR_ESTIMATE_VALID_DAYS", default=30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The patient's pages, documents, notices and errors come in these languages: chosen with the
# language switch (a cookie), else the browser's Accept-Language, else English. Catalogs are
# gettext .po files in the repo; `make messages` refreshes them, the build compiles them.
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français")]
# One catalog per part of the app, so the engine's sentences and the documents' words are kept
# (and reviewed) beside their code; the app's own estimator/locale holds the pages and the rest.
LOCALE_PATHS = [
    BASE_DIR / "estimator" / "pricing" / "locale",
    BASE_DIR / "estimator" / "documents" / "locale",
]
LANGUAGE_COOKIE_NAME = "estimator_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env("DJANGO_TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Money: every stored amount is a MoneyField restricted to these currencies.
ESTIMATOR_CURRENCIES: tuple[str, ...] = ("USD", "CAD")
DEFAULT_CURRENCY = env("ESTIMATOR_DEFAULT_CURRENCY", default="USD")
CURRENCIES = ESTIMATOR_CURRENCIES

# Biggest request body Django will read; larger bodies are refused with 413/400, never parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=262_144)

# Content-Security-Policy on every response (django-csp): scripts, styles and fonts only from
# this site, no inline script or style, nothing may frame the pages. The pages, the admin and
# the API docs are written to need nothing more; a violation shows in the browser's console.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

CSRF_FAILURE_VIEW = "estimator.api.errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# A request id on every response and log line (django-guid): a caller's X-Request-ID is kept
# when it is a UUID, otherwise a new one is made.
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": True, "UUID_LENGTH": 32}

# Logs go to standard output, one line each: JSON in production (DJANGO_LOG_FORMAT=json, for a
# log collector), plain text for a person at a terminal. No patient detail is ever logged: log
# calls name estimates by reference, request bodies are never logged, and query strings (logged
# by the development server) carry only the quote page's treatment answers.
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="plain")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Keep the per-request logger at ERROR so 4xx bodies are never echoed.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": env("DJANGO_SERVER_LOG_LEVEL", default="INFO")},
        "django_guid": {"level": "WARNING"},
    },
}

# How far from the clinic's today a plan may start (days back, days ahead).
ESTIMATOR_MAX_DAYS_BACK = env.int("ESTIMATOR_MAX_DAYS_BACK", default=365)
ESTIMATOR_MAX_DAYS_AHEAD = env.int("ESTIMATOR_MAX_DAYS_AHEAD", default=730)

# How many reverse proxies in front of the app append to X-Forwarded-For. Rate limits and
# login lockouts count by the client's address, read by estimator.network.client_address:
# 0 (the default) uses the socket's address and ignores the header, which any client can
# forge; behind one proxy (nginx, a load balancer) set 1, and so on.
ESTIMATOR_TRUSTED_PROXIES = env.int("ESTIMATOR_TRUSTED_PROXIES", default=0)
RATELIMIT_IP_META_KEY = "estimator.network.client_address"
# With the cache (Redis) unreachable, limits are not counted and requests go through: a patient
# still gets a price during a Redis outage. The API's own limits make the same choice.
RATELIMIT_FAIL_OPEN = True
AXES_CLIENT_IP_CALLABLE = "estimator.network.client_address"

# Per-address limits on the patient quote page, counted in the cache by django-ratelimit
# ("60/m", "10/h"): with REDIS_URL set every worker shares one count.
ESTIMATOR_QUOTE_RATE = env("ESTIMATOR_QUOTE_RATE", default="60/m")
ESTIMATOR_GFE_REQUEST_RATE = env("ESTIMATOR_GFE_REQUEST_RATE", default="10/h")
ESTIMATOR_PATIENT_LINK_RATE = env("ESTIMATOR_PATIENT_LINK_RATE", default="30/m")

# ---- the integration API (estimator/api/) ----------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an anonymous caller of a protected endpoint gets 401 with WWW-Authenticate.
        "estimator.api.auth.ApiKeyAuthentication",
        # DRF's, skipped when no session cookie is sent (estimator/api/auth.py).
        "estimator.api.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["estimator.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "estimator.api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "estimator.api.throttling.AnonThrottle",
        "estimator.api.throttling.KeyThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "estimator.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "estimator.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
# Requests per period ("60/min", "1000/hour"); counted in the cache, so shared via Redis.
# Finished answers (quotes, quote pages) each worker keeps for the current catalog version.
ESTIMATOR_ANSWER_CACHE_MB = env.float("ESTIMATOR_ANSWER_CACHE_MB", default=8.0)
ESTIMATOR_RATE_ANON = env("ESTIMATOR_RATE_ANON", default="120/min")
ESTIMATOR_RATE_QUOTES_ANON = env("ESTIMATOR_RATE_QUOTES_ANON", default="60/min")
ESTIMATOR_RATE_KEY = env("ESTIMATOR_RATE_KEY", default="600/min")
# Wrong, revoked or expired API keys per client address: guessing keys stays slow.
ESTIMATOR_RATE_BAD_KEY = env("ESTIMATOR_RATE_BAD_KEY", default="20/min")
# A worker counts up to this many of a caller's hits in Redis at once and spends them on the
# caller's next requests without a round trip; never more than 1/16 of what the window has left,
# so the rate still holds across workers (estimator/api/ratelimit.py). 1: a round trip per hit.
ESTIMATOR_RATE_LEASE_MAX = env.int("ESTIMATOR_RATE_LEASE_MAX", default=64)
SPECTACULAR_SETTINGS = {
    "TITLE": "Estimator API",
    "DESCRIPTION": "Catalog, quotes and stored estimates for billing integrations. "
    'Money is always {"amount": "12.34", "currency": "USD"}; errors are '
    "application/problem+json (RFC 9457).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    # Headers, problem types, 500/503 and paging said once for every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "estimator.api.schema.complete_contract",
    ],
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CoverageModeEnum": "estimator.models.CoverageMode",
        "EstimateStatusEnum": "estimator.models.EstimateStatus",
    },
}
