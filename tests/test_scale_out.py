"""Two app servers, one PostgreSQL and one Redis: they behave as one service.

Starts two gunicorn servers with the production settings on loopback against the test
database and a Redis database, and shows that (a) rate limits are shared, (b) one
Idempotency-Key sent to both at once makes one estimate, (c) a price changed through one is
priced by the other's next quote — every one of them, on both of its workers, from the moment
the change is saved (each worker learns of it by LISTEN/NOTIFY, estimator/catalog_watch.py, as
production settings have it) — (d) a staff session started on one is valid on the other.
Runs on PostgreSQL with Redis (CI's second pass); on SQLite it is skipped.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection

from estimator.models import Clinic, Estimate, IntegrationKey, ServicePrice
from tests.support.servers import TIMEOUT, database_url, gunicorn_servers, production_env
from tests.support.watchers import watcher_sessions

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the servers read what the test commits
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (TEST_REDIS_URL) and PostgreSQL"),
]


@pytest.fixture
def servers(starter_catalog: Any) -> Iterator[list[str]]:
    if connection.vendor != "postgresql":
        pytest.skip("two servers need a database both can reach: PostgreSQL")
    env = production_env(
        database=database_url(), redis=REDIS_URL, ESTIMATOR_RATE_QUOTES_ANON="5/min"
    )
    with gunicorn_servers(env, 2) as bases:
        yield bases


def _plan(start: dt.date) -> dict[str, Any]:
    return {
        "clinic": "cascade",
        "items": [{"service": "dry-needling-1-2", "duration_minutes": 30, "sessions": 1}],
        "sessions_per_week": 1,
        "start_date": start.isoformat(),
        "coverage": {"mode": "self_pay"},
    }


def _start() -> dt.date:
    return Clinic.objects.get(slug="cascade").today() + dt.timedelta(days=60)


def test_rate_limits_are_shared_by_both_servers(servers):
    plan = _plan(_start())
    # Limits count in windows of whole minutes: start early in one, so all seven fall in it.
    if time.time() % 60 > 40:
        time.sleep(61 - time.time() % 60)
    codes = [
        requests.post(f"{servers[i % 2]}/api/v1/quotes", json=plan, timeout=TIMEOUT).status_code
        for i in range(7)
    ]
    # 5 a minute in all, not 5 on each server (which would let all seven through).
    assert codes == [200] * 5 + [429] * 2


def test_one_idempotency_key_sent_to_both_at_once_makes_one_estimate(servers, staff_user):
    _, raw = IntegrationKey.objects.create_key(name="scale-out", scope="read_write")
    body = {**_plan(_start()), "patient": {"name": "Alex Rivera"}}
    headers = {"Authorization": f"Api-Key {raw}", "Idempotency-Key": "visit-" + uuid.uuid4().hex}
    ready = threading.Barrier(6)
    answers: list[tuple[int, str]] = []

    def send(base: str) -> None:
        ready.wait()
        response = requests.post(
            f"{base}/api/v1/estimates", json=body, headers=headers, timeout=TIMEOUT
        )
        answers.append((response.status_code, response.json().get("reference", "")))

    threads = [threading.Thread(target=send, args=(servers[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Estimate.objects.count() == 1
    reference = Estimate.objects.get().reference
    # Each answer is the one estimate, or "still in progress, retry" (409) while it is made.
    assert all((code == 201 and ref == reference) or code == 409 for code, ref in answers), answers
    assert (201, reference) in answers


def _admin_session(base: str, user: Any) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/admin/login/", timeout=TIMEOUT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None, (page.status_code, page.text[:3000])
    response = session.post(
        f"{base}/admin/login/?next=/admin/",
        data={
            "username": user.username,
            "password": "pw-staff-123",
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Referer": f"{base}/admin/login/"},
    )
    assert "sessionid" in session.cookies, re.findall(r'errornote">(.*?)</p>', response.text, re.S)
    return session


def _admin_post(session: requests.Session, base: str, path: str, data: dict[str, Any]) -> None:
    page = session.get(f"{base}{path}").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = session.post(
        f"{base}{path}",
        data={**data, "csrfmiddlewaretoken": token.group(1), "_save": "Save"},
        headers={"Referer": f"{base}{path}"},
    )
    assert response.status_code == 200
    assert "errornote" not in response.text, re.findall(
        r'class="errorlist[^>]*>(.*?)</ul>', response.text
    )


def _charges(base: str, plan: dict[str, Any], key: str, at_once: int) -> list[Decimal]:
    """Total charges of at_once quotes sent together: a sync worker answers one request at a
    time, so several at once keep both of a server's workers answering. With an API key: the
    anonymous limit here is 5 a minute."""
    charges: list[Decimal] = []
    headers = {"Authorization": f"Api-Key {key}"}

    def ask() -> None:
        answer = requests.post(
            f"{base}/api/v1/quotes", json=plan, headers=headers, timeout=TIMEOUT
        ).json()
        charges.append(Decimal(answer["summary"]["total_charge"]["amount"]))

    threads = [threading.Thread(target=ask) for _ in range(at_once)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return charges


def test_a_session_and_a_price_change_made_on_one_server_hold_on_the_other(
    servers, staff_user, settings
):
    first, second = servers
    # The servers check passwords with production's hashers, not the tests' fast MD5.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    staff_user.set_password("pw-staff-123")
    staff_user.save()
    session = _admin_session(first, staff_user)
    # (d) the session cookie from the first server is honoured by the second.
    assert (
        session.get(f"{second}/admin/", allow_redirects=False, timeout=TIMEOUT).status_code == 200
    )

    start = _start()
    plan = _plan(start)
    # The first server serves no read-only request: the watchers that start now are the second's.
    listening = watcher_sessions()
    before = requests.post(f"{second}/api/v1/quotes", json=plan, timeout=TIMEOUT).json()
    charge = Decimal(before["summary"]["total_charge"]["amount"])
    # Both of the second server's workers quote this plan (and keep the answer) and listen.
    _, key = IntegrationKey.objects.create_key(name="scale-out", scope="read")
    deadline = time.monotonic() + 60
    while len(watcher_sessions() - listening) < 2:
        assert time.monotonic() < deadline, "the second server's workers are not listening"
        assert _charges(second, plan, key, at_once=4) == [charge] * 4
    seconds = watcher_sessions() - listening
    current = ServicePrice.objects.get(
        clinic__slug="cascade",
        service__code="dry-needling-1-2",
        duration_minutes=30,
        effective_to__isnull=True,
    )
    assert current.effective_from <= start
    fields = {
        "clinic": current.clinic_id,
        "service": current.service_id,
        "duration_minutes": 30,
        "amount_1": "USD",
    }
    # (c) through the first server's admin: end today's open price, add a dearer one from start.
    _admin_post(
        session,
        first,
        f"/admin/estimator/serviceprice/{current.pk}/change/",
        {
            **fields,
            "amount_0": str(current.amount.amount),
            "effective_from": current.effective_from.isoformat(),
            "effective_to": (start - dt.timedelta(days=1)).isoformat(),
        },
    )
    _admin_post(
        session,
        first,
        "/admin/estimator/serviceprice/add/",
        {
            **fields,
            "amount_0": str(current.amount.amount + 10),
            "effective_from": start.isoformat(),
            "effective_to": "",
        },
    )
    # At once, again and again, from either worker: none answers from the old catalog (or its
    # kept answer), and each still listens on the session it had (none fell back meanwhile).
    after = requests.post(f"{second}/api/v1/quotes", json=plan, timeout=TIMEOUT).json()
    assert Decimal(after["summary"]["total_charge"]["amount"]) == charge + 10
    for _ in range(5):
        assert _charges(second, plan, key, at_once=4) == [charge + 10] * 4
    assert seconds <= watcher_sessions()
