"""Local development: debug on, a fixed development secret, SQLite unless DATABASE_URL is set."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Static files straight from the apps, no collectstatic needed for `make run`.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Only the local settings may create the well-known development admin (see README).
ESTIMATOR_LOCAL_ADMIN = True
# Without Redis (the default SQLite setup) there is no broker: jobs run at once, in the
# request that asks for them, so `make run` needs no worker. With REDIS_URL or
# CELERY_BROKER_URL set they go to the broker and `make worker` runs them.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
# Webhooks to a receiver on this machine, over plain HTTP, while developing.
ESTIMATOR_WEBHOOK_REQUIRE_HTTPS = env.bool("ESTIMATOR_WEBHOOK_REQUIRE_HTTPS", default=False)
ESTIMATOR_WEBHOOK_ALLOW_PRIVATE = env.bool("ESTIMATOR_WEBHOOK_ALLOW_PRIVATE", default=True)
