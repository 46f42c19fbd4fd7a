"""Webhooks through the real worker: signed, retried after a 500, and safe against replays.

One worker process (production settings, private addresses allowed for the loopback receiver,
a one-second backoff) on PostgreSQL and Redis; the receiver (tests/support/webhook_receiver.py)
verifies every signature with the standardwebhooks package, as docs/api.md tells clients to.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from estimator.models import SUBSCRIBABLE, Clinic, WebhookAttempt, WebhookDelivery
from estimator.webhooks import (
    webhook_body,
    webhook_endpoint_create,
    webhook_headers,
    webhook_secret_new,
)
from tests.factories import priced_estimate
from tests.support.servers import database_url
from tests.support.webhook_receiver import WebhookReceiver, post_again
from tests.support.worker import celery_worker, wait_until

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (TEST_REDIS_URL) and PostgreSQL"),
]


@pytest.fixture(scope="module")
def worker_log(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[Path]:
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the worker shares the test database: PostgreSQL only")
        database = database_url()
    log = tmp_path_factory.mktemp("webhook-worker") / "worker.log"
    with celery_worker(
        database=database,
        broker=REDIS_URL,
        enqueue_to=REDIS_URL,
        queue="test-webhooks-" + uuid.uuid4().hex[:8],
        log=log,
        # Production refuses both; the receiver is plain HTTP on loopback.
        ESTIMATOR_WEBHOOK_ALLOW_PRIVATE="true",
        ESTIMATOR_WEBHOOK_REQUIRE_HTTPS="false",
        ESTIMATOR_WEBHOOK_RETRY_BACKOFF="1",
    ):
        yield log


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(webhook_secret_new())
    yield receiver
    receiver.stop()


def test_the_worker_signs_retries_a_500_and_the_receiver_refuses_replays_and_stale_ones(
    worker_log: Path, receiver: WebhookReceiver, starter_catalog: Any
) -> None:
    endpoint, _ = webhook_endpoint_create(
        clinic=Clinic.objects.get(slug="cascade"), url=receiver.url, events=list(SUBSCRIBABLE)
    )
    type(endpoint).objects.filter(pk=endpoint.pk).update(secret=receiver.webhook_secret)
    receiver.fail_next = [500]
    estimate = priced_estimate()  # committed: the delivery is enqueued on commit

    def delivered() -> bool:
        return WebhookDelivery.objects.filter(status="delivered").exists()

    wait_until(delivered, "the event was not delivered", worker_log)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_type, delivery.attempts) == ("estimate.created", 2)
    attempts = WebhookAttempt.objects.filter(delivery=delivery).order_by("number")
    assert [(a.status_code, a.latency_ms is not None) for a in attempts] == [
        (500, True),
        (204, True),
    ]
    # Both attempts verified (the first was answered 500 as told), with the same webhook-id.
    assert [r.verdict.split(",")[0] for r in receiver.received] == [
        "verified",
        "accepted",
    ]
    assert {r.headers["webhook-id"] for r in receiver.received} == {delivery.event_id}
    [payload] = receiver.accepted()
    assert payload["type"] == "estimate.created"
    assert payload["data"]["reference"] == estimate.reference

    # Someone who captured the delivery sends it again: same id, so refused.
    sent = receiver.received[-1]
    signed = {k: v for k, v in sent.headers.items() if k.startswith("webhook-")}
    signed["content-type"] = "application/json"
    assert post_again(receiver.url, headers=signed, body=sent.body) == 409

    # A delivery signed ten minutes ago (a new id, a valid signature) is too old.
    body = webhook_body(json.loads(sent.body))
    stale = webhook_headers(
        secret=receiver.webhook_secret,
        event_id="msg_replayed_later",
        body=body,
        now=timezone.now() - dt.timedelta(minutes=10),
    )
    assert post_again(receiver.url, headers=stale, body=body.encode()) == 400
    assert "too old" in receiver.received[-1].verdict
