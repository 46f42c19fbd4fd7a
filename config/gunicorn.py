"""gunicorn settings for `make serve-prod`; every value can be changed from the environment."""

from __future__ import annotations

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then so no slow leak can grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Access log on standard output, one JSON object per line, with the request id the app set.
# The path is logged without its query string (no answers, no filters in the log).
accesslog = "-"
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "method": "%(m)s", "path": "%(U)s", '
    '"status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}o)s"}'
)
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """Leave what the app made at start (modules, settings, URLs, templates) out of every
    garbage collection: it lives as long as the worker, and a full collection would walk all of
    it again each time (gc.freeze). Requests' own objects are collected as before."""
    if os.environ.get("GUNICORN_GC_FREEZE", "true").lower() in ("1", "true", "yes"):
        gc.freeze()
