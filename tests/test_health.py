"""/healthz and /readyz: 200 when all is well, 503 problem+json naming what is down."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from estimator import health

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # Port 1 on loopback: nothing listens there, the connection is refused at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
}


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_ready_when_database_cache_and_migrations_are(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "migrations": "ok"},
    }


def test_readyz_names_an_unreachable_cache(client, settings):
    settings.CACHES = UNREACHABLE_REDIS
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:problem-type:estimator:not-ready"
    assert body["detail"] == "Not ready: cache."
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("down: ")


def test_readyz_names_an_unreachable_database(client, monkeypatch):
    def refused() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", refused)
    body = client.get("/readyz").json()
    assert body["status"] == 503
    assert body["checks"] == {
        "database": "down: OperationalError",
        "cache": "ok",
        "migrations": "unknown: the database is down",
    }


def test_readyz_says_when_migrations_are_behind(client, monkeypatch):
    class Behind:
        def __init__(self, connection: object) -> None:
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})()

        def migration_plan(self, targets: object) -> list[str]:
            return ["estimator.9999_not_applied"]

    monkeypatch.setattr(health, "MigrationExecutor", Behind)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"] == "Not ready: migrations."
