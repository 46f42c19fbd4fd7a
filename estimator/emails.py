"""Emailing an estimate to its patient: an outbox row now, the email from a background job.

The request that asks for an email only records it (EstimateEmail, queued) and enqueues the job
once the transaction commits; the job (tasks.estimate_email_deliver) sends it. Sending twice
sends once: the job locks the row and does nothing for a row already sent. Connection and
temporary SMTP errors are retried with exponential backoff; anything else, or the last retry,
marks the row failed with the reason, for staff to see and retry in admin.
"""

from __future__ import annotations

import logging
import smtplib
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation

from .documents.estimate_email import estimate_email_kind, estimate_email_message
from .formatting import date_text
from .models import (
    EmailStatus,
    Estimate,
    EstimateEmail,
    EstimateStatus,
    GoodFaithEstimateRequest,
    RequestStatus,
)
from .patient_links import patient_link_create, patient_link_url

logger = logging.getLogger(__name__)


class EmailDeferred(Exception):
    """The email could not be sent this time (connection, temporary SMTP error): try later."""


def _transient(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # Every recipient refused with a 4xx code: the server asks to try later.
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    # Refused, reset, timed out: the server or the way to it is down. (Other SMTP errors are
    # OSErrors too, but retrying them would give the same answer.)
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _enqueue(email: EstimateEmail) -> None:
    # Imported here: the task module calls this one.
    from .tasks import estimate_email_deliver

    try:
        estimate_email_deliver.delay(email.pk)
    except Exception:  # the broker is down: the row stays queued; staff retry it from admin
        logger.exception("Could not enqueue estimate email %s", email.pk)


@transaction.atomic
def estimate_email_send(
    *, estimate: Estimate, to: str = "", by: Any = None, language: str = ""
) -> EstimateEmail:
    """Queue an issued estimate's email to the patient (to, or the address on the estimate), in
    language (by default the estimate's: the patient's, recorded when it was asked for)."""
    recipient = (to or estimate.patient_email).strip()
    errors: dict[str, str] = {}
    if estimate.status != EstimateStatus.ISSUED:
        errors["estimate"] = (
            f"Estimate {estimate.reference} is {estimate.get_status_display().lower()}: only "
            "an issued estimate is emailed to the patient."
        )
    if not recipient:
        errors["to"] = "The estimate has no patient email: give the address to send it to."
    else:
        try:
            validate_email(recipient)
        except ValidationError:
            errors["to"] = "Enter a valid email address."
    if errors:
        raise ValidationError(errors)
    email = EstimateEmail(
        estimate=estimate,
        recipient=recipient,
        kind=estimate_email_kind(estimate=estimate),
        language=language or estimate.language,
        requested_by=by if getattr(by, "is_authenticated", False) else None,
    )
    email.full_clean()
    email.save()
    transaction.on_commit(lambda: _enqueue(email))
    return email


def estimate_emails_queue(*, estimates: list[Estimate], by: Any = None) -> list[EstimateEmail]:
    """Queue the email of each issued estimate to the address on it, in one write (renewals)."""
    requested_by = by if getattr(by, "is_authenticated", False) else None
    queued = EstimateEmail.objects.bulk_create(
        EstimateEmail(
            estimate=estimate,
            recipient=estimate.patient_email,
            kind=estimate_email_kind(estimate=estimate),
            language=estimate.language,
            requested_by=requested_by,
        )
        for estimate in estimates
        if estimate.status == EstimateStatus.ISSUED and estimate.patient_email
    )
    for email in queued:
        transaction.on_commit(lambda email=email: _enqueue(email))  # type: ignore[misc]
    return queued


@transaction.atomic
def estimate_email_retry(*, email: EstimateEmail, by: Any) -> EstimateEmail:
    """Queue a failed (or stuck queued) email again; a sent one stays sent."""
    email = EstimateEmail.objects.select_for_update().get(pk=email.pk)
    if email.status == EmailStatus.SENT:
        raise ValidationError({"status": f"The email to {email.recipient} was already sent."})
    email.status = EmailStatus.QUEUED
    email.full_clean()
    email.save()
    logger.info("Estimate email %s queued again by %s", email.pk, by)
    transaction.on_commit(lambda: _enqueue(email))
    return email


def estimate_email_deliver(*, email_id: int, last_attempt: bool) -> EstimateEmail | None:
    """Send one queued email, at most once; raises EmailDeferred when worth trying again."""
    with transaction.atomic():
        # The lock is held while sending: a second run of the same job waits, then sees "sent".
        email = (
            EstimateEmail.objects.select_for_update()
            .select_related("estimate__clinic")
            .filter(pk=email_id)
            .first()
        )
        if email is None or email.status != EmailStatus.QUEUED:
            return email
        try:
            # The link is made with the email and undone with it if sending fails: only the
            # email that went out carries a link that opens (its token is never kept).
            with transaction.atomic():
                _send(email)
        except Exception as error:
            failure = error
        else:
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.attempts += 1
            email.last_error = ""
            email.save(update_fields=["status", "sent_at", "attempts", "last_error", "updated_at"])
            _requests_answered(email)
            return email
    return _record_failure(email=email, error=failure, last_attempt=last_attempt)


def _send(email: EstimateEmail) -> None:
    link, token = patient_link_create(estimate=email.estimate, email=email)
    expires = timezone.localdate(
        link.expires_at, zoneinfo.ZoneInfo(email.estimate.clinic.time_zone)
    )
    # A job has no request and so no language of its own: the email's, recorded when queued.
    with translation.override(email.language):
        message = estimate_email_message(
            estimate=email.estimate,
            to=email.recipient,
            kind=email.kind,
            link=patient_link_url(token=token),
            link_expires=date_text(expires),
            language=email.language,
        )
    message.send()


def _requests_answered(email: EstimateEmail) -> None:
    """The patient's Good Faith Estimate requests this estimate answers are now sent."""
    for request in GoodFaithEstimateRequest.objects.select_for_update().filter(
        estimate_id=email.estimate_id, status__in=[RequestStatus.NEW, RequestStatus.IN_PROGRESS]
    ):
        request.status = RequestStatus.SENT
        # When it went is the email's sent_at; the history keeps this move with that time.
        request._change_reason = (  # type: ignore[attr-defined]
            f"{email.get_kind_display()} {email.estimate.reference} emailed to "
            f"{email.recipient} at {email.sent_at:%Y-%m-%d %H:%M} UTC"
        )
        if email.requested_by_id is not None:
            request.handled_by_id = email.requested_by_id
        request.full_clean()
        request.save()


def _record_failure(*, email: EstimateEmail, error: Exception, last_attempt: bool) -> EstimateEmail:
    retry = _transient(error) and not last_attempt
    email.attempts += 1
    # The error's type and text name the server's answer; never the message or the patient.
    email.last_error = f"{type(error).__name__}: {error}"[:500]
    if not retry:
        email.status = EmailStatus.FAILED
    email.save(update_fields=["status", "attempts", "last_error", "updated_at"])
    logger.warning(
        "Estimate email %s attempt %s failed (%s)%s",
        email.pk,
        email.attempts,
        type(error).__name__,
        "; will retry" if retry else "; given up",
    )
    if retry:
        raise EmailDeferred(email.last_error) from error
    return email
