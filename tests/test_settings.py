"""Settings: production refuses unsafe configuration; the local default runs with nothing set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "k" * 30 + "-production-secret-for-tests-only"


def load_settings(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
            "settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_debug() -> None:
    result = load_settings(
        "config.settings.production", DJANGO_DEBUG="true", DJANGO_SECRET_KEY=GOOD_SECRET
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


@pytest.mark.parametrize("secret", ["", "short", "local-development-only-not-a-secret" * 3])
def test_production_refuses_a_missing_or_weak_secret(secret: str) -> None:
    result = load_settings("config.settings.production", DJANGO_SECRET_KEY=secret)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


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
