"""Background jobs: each calls a service and holds no logic of its own (see README, "Running
in production": `make worker`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from . import emails, renewals, repricing, webhooks


@shared_task(
    bind=True,
    autoretry_for=(emails.EmailDeferred,),
    retry_backoff=settings.ESTIMATOR_EMAIL_RETRY_BACKOFF,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=settings.ESTIMATOR_EMAIL_MAX_RETRIES,
)
def estimate_email_deliver(self: Any, email_id: int) -> None:
    """Send a queued estimate email (once, however often this runs)."""
    emails.estimate_email_deliver(
        email_id=email_id, last_attempt=self.request.retries >= self.max_retries
    )


@shared_task
def estimates_reprice(clinic_ids: list[int], cause: str) -> int:
    """Re-price the issued, unexpired estimates of these clinics after a catalog change."""
    return repricing.repricing_run(clinic_ids=clinic_ids, cause=cause)


@shared_task
def estimates_renew(estimate_ids: list[int], by_id: int | None, email: bool) -> dict[str, str]:
    """Renew issued estimates at today's prices: each superseded by a new, issued one."""
    return renewals.renewal_run(estimate_ids=estimate_ids, by_id=by_id, email=email).renewed


@shared_task(bind=True, max_retries=None)
def webhook_deliver(self: Any, delivery_id: int) -> None:
    """POST a pending webhook delivery once; the service says when to try again, if at all."""
    try:
        webhooks.webhook_deliver(delivery_id=delivery_id)
    except webhooks.WebhookDeferred as deferred:
        # The number of attempts is the delivery row's (ESTIMATOR_WEBHOOK_MAX_ATTEMPTS).
        raise self.retry(countdown=deferred.countdown, exc=deferred) from deferred
