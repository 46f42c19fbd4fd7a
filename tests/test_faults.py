"""Outages: the database or Redis goes away under a running production server, then comes back.

The server reaches PostgreSQL and Redis through TcpProxy, which the test cuts and restores
(the real services keep serving the rest of the suite). Database down: 503 problem responses
with Retry-After, nothing half written, and recovery with no restart. Redis down: quotes are
still served and rate limits let requests through (fail open, as README documents).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection

from estimator.models import Clinic, Estimate, IntegrationKey
from tests.support.servers import TIMEOUT, database_url, gunicorn_servers, production_env
from tests.support.tcp_proxy import TcpProxy

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (TEST_REDIS_URL) and PostgreSQL"),
]


@pytest.fixture
def outage(starter_catalog: Any) -> Iterator[tuple[str, TcpProxy, TcpProxy]]:
    """One server whose database and Redis can be cut: (address, database, redis)."""
    if connection.vendor != "postgresql":
        pytest.skip("the outage is of PostgreSQL")
    settings = connection.settings_dict
    database = TcpProxy(settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))
    redis_address = urlsplit(REDIS_URL)
    redis = TcpProxy(redis_address.hostname or "127.0.0.1", redis_address.port or 6379)
    env = production_env(
        database=database_url(port=database.port),
        redis=f"redis://127.0.0.1:{redis.port}{redis_address.path}",
        ESTIMATOR_RATE_QUOTES_ANON="3/min",
    )
    try:
        with gunicorn_servers(env, 1) as (base,):
            yield base, database, redis
    finally:
        database.stop()
        redis.stop()


def _plan() -> dict[str, Any]:
    start = Clinic.objects.get(slug="cascade").today() + dt.timedelta(days=14)
    return {
        "clinic": "cascade",
        "items": [
            {"service": "dry-needling-1-2", "duration_minutes": 30, "sessions": 4},
        ],
        "sessions_per_week": 1,
        "start_date": start.isoformat(),
        "coverage": {"mode": "self_pay"},
    }


def _estimate() -> dict[str, Any]:
    return {**_plan(), "patient": {"name": "Alex Rivera"}}


def test_database_down_answers_503_writes_nothing_and_recovers_without_a_restart(outage):
    base, database, _ = outage
    _, raw = IntegrationKey.objects.create_key(name="faults", scope="read_write")
    key = {"Authorization": f"Api-Key {raw}"}
    plan, body = _plan(), _estimate()
    assert requests.post(f"{base}/api/v1/quotes", json=plan, timeout=TIMEOUT).status_code == 200

    database.cut()
    quote = requests.post(f"{base}/api/v1/quotes", json=plan, timeout=TIMEOUT)
    assert quote.status_code == 503
    assert quote.headers["Content-Type"] == "application/problem+json"
    assert quote.json()["type"] == "urn:problem-type:estimator:unavailable"
    assert int(quote.headers["Retry-After"]) >= 1
    stored = requests.post(f"{base}/api/v1/estimates", json=body, headers=key, timeout=TIMEOUT)
    assert stored.status_code == 503
    page = requests.get(f"{base}/quote/cascade/", timeout=TIMEOUT)
    assert page.status_code == 503
    assert "Back in a moment" in page.text
    ready = requests.get(f"{base}/readyz", timeout=TIMEOUT).json()
    assert ready["checks"]["database"].startswith("down")
    assert requests.get(f"{base}/healthz", timeout=TIMEOUT).status_code == 200

    database.restore()
    assert requests.get(f"{base}/readyz", timeout=TIMEOUT).status_code == 200
    again = requests.post(f"{base}/api/v1/estimates", json=body, headers=key, timeout=TIMEOUT)
    assert again.status_code == 201
    assert Estimate.objects.count() == 1


def test_reads_after_a_database_restart_reconnect_without_a_failed_request(outage):
    # No health check before each request (CONN_HEALTH_CHECKS off): the kept connections die
    # with the restart, and each worker's first read reconnects and retries instead of failing.
    base, database, _ = outage
    session = requests.Session()
    plan = _plan()
    for _ in range(6):  # both workers hold a connection
        assert session.get(f"{base}/api/v1/clinics", timeout=TIMEOUT).status_code == 200

    database.cut()
    database.restore()
    answers = [session.get(f"{base}/api/v1/clinics", timeout=TIMEOUT) for _ in range(4)]
    answers += [session.post(f"{base}/api/v1/quotes", json=plan, timeout=TIMEOUT)]
    answers += [session.get(f"{base}/quote/cascade/", timeout=TIMEOUT) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200] * 7


def test_a_database_lost_mid_run_leaves_only_whole_estimates(outage):
    base, database, _ = outage
    _, raw = IntegrationKey.objects.create_key(name="faults", scope="read_write")
    key = {"Authorization": f"Api-Key {raw}"}
    body = _estimate()
    codes: list[int] = []
    done = threading.Event()

    def store() -> None:
        session = requests.Session()
        while not done.is_set() and len(codes) < 200:
            response = session.post(
                f"{base}/api/v1/estimates", json=body, headers=key, timeout=TIMEOUT
            )
            codes.append(response.status_code)

    writers = [threading.Thread(target=store) for _ in range(3)]
    for writer in writers:
        writer.start()
    _wait_for(lambda: codes.count(201) >= 3)
    database.cut()
    _wait_for(lambda: codes.count(503) >= 3)
    database.restore()
    created_before = codes.count(201)
    _wait_for(lambda: codes.count(201) >= created_before + 3)
    done.set()
    for writer in writers:
        writer.join()

    assert set(codes) <= {201, 503}, codes
    # Every 201 is one estimate on record, and every estimate is whole: priced, with its services.
    assert Estimate.objects.count() == codes.count(201)
    for estimate in Estimate.objects.prefetch_related("services"):
        assert len(estimate.result_data["scenarios"]["primary"]["sessions"]) == 4
        assert estimate.sessions == 4
        assert [service.code for service in estimate.services.all()] == ["dry-needling-1-2"]


def test_redis_down_still_prices_quotes_and_limits_fail_open(outage):
    base, _, redis = outage
    plan = _plan()
    redis.cut()
    # The limit is 3 a minute; with Redis away it cannot be counted, so none is refused.
    codes = [
        requests.post(f"{base}/api/v1/quotes", json=plan, timeout=TIMEOUT).status_code
        for _ in range(5)
    ]
    assert codes == [200] * 5
    assert requests.get(f"{base}/quote/cascade/", timeout=TIMEOUT).status_code == 200
    ready = requests.get(f"{base}/readyz", timeout=TIMEOUT)
    assert ready.status_code == 503
    assert ready.json()["detail"] == "Not ready: cache."

    redis.restore()
    assert requests.get(f"{base}/readyz", timeout=TIMEOUT).status_code == 200
    codes = [
        requests.post(f"{base}/api/v1/quotes", json=plan, timeout=TIMEOUT).status_code
        for _ in range(8)
    ]
    assert 429 in codes  # counted again (at most 3 a window; 8 may straddle two windows)


def _wait_for(condition: Any, seconds: float = 120) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
