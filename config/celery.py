"""The Celery app: background jobs (estimator/tasks.py) on the Redis broker, configured from
Django's settings (every CELERY_* setting there, read from the environment)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("estimator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
