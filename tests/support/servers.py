"""Production-settings gunicorn servers on loopback, for tests that cross process boundaries."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 30  # seconds: a busy 2-core CI machine answers slowly, but it answers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(*, port: int | None = None) -> str:
    """The test database's URL (through another port, e.g. a proxy's, when given)."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = "127.0.0.1" if port else settings["HOST"] or "127.0.0.1"
    return (
        f"postgres://{settings['USER']}{password}@{host}:"
        f"{port or settings['PORT'] or 5432}/{settings['NAME']}"
    )


def production_env(*, database: str, redis: str, **extra: str) -> dict[str, str]:
    """Production settings on plain HTTP over loopback, with nothing left from other runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="server-test-" + uuid.uuid4().hex + uuid.uuid4().hex,
        DATABASE_URL=database,
        REDIS_URL=redis,
        CACHE_KEY_PREFIX="server-test-" + uuid.uuid4().hex[:8],
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SESSION_COOKIE_SECURE="false",
        DJANGO_CSRF_COOKIE_SECURE="false",
        DJANGO_CSRF_TRUSTED_ORIGINS="http://127.0.0.1",
        DJANGO_LOG_LEVEL="CRITICAL",
    )
    env.update(extra)
    return env


@contextmanager
def gunicorn_servers(env: dict[str, str], count: int) -> Iterator[list[str]]:
    """count servers (2 workers each) with env, ready to answer; stopped afterwards."""
    # As `make serve-prod` does: the production static storage serves collected, hashed files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    ports = [free_port() for _ in range(count)]
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes = [
        subprocess.Popen(  # noqa: S603  (our own gunicorn)
            [gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            _wait_until_up(base, process)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "died")
        try:
            if requests.get(f"{base}/readyz", timeout=TIMEOUT).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.3)
    raise AssertionError(f"{base} was not ready in time")
