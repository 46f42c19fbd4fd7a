"""compose.yaml and the Containerfile describe the topology the Makefile runs (CI has no Docker).

Two app servers run `make serve-prod`, one worker `make worker`, beside PostgreSQL and Redis;
the environment the app and worker get is enough for the production settings to start, and
holds every variable they refuse to start without.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APPS = ("app1", "app2", "worker")

# In one fresh process: does production load with this environment, and which of its variables
# does it refuse to load without? (base.py reads the environment when imported: each try
# imports the settings anew.)
PROBE = """
import json, os, runpy, sys
from django.core.exceptions import ImproperlyConfigured
env = json.loads(sys.argv[1])
def loads(values):
    os.environ.clear()
    os.environ.update(values)
    for name in [m for m in sys.modules if m.startswith("config.settings.")]:
        del sys.modules[name]
    try:
        runpy.run_module("config.settings.production", run_name="config.settings.production")
    except ImproperlyConfigured:
        return False
    return True
without = {k: {n: v for n, v in env.items() if n != k} for k in env}
print(json.dumps([loads(env), sorted(k for k in env if not loads(without[k]))]))
"""


def _resolve(value: Any) -> str:
    """Compose's ${VAR:-default} and ${VAR:?error} with a sample value for the required ones."""
    samples = {
        "DJANGO_SECRET_KEY": "s3cr3t-" + "x7Kq9-" * 10,
        "POSTGRES_PASSWORD": "password",
    }

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        return rest if kind == ":-" else samples[name]

    return re.sub(r"\$\{(\w+)(:[-?])([^}]*)\}", one, str(value))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded["services"]


def _targets() -> dict[str, str]:
    """Each Makefile target and its recipe."""
    text = (ROOT / "Makefile").read_text()
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"^([\w-]+):[^\n=]*\n((?:\t[^\n]*\n)*)", text, re.MULTILINE)
    }


def test_the_services_are_two_app_servers_a_worker_postgres_and_redis(compose) -> None:
    assert set(compose) == {"app1", "app2", "worker", "db", "redis"}
    assert compose["db"]["image"].startswith("postgres:")
    assert compose["redis"]["image"].startswith("redis:")
    for name in APPS:
        assert compose[name]["build"]["dockerfile"] == "Containerfile"


def test_the_commands_are_the_makefile_targets(compose) -> None:
    targets = _targets()
    assert "gunicorn config.wsgi --config config/gunicorn.py" in targets["serve-prod"]
    assert "celery -A config worker" in targets["worker"]
    for name in ("app1", "app2"):
        command = compose[name]["command"]
        assert command[:2] == ["make", "serve-prod"] and "HOST=0.0.0.0" in command
        assert compose[name]["healthcheck"]["test"][-1].count("/readyz") == 1
    assert compose["worker"]["command"] == ["make", "worker"]
    containerfile = (ROOT / "Containerfile").read_text()
    assert 'CMD ["make", "serve-prod", "HOST=0.0.0.0", "PORT=8000"]' in containerfile
    assert "requirements/base.txt" in containerfile


def test_app_and_worker_get_everything_production_settings_require(compose) -> None:
    environments = [
        {k: _resolve(v) for k, v in compose[name]["environment"].items()} for name in APPS
    ]
    env = environments[0]
    assert all(other == env for other in environments)
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    result = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", PROBE, json.dumps({**base, **env})],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loads, required = json.loads(result.stdout)
    assert loads, "production settings refuse compose.yaml's environment"
    # What production.py refuses to start without, each found set in compose.yaml.
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= set(required)
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
