"""Signed webhooks: events for a clinic's endpoints, delivered by the worker with retries.

A change that makes an event (an estimate issued, a GFE request received ...) writes one
WebhookDelivery row per active endpoint of its clinic that asked for that event, in the same
transaction as the change, and enqueues the send job when it commits (webhook_emit). The job
(tasks.webhook_deliver) POSTs the payload signed per Standard Webhooks (webhook-id,
webhook-timestamp, webhook-signature), logs every attempt, retries 5xx, 408, 429, timeouts and
connection errors with exponential backoff, and gives up after
ESTIMATOR_WEBHOOK_MAX_ATTEMPTS. An endpoint whose deliveries fail
ESTIMATOR_WEBHOOK_DISABLE_AFTER times in a row is disabled, with the reason, for staff.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from .models import (
    Clinic,
    DeliveryStatus,
    Estimate,
    GoodFaithEstimateRequest,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .models.statements import read_models
from .outbound_http import UnsafeUrl, post

logger = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
# A reprice event lists at most this many references (and always the count): payloads stay small.
MAX_REFERENCES = 100
RETRYABLE_STATUSES = frozenset({408, 429})


class WebhookDeferred(Exception):
    """The attempt failed in a way worth trying again after `countdown` seconds."""

    def __init__(self, message: str, countdown: float) -> None:
        super().__init__(message)
        self.countdown = countdown


# ---- events ---------------------------------------------------------------------------------


def webhook_secret_new() -> str:
    """A new signing secret as Standard Webhooks writes it: whsec_ + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def api_url(path: str) -> str:
    """An absolute URL of the API (ESTIMATOR_PUBLIC_URL + path)."""
    return settings.ESTIMATOR_PUBLIC_URL.rstrip("/") + path


def estimate_event_data(*, estimate: Estimate) -> dict[str, Any]:
    """What an estimate event says: no patient details, only what finds the estimate."""
    data: dict[str, Any] = {
        "reference": estimate.reference,
        "status": estimate.status,
        "clinic": estimate.clinic.slug,
        "url": api_url(reverse("api:estimate-detail", args=[estimate.reference])),
    }
    return data


def webhook_payload(
    *, event: str, event_id: str, created_at: dt.datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """The versioned envelope every event is sent in."""
    return {
        "type": event,
        "version": PAYLOAD_VERSION,
        "id": event_id,
        "created_at": created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def _enqueue(delivery_ids: Iterable[int]) -> None:
    # Imported here: the task module calls this one.
    from .tasks import webhook_deliver

    for delivery_id in delivery_ids:
        try:
            webhook_deliver.delay(delivery_id)
        except Exception:  # the broker is down: the row stays pending; staff retry it in admin
            logger.exception("Could not enqueue webhook delivery %s", delivery_id)


# One clinic's active endpoints, ordered by URL (without the model ordering's join to clinic):
# a fixed statement, asked on every stored estimate and status change; the ORM built it afresh
# each time. The other fields load if read (deferred).
_ENDPOINTS_SQL = (
    'SELECT "id", "events" FROM "estimator_webhookendpoint" '
    'WHERE "clinic_id" = %s AND "active" ORDER BY "url", "id"'
)


# Without a savepoint of its own (two round trips on every stored estimate, for one SELECT):
# callers are inside the change's transaction, and an error here fails that transaction anyway.
@transaction.atomic(savepoint=False)
def webhook_emit(
    *, clinic: Clinic | int, event: str, data: dict[str, Any] | Callable[[], dict[str, Any]]
) -> list[WebhookDelivery]:
    """Send event (with data) to the clinic's active endpoints that asked for it, on commit.

    Call it inside the transaction that makes the change: the rows are written with it (and
    vanish with a rollback); the jobs are enqueued once it commits. data may be a function,
    called only when some endpoint wants the event: one query when none does. data must hold
    no patient details (name, date of birth, contact): references, statuses, the clinic, URLs.
    """
    if event not in WebhookEvent.values or event == WebhookEvent.TEST:
        raise ValueError(f"Not an event endpoints subscribe to: {event!r}")
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    endpoints = [
        endpoint
        for endpoint in read_models(WebhookEndpoint, _ENDPOINTS_SQL, [clinic_id])
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    return _deliveries(endpoints, event=event, data=data() if callable(data) else data)


def _deliveries(
    endpoints: list[WebhookEndpoint], *, event: str, data: dict[str, Any]
) -> list[WebhookDelivery]:
    event_id = f"msg_{uuid.uuid4().hex}"
    payload = webhook_payload(event=event, event_id=event_id, created_at=timezone.now(), data=data)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event_id=event_id, event_type=event, payload=payload)
        for endpoint in endpoints
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


def webhook_emit_estimate(*, estimate: Estimate, event: str, **extra: Any) -> None:
    """An estimate event (created, issued, voided, superseded) for its clinic's endpoints."""
    webhook_emit(
        clinic=estimate.clinic_id,
        event=event,
        data=lambda: {**estimate_event_data(estimate=estimate), **extra},
    )


def webhook_emit_gfe_request(*, request: GoodFaithEstimateRequest, due: dt.date) -> None:
    """gfe_request.received: the request's reference and when the GFE is due, no patient."""
    webhook_emit(
        clinic=request.clinic_id,
        event=WebhookEvent.GFE_REQUEST_RECEIVED,
        data={
            "reference": request.reference,
            "status": request.status,
            "clinic": request.clinic.slug,
            "url": None,  # GFE requests are not in the API; staff open them in admin
            "due": due.isoformat(),
        },
    )


def webhook_emit_repriced(*, clinic: Clinic, references: list[str]) -> None:
    """estimates.repriced: issued estimates a price or coverage change makes cost otherwise."""
    webhook_emit(
        clinic=clinic,
        event=WebhookEvent.ESTIMATES_REPRICED,
        data={
            "clinic": clinic.slug,
            "count": len(references),
            "references": references[:MAX_REFERENCES],
            "url": api_url(reverse("api:estimate-list") + f"?clinic={clinic.slug}&status=issued"),
        },
    )


def webhook_emit_billed_charges_flagged(
    *, estimate: Estimate, bill_date: dt.date, over_by: Any, dispute_deadline: dt.date | None
) -> None:
    """billed_charges.flagged: a bill is over the estimate's GFE by the dispute threshold.

    For the billed-charges reconciliation (reconciliation.billed_charges_record): call it in
    that transaction when a provider's row is flagged; over_by is Money (the largest excess).
    """
    webhook_emit_estimate(
        estimate=estimate,
        event=WebhookEvent.BILLED_CHARGES_FLAGGED,
        bill_date=bill_date.isoformat(),
        over_by={"amount": f"{over_by.amount:.2f}", "currency": str(over_by.currency)},
        dispute_deadline=dispute_deadline.isoformat() if dispute_deadline else None,
    )


# ---- endpoints (admin) ----------------------------------------------------------------------


@transaction.atomic
def webhook_endpoint_create(
    *, clinic: Clinic, url: str, events: list[str], description: str = "", by: Any = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (to show once)."""
    endpoint = WebhookEndpoint(
        clinic=clinic,
        url=url,
        events=list(events),
        description=description,
        secret=webhook_secret_new(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> WebhookEndpoint:
    """Stop sending to an endpoint (its pending deliveries fail when their job runs)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.active = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason[:300]
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason", "updated_at"])
    return endpoint


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Send to an endpoint again, its failure count back at zero."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.save(
        update_fields=[
            "active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "updated_at",
        ]
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_test(*, endpoint: WebhookEndpoint, by: Any) -> WebhookDelivery:
    """Send a webhook.test event to this one endpoint, whatever it subscribed to."""
    if not endpoint.active:
        raise ValidationError({"active": "Enable the endpoint before sending it a test event."})
    data = {"clinic": endpoint.clinic.slug, "message": f"Test event sent by {by}."}
    [delivery] = _deliveries([endpoint], event=WebhookEvent.TEST, data=data)
    return delivery


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery, by: Any) -> WebhookDelivery:
    """Send a failed (or stuck pending) delivery again, with the same webhook-id."""
    delivery = (
        WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    )
    if delivery.status == DeliveryStatus.DELIVERED:
        raise ValidationError({"status": f"Delivery {delivery.event_id} was already delivered."})
    if not delivery.endpoint.active:
        raise ValidationError(
            {"endpoint": f"{delivery.endpoint.url} is disabled: enable it, then retry."}
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0  # a fresh round of attempts; the attempt log keeps the old ones
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    logger.info("Webhook delivery %s queued again by %s", delivery.pk, by)
    transaction.on_commit(lambda: _enqueue([delivery.pk]))
    return delivery


# ---- delivery (the job) ---------------------------------------------------------------------


def webhook_body(payload: dict[str, Any]) -> str:
    """The payload as sent and signed: compact JSON, the same bytes on every attempt."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def webhook_headers(*, secret: str, event_id: str, body: str, now: dt.datetime) -> dict[str, str]:
    """The Standard Webhooks headers: id, timestamp (now, whole seconds) and v1 signature."""
    timestamp = dt.datetime.fromtimestamp(int(now.timestamp()), dt.UTC)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, timestamp, body),
        "Content-Type": "application/json",
        "User-Agent": "estimator-webhooks/1",
    }


def webhook_retry_delay(*, attempts: int, retry_after: int | None = None) -> float:
    """Seconds before the next attempt after `attempts` failed ones: exponential, capped.

    ESTIMATOR_WEBHOOK_RETRY_BACKOFF, then twice as long each time up to
    ESTIMATOR_WEBHOOK_RETRY_BACKOFF_MAX, less up to a fifth at random so endpoints that failed
    together are not all retried at one instant. A Retry-After (429, 503) is honoured up to the cap.
    """
    cap = settings.ESTIMATOR_WEBHOOK_RETRY_BACKOFF_MAX
    delay = min(cap, settings.ESTIMATOR_WEBHOOK_RETRY_BACKOFF * 2 ** max(attempts - 1, 0))
    delay -= random.uniform(0, delay / 5)  # noqa: S311  (spreading retries, not a secret)
    if retry_after is not None:
        delay = max(delay, min(retry_after, cap))
    return float(delay)


@dataclass(frozen=True)
class Outcome:
    """One attempt: the status (None when no answer came), latency, error, when to retry."""

    status: int | None
    latency_ms: int
    error: str = ""
    retry_after: int | None = None
    retryable: bool = False


def _attempt(delivery: WebhookDelivery) -> Outcome:
    """POST once and say how it went."""
    body = webhook_body(delivery.payload)
    headers = webhook_headers(
        secret=delivery.endpoint.secret,
        event_id=delivery.event_id,
        body=body,
        now=timezone.now(),
    )
    started = time.monotonic()
    try:
        answer = post(
            delivery.endpoint.url,
            body=body.encode(),
            headers=headers,
            timeout=settings.ESTIMATOR_WEBHOOK_TIMEOUT,
        )
    except (UnsafeUrl, OSError, http.client.HTTPException) as failure:
        return Outcome(
            status=None,
            latency_ms=int((time.monotonic() - started) * 1000),
            error=f"{type(failure).__name__}: {failure}"[:500],
            # Refused by us (a private address) would be refused again; the rest may pass.
            retryable=not isinstance(failure, UnsafeUrl),
        )
    if 200 <= answer.status < 300:
        return Outcome(status=answer.status, latency_ms=answer.latency_ms)
    return Outcome(
        status=answer.status,
        latency_ms=answer.latency_ms,
        error=f"HTTP {answer.status}",
        retry_after=answer.retry_after,
        retryable=answer.status >= 500 or answer.status in RETRYABLE_STATUSES,
    )


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Make one attempt at a pending delivery; raises WebhookDeferred when worth another."""
    with transaction.atomic():
        # The row is locked while sending: a second run of the same job waits, then sees it done.
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint__clinic")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return delivery
        now = timezone.now()
        if not delivery.endpoint.active:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "Not sent: the endpoint is disabled."
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
            return delivery
        outcome = _attempt(delivery)
        delivery.attempts += 1
        WebhookAttempt.objects.create(
            delivery=delivery,
            # Counted over every round: a retry from admin starts `attempts` again at zero.
            number=WebhookAttempt.objects.filter(delivery=delivery).count() + 1,
            attempted_at=now,
            status_code=outcome.status,
            latency_ms=outcome.latency_ms,
            error=outcome.error,
        )
        delivery.last_status_code = outcome.status
        delivery.last_latency_ms = outcome.latency_ms
        delivery.last_error = outcome.error
        countdown = None
        if not outcome.error:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif outcome.retryable and delivery.attempts < settings.ESTIMATOR_WEBHOOK_MAX_ATTEMPTS:
            countdown = webhook_retry_delay(
                attempts=delivery.attempts, retry_after=outcome.retry_after
            )
            delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=countdown)
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        delivery.save()
        if delivery.event_type != WebhookEvent.TEST and delivery.status != DeliveryStatus.PENDING:
            _endpoint_outcome(delivery)
    logger.info(
        "Webhook delivery %s (%s) attempt %s: %s in %s ms%s",
        delivery.pk,
        delivery.event_type,
        delivery.attempts,
        outcome.status if outcome.status is not None else outcome.error,
        outcome.latency_ms,
        f"; retry in {countdown:.0f} s" if countdown is not None else "",
    )
    if countdown is not None:
        raise WebhookDeferred(outcome.error, countdown)
    return delivery


def _endpoint_outcome(delivery: WebhookDelivery) -> None:
    """A delivery is done: reset the endpoint's failure count, or count it and maybe disable."""
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if delivery.status == DeliveryStatus.DELIVERED:
        endpoints.exclude(consecutive_failures=0).update(consecutive_failures=0)
        return
    endpoint = endpoints.select_for_update().get()
    endpoint.consecutive_failures = F("consecutive_failures") + 1
    endpoint.save(update_fields=["consecutive_failures", "updated_at"])
    endpoint.refresh_from_db(fields=["consecutive_failures"])
    limit = settings.ESTIMATOR_WEBHOOK_DISABLE_AFTER
    if endpoint.active and endpoint.consecutive_failures >= limit:
        webhook_endpoint_disable(
            endpoint=endpoint,
            reason=(
                f"Disabled automatically: {endpoint.consecutive_failures} deliveries in a row "
                f"failed; the last ({delivery.event_id}) after {delivery.attempts} attempt(s): "
                f"{delivery.last_error}"
            ),
        )
        logger.warning("Webhook endpoint %s disabled after repeated failures", endpoint.pk)
