"""Requests per second through gunicorn: POST /api/v1/quotes against GET /api/v1/clinics.

Run: .venv/bin/python bench/bench_http.py   (needs wrk: apt-get install wrk)

Serves the app with gunicorn (production settings, 2 workers, a throw-away SQLite database
with the starter catalog, rate limits lifted) on a free loopback port, then drives it with wrk
for a few seconds per endpoint. The catalog read is the baseline; the quote prices a
12-session insured plan with two add-ons.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))

QUOTE = {
    "clinic": "cascade",
    "items": [
        {
            "service": "dry-needling-1-2",
            "duration_minutes": 30,
            "add_ons": ["estim-unattended", "manual-therapy"],
            "sessions": 12,
        }
    ],
    "sessions_per_week": 2,
    "start_date": None,
    "coverage": {"mode": "insured", "plan": None},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def _wrk(url: str, script: Path | None = None) -> tuple[float, str]:
    cmd = ["wrk", "-t2", "-c8", f"-d{SECONDS}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    note = f" ({non2xx.group(1)} non-2xx!)" if non2xx else ""
    return rps, f"p50 {p50}, p99 {p99}{note}"


def main() -> int:
    """Start gunicorn, measure both endpoints, print requests per second and the ratio."""
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk); skipping the HTTP benchmark")
        return 0
    tmp = tempfile.TemporaryDirectory()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{tmp.name}/bench.sqlite3",
        "ESTIMATOR_RATE_ANON": "100000000/min",
        "ESTIMATOR_RATE_QUOTES_ANON": "100000000/min",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    python = str(VENV_BIN / "python")
    for args in (
        ["migrate", "-v0"],
        ["load_starter_catalog"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603
    setup = (
        "from estimator.models import InsurancePlan, Clinic; import datetime as dt; "
        "c = Clinic.objects.get(slug='cascade'); "
        "print(InsurancePlan.objects.get(clinic=c, name='Preferred PPO').pk, "
        "(c.today() + dt.timedelta(days=7)).isoformat())"
    )
    out = subprocess.run(  # noqa: S603
        [python, "manage.py", "shell", "-c", setup],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    QUOTE["coverage"]["plan"] = int(out[-2])  # type: ignore[index]
    QUOTE["start_date"] = out[-1]
    body = Path(tmp.name) / "quote.lua"
    body.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(json.dumps(QUOTE))}\n"
    )
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        _wait(f"{base}/clinics")
        print(f"gunicorn, 2 workers, SQLite; wrk 2 threads, 8 connections, {SECONDS} s each")
        read_rps, read_lat = _wrk(f"{base}/clinics")
        print(f"GET  /api/v1/clinics (baseline)        {read_rps:8.1f} req/s   {read_lat}")
        quote_rps, quote_lat = _wrk(f"{base}/quotes", body)
        print(f"POST /api/v1/quotes (12 sessions, 2 add-ons) {quote_rps:8.1f} req/s   {quote_lat}")
        print(f"quote / catalog throughput ratio: {quote_rps / read_rps:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
