"""Requests per second through the production stack, each endpoint against a do-nothing DRF view.

Run: make bench   (or .venv/bin/python bench/bench_http.py; needs wrk: apt-get install wrk)
BENCH_SECONDS, BENCH_MEMORY_QUOTES, BENCH_ONLY (a comma list of endpoints), BENCH_DATABASE_URL
and BENCH_REDIS_URL change what it runs and where.

Serves the app as `make serve-prod` does — production settings, gunicorn with config/gunicorn.py
and 2 sync workers, PostgreSQL (BENCH_DATABASE_URL, a fresh database each run) and Redis
(BENCH_REDIS_URL, flushed) — with rate limits lifted and one extra URL, /bench/noop (a DRF view
that does nothing: bench/server/urls.py, never in the product's URLs). Drives each endpoint with
wrk for BENCH_SECONDS at concurrency 8 and prints req/s, p50, p99, errors and the ratio to
/bench/noop measured just before and just after it (the machine's speed drifts); then the
queries a warm quote makes, the engine's time per plan, and each worker's memory after
BENCH_MEMORY_QUOTES quotes. Writes bench/results.json.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = 8
MEMORY_QUOTES = int(os.environ.get("BENCH_MEMORY_QUOTES", "100000"))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/estimator_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
# BENCH_ONLY=quote,estimate: just these endpoints (and the do-nothing view), for a quick look.
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
RESULTS = ROOT / "bench" / "results.json"

# What issue #10 asks of each endpoint, as a share of the do-nothing view's requests per second.
TARGETS = {
    "clinics": 0.8,
    "services": 0.8,
    "services_304": 0.9,
    "quote": 0.5,
    "quote_varied": 0.5,
    "page": 0.3,
    "estimate": 0.2,
}

PLAN: dict[str, Any] = {
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
    "coverage": {"mode": "insured"},
}

SETUP = """
import datetime as dt, json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from estimator import pricing
from estimator.models import Clinic, InsurancePlan, IntegrationKey
from estimator.quotes import QuoteInput, quote_build
clinic = Clinic.objects.get(slug="cascade")
plan = InsurancePlan.objects.get(clinic=clinic, name="Preferred PPO")
start = clinic.today() + dt.timedelta(days=7)
_, key = IntegrationKey.objects.create_key(name="bench", scope="read_write")
body = json.loads(BODY)
body["start_date"] = start.isoformat()
body["coverage"]["plan"] = plan.pk
client = Client(HTTP_HOST="127.0.0.1")
client.post("/api/v1/quotes", body, content_type="application/json")
with CaptureQueriesContext(connection) as queries:
    client.post("/api/v1/quotes", body, content_type="application/json")
quote = quote_build(quote=QuoteInput(
    clinic=clinic, items=(pricing.PlanItem("dry-needling-1-2", 30, 12,
    ("estim-unattended", "manual-therapy")),), sessions_per_week=2, start_date=start,
    coverage_mode="insured", plan=plan))
coverage = pricing.Insured(quote.terms, pricing.Standing())
request = pricing.PlanRequest(quote.input.items, 2, start)
import timeit
from bench.bench_engine import reference
runs = [min(timeit.repeat(lambda: pricing.estimate_plan(request, quote.catalog, coverage),
        number=200, repeat=7)) / 200 * 1e6,
        min(timeit.repeat(reference, number=200, repeat=7)) / 200 * 1e6]
print("BENCH-SETUP " + json.dumps({"plan": plan.pk, "start": start.isoformat(), "key": key,
      "queries_per_quote": len(queries), "engine_us": round(runs[0], 1),
      "engine_reference": round(runs[0] / runs[1], 2)}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def _fresh_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _lua(method: str, body: str | None, headers: dict[str, str]) -> str:
    lines = [f'wrk.method = "{method}"']
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if body is not None and "%d" in body:
        # A template: every request a different plan (length and deductible already met), so
        # none is answered from memory - the cost of pricing, not of remembering.
        lines.append(f"local template = {json.dumps(body)}")
        lines.append(
            "request = function() return wrk.format(nil, nil, nil, string.format(template, "
            "math.random(1, 20), math.random(0, 20000) / 100)) end"
        )
    elif body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    value = float(re.sub(r"[a-z]+$", "", text))
    unit = re.sub(r"^[\d.]+", "", text)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _wrk(url: str, script: Path, seconds: int) -> dict[str, Any]:
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: S603
    found = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "errors": errors,
        "requests": int(found.group(1)) if found else 0,
    }


def _cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _stack_pids(master: int, database: str) -> tuple[list[int], list[int]]:
    """The gunicorn workers, and the PostgreSQL backends serving the benchmark's database."""
    import psycopg

    workers = [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return workers, [int(row[0]) for row in rows]


def _worker_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        sizes.append(round(kb / 1024, 1))
    return sizes


def _manage(env: dict[str, str], *args: str) -> str:
    python = str(VENV_BIN / "python")
    done = subprocess.run(  # noqa: S603
        [python, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.server.settings",
        "DJANGO_SECRET_KEY": "bench-" + "k3y" * 20,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "ESTIMATOR_RATE_ANON": "100000000/min",
        "ESTIMATOR_RATE_QUOTES_ANON": "100000000/min",
        "ESTIMATOR_RATE_KEY": "100000000/min",
        "ESTIMATOR_QUOTE_RATE": "100000000/m",
        "DJANGO_LOG_LEVEL": "WARNING",
        "GUNICORN_WORKERS": "2",
        # No recycling: the memory figure must show what 100,000 quotes leave behind.
        "GUNICORN_MAX_REQUESTS": "0",
        "PYTHONPATH": str(ROOT),
    }


def _endpoints(
    setup: dict[str, Any], etag: str
) -> list[tuple[str, str, str, str, str | None, dict[str, str]]]:
    plan = {
        **PLAN,
        "start_date": setup["start"],
        "coverage": {"mode": "insured", "plan": setup["plan"]},
    }
    body = json.dumps(plan)
    varied = (
        json.dumps(
            {
                **plan,
                "items": [{**PLAN["items"][0], "sessions": 999}],
                "coverage": {
                    "mode": "insured",
                    "plan": setup["plan"],
                    "standing": {"deductible_met": {"amount": "888", "currency": "USD"}},
                },
            }
        )
        .replace("999", "%d")
        .replace('"888"', '"%.2f"')
    )
    stored = json.dumps({**plan, "patient": {"name": "Bench Patient"}})
    page = urllib.parse.urlencode(
        {
            "area": "neck",
            "service": "dry-needling-1-2",
            "minutes": 30,
            "add_on": "estim-unattended",
            "sessions": 12,
            "per_week": 2,
            "start": setup["start"],
            "coverage": "insured",
            "plan": setup["plan"],
        }
    )
    json_type = {"Content-Type": "application/json"}
    key = {"Authorization": f"Api-Key {setup['key']}"}
    return [
        ("noop", "GET  /bench/noop (do-nothing DRF view)", "GET", "/bench/noop", None, {}),
        ("clinics", "GET  /api/v1/clinics", "GET", "/api/v1/clinics", None, {}),
        (
            "services",
            "GET  /api/v1/services?clinic=cascade",
            "GET",
            "/api/v1/services?clinic=cascade",
            None,
            {},
        ),
        (
            "services_304",
            "GET  /api/v1/services?clinic=cascade, If-None-Match (304)",
            "GET",
            "/api/v1/services?clinic=cascade",
            None,
            {"If-None-Match": etag},
        ),
        (
            "quote",
            "POST /api/v1/quotes (12 sessions, 2 add-ons, insured)",
            "POST",
            "/api/v1/quotes",
            body,
            json_type,
        ),
        (
            "quote_varied",
            "POST /api/v1/quotes (a different plan each time)",
            "POST",
            "/api/v1/quotes",
            varied,
            json_type,
        ),
        (
            "quote_summary",
            "POST /api/v1/quotes/summary (same plan, figures only)",
            "POST",
            "/api/v1/quotes/summary",
            body,
            json_type,
        ),
        (
            "page",
            "GET  /quote/cascade/?answers (patient page, same plan)",
            "GET",
            f"/quote/cascade/?{page}",
            None,
            {},
        ),
        (
            "estimate",
            "POST /api/v1/estimates (same plan, stored, API key)",
            "POST",
            "/api/v1/estimates",
            stored,
            {**json_type, **key},
        ),
    ]


def main() -> int:
    """Serve, measure every endpoint, print the table and write bench/results.json."""
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk); skipping the HTTP benchmark")
        return 0
    env = _environment()
    try:
        _fresh_database(DATABASE_URL)
        _flush_redis(REDIS_URL)
    except Exception as error:
        print(f"PostgreSQL ({DATABASE_URL}) and Redis ({REDIS_URL}) are needed: {error}")
        return 1
    _manage(env, "migrate", "-v0")
    _manage(env, "load_starter_catalog")
    _manage(env, "collectstatic", "--noinput", "-v0")
    out = _manage(env, "shell", "-c", f"BODY = {json.dumps(json.dumps(PLAN))}\n{SETUP}")
    setup = json.loads(out.split("BENCH-SETUP ", 1)[1])
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [str(VENV_BIN / "gunicorn"), "config.wsgi", "--config", "config/gunicorn.py"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tmp = tempfile.TemporaryDirectory()
    results: dict[str, Any] = {}
    try:
        _wait(f"{base}/bench/noop")
        for _ in range(20):  # both workers answer once before their size is read
            urllib.request.urlopen(f"{base}/bench/noop").read()  # noqa: S310 - loopback only
        memory_start = _worker_rss_mb(server.pid)
        with urllib.request.urlopen(f"{base}/api/v1/services?clinic=cascade") as response:  # noqa: S310
            etag = response.headers["ETag"]
        print(
            f"gunicorn, 2 sync workers, PostgreSQL, Redis, production settings; "
            f"wrk 2 threads, {CONNECTIONS} connections, {SECONDS} s each"
        )
        print(
            f"{'endpoint':<62} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
            f"{'ratio':>6} {'app':>5} {'db':>5}  target   (app, db: CPU ms per request; "
            "ratio: to the do-nothing view measured just before and just after; noop: their mean)"
        )

        def measure(name: str, method: str, path: str, body: str | None, headers: Any) -> Any:
            script = Path(tmp.name) / f"{name}.lua"
            script.write_text(_lua(method, body, headers))
            _wrk(f"{base}{path}", script, 2)  # warm every worker's caches first
            # CPU per request, of the workers and of PostgreSQL (not Redis: shared with others):
            # on a busy machine a steadier yardstick than requests per second.
            workers, backends = _stack_pids(
                server.pid, urllib.parse.urlsplit(DATABASE_URL).path[1:]
            )
            app_cpu, db_cpu = _cpu_seconds(workers), _cpu_seconds(backends)
            figures = _wrk(f"{base}{path}", script, SECONDS)
            done = max(figures["requests"], 1)
            figures["app_cpu_ms"] = round((_cpu_seconds(workers) - app_cpu) / done * 1000, 3)
            figures["db_cpu_ms"] = round((_cpu_seconds(backends) - db_cpu) / done * 1000, 3)
            return figures

        endpoints = _endpoints(setup, etag)
        noop = endpoints[0]
        noop_name, noop_label, noop_method, noop_path, _, _ = noop

        def measure_noop() -> Any:
            return measure(noop_name, noop_method, noop_path, None, {})

        # The do-nothing view is measured again after every endpoint, and each endpoint's ratio
        # is to the mean of the runs just before and after it: this machine's speed drifts by
        # tens of percent over minutes, which a single noop run at the start would put into
        # every ratio.
        noop_runs = [measure_noop()]
        for name, label, method, path, body, headers in endpoints[1:]:
            if ONLY and name not in ONLY:
                continue
            figures = measure(name, method, path, body, headers)
            noop_runs.append(measure_noop())
            beside = (noop_runs[-2]["rps"] + noop_runs[-1]["rps"]) / 2
            figures["ratio"] = round(figures["rps"] / beside, 3)
            figures["noop_rps_beside"] = round(beside, 1)
            results[name] = {"endpoint": label.split(" ", 1)[1].strip(), **figures}
        results = {
            "noop": {
                "endpoint": noop_label.split(" ", 1)[1].strip(),
                **{
                    key: round(sum(run[key] for run in noop_runs) / len(noop_runs), 3)
                    for key in ("rps", "p50_ms", "p99_ms", "app_cpu_ms", "db_cpu_ms")
                },
                "errors": sum(run["errors"] for run in noop_runs),
                "requests": sum(run["requests"] for run in noop_runs),
                "ratio": 1.0,
                "runs_rps": [run["rps"] for run in noop_runs],
            },
            **results,
        }
        for name, label, *_ in endpoints:
            if name not in results:
                continue
            figures = results[name]
            target = TARGETS.get(name)
            verdict = (
                ""
                if target is None
                else f"≥ {target}  {'met' if figures['ratio'] >= target else 'NOT MET'}"
            )
            print(
                f"{label:<62} {figures['rps']:8.0f} {figures['p50_ms']:7.1f} "
                f"{figures['p99_ms']:7.1f} {figures['errors']:6d} {figures['ratio']:6.2f} "
                f"{figures['app_cpu_ms']:5.2f} {figures['db_cpu_ms']:5.2f}  "
                f"{verdict}",
                flush=True,
            )
        print(
            "do-nothing view, each run (req/s): "
            + ", ".join(f"{rps:.0f}" for rps in results["noop"]["runs_rps"])
        )
        memory_warm = _worker_rss_mb(server.pid)  # every endpoint has run: code and caches warm
        print(f"queries per warm quote (in process, anonymous): {setup['queries_per_quote']}")
        print(
            f"engine per 12-session insured plan: {setup['engine_us']} µs "
            f"(= {setup['engine_reference']} x bench_engine's reference workload, "
            "which compares across machines)"
        )
        served = sum(
            results[k]["requests"]
            for k in ("quote", "quote_varied", "quote_summary")
            if k in results
        )
        script = Path(tmp.name) / "quote.lua"
        while served < MEMORY_QUOTES:
            rate = max(results.get("quote", {}).get("rps", 1000.0), 1.0)
            seconds = max(1, min(60, int((MEMORY_QUOTES - served) / rate) + 1))
            served += _wrk(f"{base}/api/v1/quotes", script, seconds)["requests"]
        memory = _worker_rss_mb(server.pid)
        print(
            f"worker memory after {served:,} quotes: {', '.join(f'{m} MB' for m in memory)} "
            f"(at start: {', '.join(f'{m} MB' for m in memory_start)}; after every endpoint "
            f"had run once: {', '.join(f'{m} MB' for m in memory_warm)})"
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        tmp.cleanup()
    record = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "setup": "gunicorn 2 sync workers, PostgreSQL, Redis, production settings; "
        f"wrk -t2 -c{CONNECTIONS} -d{SECONDS}s",
        "endpoints": results,
        "targets": TARGETS,
        "queries_per_quote": setup["queries_per_quote"],
        "engine_us_per_plan": setup["engine_us"],
        "engine_reference_multiple": setup["engine_reference"],
        "quotes_served_before_memory": served,
        "worker_rss_mb": memory,
        "worker_rss_mb_at_start": memory_start,
        "worker_rss_mb_after_the_table": memory_warm,
    }
    RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
