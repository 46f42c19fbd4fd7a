"""Use cases that write: issuing and voiding estimates, handling Good Faith Estimate requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Estimate, EstimateStatus, GoodFaithEstimateRequest, RequestStatus


def business_days_after(day: dt.date, count: int) -> dt.date:
    """The date count business days (Monday to Friday) after day; federal holidays not counted."""
    current = day
    remaining = count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


@transaction.atomic
def estimate_issue(*, estimate: Estimate, by: Any) -> Estimate:
    """Mark a draft estimate as issued to the patient."""
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if estimate.status != EstimateStatus.DRAFT:
        raise ValidationError({"status": "Only a draft estimate can be issued."})
    estimate.status = EstimateStatus.ISSUED
    estimate.issued_at = timezone.now()
    estimate._change_reason = f"Issued by {by}"  # type: ignore[attr-defined]
    estimate.full_clean()
    estimate.save()
    return estimate


@transaction.atomic
def estimate_void(*, estimate: Estimate, by: Any, reason: str) -> Estimate:
    """Void an estimate; it stays on record with the reason."""
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if estimate.status == EstimateStatus.VOID:
        raise ValidationError({"status": "This estimate is already void."})
    if not reason.strip():
        raise ValidationError({"void_reason": "Say why the estimate is void."})
    estimate.status = EstimateStatus.VOID
    estimate.voided_at = timezone.now()
    estimate.void_reason = reason.strip()[:300]
    estimate._change_reason = f"Voided by {by}: {reason}"  # type: ignore[attr-defined]
    estimate.full_clean()
    estimate.save()
    return estimate


@transaction.atomic
def gfe_request_set_status(
    *, request: GoodFaithEstimateRequest, status: str, by: Any
) -> GoodFaithEstimateRequest:
    """Move a Good Faith Estimate request along; the staff member who did it is recorded."""
    if status not in RequestStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    request.status = status
    if status != RequestStatus.NEW:
        request.handled_by = by
    request.full_clean()
    request.save()
    return request
