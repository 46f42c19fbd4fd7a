"""Settings: production refuses unsafe configuration; the local default runs with nothing set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "k" * 30 + "-production-secret-for-tests-only"


def run(module: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """python *args in a fresh process with only env's configuration and module's settings."""
    own = ("DJANGO_", "DATABASE_", "REDIS_URL")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(  # noqa: S603  (our own interpreter and scripts)
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, check=False
    )


def load_settings(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run(
        module,
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
        "settings.CACHES['default']['BACKEND'], settings.SECURE_HSTS_SECONDS)",
        **env,
    )


def test_production_refuses_debug() -> None:
    result = load_settings(
        "config.settings.production", DJANGO_DEBUG="true", DJANGO_SECRET_KEY=GOOD_SECRET
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


@pytest.mark.parametrize(
    "secret", ["", "short", "local-development-only-not-a-secret" * 3, "ab" * 40]
)
def test_production_refuses_a_missing_or_weak_secret(secret: str) -> None:
    result = load_settings("config.settings.production", DJANGO_SECRET_KEY=secret)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


PRODUCTION = {
    "DJANGO_SECRET_KEY": GOOD_SECRET,
    "REDIS_URL": "redis://127.0.0.1:6379/3",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/estimator",
    "ESTIMATOR_PUBLIC_URL": "https://estimates.example-clinic.com",
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [("DATABASE_URL", "DATABASE_URL must be set"), ("REDIS_URL", "REDIS_URL must be set")],
)
def test_production_refuses_to_start_without_a_shared_database_or_cache(
    missing: str, message: str
) -> None:
    env = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = load_settings("config.settings.production", **env)
    assert result.returncode != 0
    assert message in result.stderr


def deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    """manage.py check --deploy as make serve-prod runs it, with env's configuration."""
    return run(
        "config.settings.production",
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **env,
    )


def test_production_check_deploy_has_no_warnings_and_hsts_lasts_a_year() -> None:
    checked = deploy_check(**PRODUCTION)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout
    loaded = load_settings("config.settings.production", **PRODUCTION)
    assert loaded.stdout.split()[-1] == "31536000"


@pytest.mark.parametrize("url", ["", "http://estimates.example-clinic.com", "https://localhost"])
def test_the_deploy_check_refuses_a_public_url_patients_cannot_reach(url: str) -> None:
    env = {**PRODUCTION, "ESTIMATOR_PUBLIC_URL": url} if url else dict(PRODUCTION)
    if not url:
        del env["ESTIMATOR_PUBLIC_URL"]  # the default, http://localhost:8000
    checked = deploy_check(**env)
    assert checked.returncode != 0
    assert "estimator.W001" in checked.stdout + checked.stderr


def test_production_starts_with_a_real_secret_and_redis() -> None:
    result = load_settings(
        "config.settings.production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        REDIS_URL="redis://127.0.0.1:6379/3",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/estimator",
    )
    assert result.returncode == 0, result.stderr
    assert "False django.db.backends.postgresql django_redis.cache.RedisCache" in result.stdout


def test_local_settings_need_no_environment() -> None:
    result = load_settings("config.settings.local")
    assert result.returncode == 0, result.stderr
    assert "True django.db.backends.sqlite3 django.core.cache.backends.locmem" in result.stdout


def test_production_logs_json_lines_with_the_request_id() -> None:
    result = run(
        "config.settings.production",
        "-c",
        "import logging, django; django.setup(); from django_guid import set_guid; "
        "set_guid('0123456789abcdef0123456789abcdef'); "
        "logging.getLogger('estimator').warning('estimate %s issued', 'EST-7K3M9Q2X')",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING"
    assert line["logger"] == "estimator"
    assert line["message"] == "estimate EST-7K3M9Q2X issued"
    assert line["request_id"] == "0123456789abcdef0123456789abcdef"
    assert "time" in line


def test_every_response_carries_a_request_id(client) -> None:
    assert len(client.get("/healthz")["X-Request-ID"]) == 32
    mine = "0123456789abcdef0123456789abcdef"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=mine)["X-Request-ID"] == mine
    # Not a UUID: replaced, so a caller cannot inject text into the logs.
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="x\nFAKE LOG LINE")["X-Request-ID"]
    assert len(forged) == 32
    assert "FAKE" not in forged


def _printed(module: str, expression: str, **env: str) -> str:
    """What print(expression) shows, with module's settings in a fresh process."""
    result = run(
        module,
        "-c",
        f"import django; django.setup(); from django.conf import settings; print({expression})",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _catalog_watch(module: str, **env: str) -> str:
    return _printed(module, "settings.CATALOG_WATCH, settings.CATALOG_WATCH_RECHECK", **env)


def test_the_catalog_watch_is_on_in_production_only_and_the_environment_switches_it() -> None:
    assert _catalog_watch("config.settings.production", **PRODUCTION) == "True 5.0"
    assert _catalog_watch("config.settings.local") == "False 5.0"
    assert (
        _catalog_watch(
            "config.settings.production",
            **PRODUCTION,
            DJANGO_CATALOG_WATCH="false",
            DJANGO_CATALOG_WATCH_RECHECK="2.5",
        )
        == "False 2.5"
    )
    # Tests never commit what they change, so nothing would be notified: off whatever is set.
    assert _catalog_watch("config.settings.test", DJANGO_CATALOG_WATCH="true") == "False 5.0"


def _binding(module: str, **env: str) -> str:
    options = "settings.DATABASES['default'].get('OPTIONS', {})"
    return _printed(module, f"{options}.get('server_side_binding')", **env)


def _prepare_threshold(module: str, **env: str) -> str:
    options = "settings.DATABASES['default'].get('OPTIONS', {})"
    return _printed(module, f"{options}.get('prepare_threshold')", **env)


def test_postgresql_binds_parameters_on_the_server_unless_the_environment_says_not() -> None:
    assert _binding("config.settings.production", **PRODUCTION) == "True"
    off = {**PRODUCTION, "DJANGO_DB_SERVER_SIDE_BINDING": "false"}
    assert _binding("config.settings.production", **off) == "False"
    # SQLite has no such option.
    assert _binding("config.settings.local") == "None"


def test_postgresql_prepares_repeated_statements_only_with_server_side_binding() -> None:
    # Django turns psycopg's prepared statements off unless OPTIONS asks for them.
    assert _prepare_threshold("config.settings.production", **PRODUCTION) == "5"
    fewer = {**PRODUCTION, "DJANGO_DB_PREPARE_THRESHOLD": "2"}
    assert _prepare_threshold("config.settings.production", **fewer) == "2"
    # A client-side binding cursor cannot prepare: both go off together (PgBouncer < 1.21).
    off = {**PRODUCTION, "DJANGO_DB_SERVER_SIDE_BINDING": "false"}
    assert _prepare_threshold("config.settings.production", **off) == "None"
    assert _prepare_threshold("config.settings.local") == "None"


@pytest.mark.django_db
def test_the_test_database_connection_binds_as_production_does() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        kinds = {kind.__name__ for kind in type(cursor.cursor).__mro__}
    if connection.vendor == "postgresql":
        # Django's server-binding cursor (a psycopg Cursor), not a ClientCursor: the PostgreSQL
        # suite runs every query as production sends it.
        assert "ServerBindingCursor" in kinds and "ClientCursor" not in kinds
        # And prepares a statement it runs five times, as production does: the server then
        # holds it parsed and planned.
        assert connection.connection.prepare_threshold == 5
        seen = "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s"
        with connection.cursor() as cursor:
            for _ in range(6):
                cursor.execute("SELECT %s::int + 1 AS prepared_check", [1])
            cursor.execute(seen, ["%prepared_check%"])
            assert cursor.fetchone() == (1,)
    else:
        assert connection.vendor == "sqlite"
