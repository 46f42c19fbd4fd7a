"""Health for load balancers and orchestrators: /healthz (the process answers) and /readyz."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from estimator.api.errors import PROBLEM_CONTENT_TYPE, problem


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    token = secrets.token_hex(8)
    cache.set("readyz", token, timeout=10)
    if cache.get("readyz") != token:
        raise RuntimeError("the cache did not keep a value")


def _migrations() -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("migrations are not all applied")


# What must work before this server takes traffic, in the order a person would check.
CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    "migrations": _migrations,
}


@never_cache
@require_GET
@transaction.non_atomic_requests  # a request transaction would need the database first
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; nothing else is touched."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
@transaction.non_atomic_requests
def readyz(request: HttpRequest) -> JsonResponse:
    """Database and cache reachable, migrations applied: 200, or 503 naming what is down."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "unknown: the database is down"
            continue
        try:
            check()
        except Exception as error:  # any failure means not ready, and it is reported
            results[name] = f"down: {type(error).__name__}"
        else:
            results[name] = "ok"
    down = [name for name, result in results.items() if result != "ok"]
    if not down:
        return JsonResponse({"status": "ready", "checks": results})
    body = problem(503, "Not ready: " + ", ".join(down) + ".", code="not_ready")
    body["checks"] = results
    return JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
