"""Patient links: an unguessable, expiring token that opens one issued estimate without an account.

The token (256 random bits) travels only in the patient's email; the database keeps its SHA-256,
so neither a backup nor a staff member can rebuild a link. A link opens its estimate until it
expires (ESTIMATOR_PATIENT_LINK_DAYS) or staff revoke it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from .models import Estimate, EstimateEmail, EstimateStatus, PatientLink

# Long enough that guessing is hopeless; URL-safe base64 of 32 bytes is 43 characters.
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 64


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def patient_link_create(
    *, estimate: Estimate, email: EstimateEmail | None = None
) -> tuple[PatientLink, str]:
    """A new link to the estimate; returns it with the token (shown once, never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    link = PatientLink(
        estimate=estimate,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.ESTIMATOR_PATIENT_LINK_DAYS),
        email=email,
    )
    link.full_clean(exclude=["estimate", "email"])
    link.save()
    return link, token


def patient_link_url(*, token: str) -> str:
    """The address the patient opens, on this service's public host."""
    return settings.ESTIMATOR_PUBLIC_URL + reverse("estimator:patient_estimate", args=[token])


@dataclass(frozen=True)
class LinkLookup:
    """What a token opens: the link, or why it opens nothing ('unknown', 'expired', 'revoked')."""

    link: PatientLink | None
    problem: str = ""


def patient_link_open(*, token: str, count_view: bool = True) -> LinkLookup:
    """The link a token opens, if it still does; each opening is counted."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return LinkLookup(None, "unknown")
    link = (
        PatientLink.objects.select_related("estimate__clinic", "estimate__plan__payer")
        .filter(token_hash=_hash(token))
        .first()
    )
    if link is None:
        return LinkLookup(None, "unknown")
    if link.revoked_at is not None:
        return LinkLookup(None, "revoked")
    # A voided estimate is no longer what the clinic stands by: its link closes with it.
    if link.expires_at <= timezone.now() or link.estimate.status == EstimateStatus.VOID:
        return LinkLookup(None, "expired")
    if count_view:
        PatientLink.objects.filter(pk=link.pk).update(
            views=F("views") + 1, last_viewed_at=timezone.now()
        )
    return LinkLookup(link)


@transaction.atomic
def patient_link_revoke(*, link: PatientLink, by: Any) -> PatientLink:
    """Close a link at once; the estimate is untouched and a new email sends a new link."""
    link = PatientLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.revoked_by = by if getattr(by, "is_authenticated", False) else None
        link.save(update_fields=["revoked_at", "revoked_by"])
    return link
