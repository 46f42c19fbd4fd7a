"""The real worker: `celery -A config worker` on Redis, production settings, the test database.

One worker process serves the module (starting one takes seconds). It reaches Redis through
TcpProxy, so a test can cut its broker connection while the real Redis keeps serving the rest
of the suite, and sends email through a small SMTP server on loopback that can drop
connections (retried) or refuse a recipient (failed for good). The test process enqueues
through the app's own code (the service's on-commit hook) straight to Redis.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from django.db import connection

from estimator.emails import estimate_email_send
from estimator.models import EmailStatus, Estimate, EstimateEmail
from estimator.services import estimate_issue
from tests.factories import priced_estimate
from tests.support.servers import database_url
from tests.support.smtp import SmtpServer
from tests.support.tcp_proxy import TcpProxy
from tests.support.worker import celery_worker, wait_until

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (TEST_REDIS_URL) and PostgreSQL"),
]


class Worker:
    """The running worker and what stands between it and the world."""

    def __init__(self, broker: TcpProxy, smtp: SmtpServer, queue: str, log: Path) -> None:
        self.broker = broker
        self.smtp = smtp
        self.queue = queue
        self.log = log


@pytest.fixture(scope="module")
def worker(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Worker]:
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the worker shares the test database: PostgreSQL only")
        database = database_url()
    address = urlsplit(REDIS_URL)
    broker = TcpProxy(address.hostname or "127.0.0.1", address.port or 6379)
    smtp = SmtpServer()
    queue = "test-jobs-" + uuid.uuid4().hex[:8]
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    try:
        with celery_worker(
            database=database,
            broker=f"redis://127.0.0.1:{broker.port}{address.path}",
            enqueue_to=REDIS_URL,  # this process enqueues straight to Redis
            queue=queue,
            log=log,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
            ESTIMATOR_EMAIL_RETRY_BACKOFF="1",
            ESTIMATOR_EMAIL_MAX_RETRIES="3",
        ):
            yield Worker(broker, smtp, queue, log)
    finally:
        broker.stop()
        smtp.stop()


def _until(worker: Worker, done: Callable[[], bool], what: str) -> None:
    wait_until(done, what, worker.log)


def _status(email: EstimateEmail) -> Callable[[], bool]:
    return lambda: EstimateEmail.objects.get(pk=email.pk).status != EmailStatus.QUEUED


@pytest.fixture
def issued(erasable_records: None, starter_catalog: Any) -> Estimate:
    estimate = priced_estimate(email="pat@example.com", diagnosis_codes=("M54.50",))
    return estimate_issue(estimate=estimate, by="test")


def test_the_worker_sends_once_retries_a_dropped_connection_and_fails_a_refused_recipient(
    worker: Worker, issued: Estimate
):
    email = estimate_email_send(estimate=issued, by="test")  # enqueued on commit
    _until(worker, _status(email), "the email was not sent")
    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at is not None) == ("sent", 1, True)
    sent = [m for m in worker.smtp.messages if issued.reference in m["Subject"]]
    assert len(sent) == 1 and sent[0]["To"] == "pat@example.com"
    assert any(part.get_content_type() == "application/pdf" for part in sent[0].walk())

    worker.smtp.drop_next = 1
    retried = estimate_email_send(estimate=issued, to="retry@example.com", by="test")
    _until(worker, _status(retried), "the email was not retried")
    retried.refresh_from_db()
    assert (retried.status, retried.attempts, retried.last_error) == ("sent", 2, "")

    worker.smtp.refuse.add("nobody@example.com")
    refused = estimate_email_send(estimate=issued, to="nobody@example.com", by="test")
    _until(worker, _status(refused), "the email did not fail")
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert "SMTPRecipientsRefused" in refused.last_error


def test_with_redis_out_of_reach_jobs_wait_and_run_once_it_is_back(
    worker: Worker, issued: Estimate
):
    worker.broker.cut()
    try:
        email = estimate_email_send(estimate=issued, by="test")
        # The job is in Redis, and the worker, cut off, cannot have taken it.
        assert redis.Redis.from_url(REDIS_URL).llen(worker.queue) == 1
        assert EstimateEmail.objects.get(pk=email.pk).status == EmailStatus.QUEUED
    finally:
        worker.broker.restore()
    _until(worker, _status(email), "the job did not run after Redis came back")
    assert EstimateEmail.objects.get(pk=email.pk).status == EmailStatus.SENT
