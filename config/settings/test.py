"""Test settings: fast hashing, local-memory cache, in-memory email."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Jobs run in the test's process, at once (tests/test_worker.py runs a real worker instead).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://localhost/"
# Webhook receivers in tests listen on loopback over plain HTTP; the refusals are tested with
# these switched back to production's.
ESTIMATOR_WEBHOOK_REQUIRE_HTTPS = False
ESTIMATOR_WEBHOOK_ALLOW_PRIVATE = True
ESTIMATOR_PUBLIC_URL = "https://estimates.example.com"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Whatever the environment says: a test's transaction never commits, so no notification would
# reach the catalog watcher. Its tests turn it on (tests/test_catalog_watch.py).
CATALOG_WATCH = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "estimator-tests",
    }
}

# pytest-xdist runs the suite in several processes (gw0, gw1, ...): each gets its own Redis
# database, counting down from the one TEST_REDIS_URL names, as pytest-django gives each its
# own test database. Written back, so tests that start servers or workers pass it on.
_redis = env("TEST_REDIS_URL", default="")
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
# Child processes (servers, workers) inherit both variables: the marker keeps them from
# counting down a second time.
if _redis and _worker.startswith("gw") and os.environ.get("TEST_REDIS_WORKER") != _worker:
    _base, _, _db = _redis.rpartition("/")
    _redis = f"{_base}/{(int(_db or 0) - int(_worker[2:])) % 16}"
    os.environ["TEST_REDIS_URL"] = _redis
    os.environ["TEST_REDIS_WORKER"] = _worker
if _redis:
    CACHES["default"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": _redis,
        "KEY_PREFIX": "estimator-tests",
    }
