"""Production: PostgreSQL, Redis, gunicorn, set from the environment; refuses unsafe settings.

Every refusal below stops the process at start with the reason, rather than letting it run in
a way that looks fine and is not: rate limits in per-process memory multiply with the workers,
and a database file on one app server is not shared by the next.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG, REDIS_URL, SECRET_KEY, env

if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
if (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith(("local-", "test-", "django-insecure"))
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production."
    )
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL must be set in production (e.g. postgres://user:password@host:5432/estimator):"
        " without it the app would write to a SQLite file that other servers cannot see."
    )
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production (e.g. redis://host:6379/0): the cache and the rate"
        " limits must be shared by every worker, or each worker would allow the full rate."
    )

# Each worker keeps its database connection for 5 minutes instead of opening one per request
# (a PostgreSQL connection costs more than a quote). It is not tested with a `SELECT 1` before
# each request (a round trip as dear as the request's own query): a request's first read outside
# a transaction reconnects once if the kept connection died (estimator/connections.py), so after
# a database restart reads are answered as usual; the first write on each worker is a 503 with
# Retry-After, nothing written. DJANGO_CONN_HEALTH_CHECKS=true tests before every request instead.
# DJANGO_CONN_MAX_AGE=0 goes back to one connection per request (e.g. behind PgBouncer in
# transaction mode).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=300)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool(  # noqa: F405
    "DJANGO_CONN_HEALTH_CHECKS", default=False
)
# Read-only requests take the catalog version from this process's LISTEN connection, not a
# query each (estimator/catalog_watch.py). One more connection per process; off behind
# PgBouncer in transaction mode, where LISTEN does not work.
CATALOG_WATCH = env.bool("DJANGO_CATALOG_WATCH", default=True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=True)
# A year: browsers then refuse plain HTTP to this host for that long.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Joining the browsers' preload list binds every subdomain of the clinic's domain for good;
# that is the domain owner's call, so it is off unless they turn it on, and Django's reminder
# (security.W021) is silenced while it is off.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
ESTIMATOR_LOCAL_ADMIN = False
# The API URLs in webhook events: the first allowed host over https unless set.
ESTIMATOR_PUBLIC_URL = env(
    "ESTIMATOR_PUBLIC_URL",
    default=f"https://{ALLOWED_HOSTS[0].lstrip('.')}",  # noqa: F405
)
LOGGING["handlers"]["console"]["formatter"] = env("DJANGO_LOG_FORMAT", default="json")  # noqa: F405
