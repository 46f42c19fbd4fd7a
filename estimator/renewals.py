"""Renewing issued estimates in bulk after a price or coverage change.

Each selected estimate that is still issued gets a new, issued estimate priced at today's
catalog (the same plan, patient and dates) that supersedes it; the old one is marked
superseded, and both stay on record, linked both ways (new.supersedes, old.superseded_by).
A handful of queries whatever the number: the estimates, one catalog per clinic, and the
writes in bulk. Running it twice renews once: an estimate no longer issued is skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .business_days import business_days_before
from .catalog_cache import catalog_build, catalog_token
from .documents.gfe import gfe_problems
from .emails import estimate_emails_queue
from .models import (
    Estimate,
    EstimateRepricing,
    EstimateSource,
    EstimateStatus,
    ServiceType,
)
from .notices import RENEW_BEFORE
from .quotes import QuoteInvalid, quote_build
from .repricing import repricing_quote_input
from .services import _patient_of, estimate_new

logger = logging.getLogger(__name__)

RENEWAL_REASON = "Renewed at today's prices and coverage"


@dataclass
class RenewalResult:
    """What a renewal run did: the new references, what it skipped and why it could not."""

    renewed: dict[str, str] = field(default_factory=dict)  # old reference -> new reference
    skipped: int = 0  # no longer issued (renewed, voided or corrected already)
    problems: dict[str, str] = field(default_factory=dict)  # old reference -> why not


def renewal_due(*, estimate: Estimate, today: dt.date) -> dt.date | None:
    """When a Good Faith Estimate must be renewed: RENEW_BEFORE business days (weekdays less
    the clinic country's public holidays) before its next session (45 CFR 149.610: a changed
    GFE at least 1 business day before the service). None when the estimate is not a Good
    Faith Estimate or has no session left."""
    if gfe_problems(estimate=estimate):
        return None
    upcoming = [day for day in estimate.result_data["schedule"] if day >= today.isoformat()]
    if not upcoming:
        return None
    next_session = dt.date.fromisoformat(upcoming[0])
    return business_days_before(next_session, RENEW_BEFORE, country=estimate.clinic.country)


def _priced(
    olds: list[Estimate], by: Any, result: RenewalResult
) -> list[tuple[Estimate, Estimate]]:
    """Each old estimate with its unsaved renewal, priced at its clinic's catalog (read once)."""
    pairs: list[tuple[Estimate, Estimate]] = []
    catalogs: dict[int, Any] = {}
    # Money to record: the token as the database has it, not a watcher's (catalog_watch).
    token = catalog_token(from_database=True)
    for old in olds:
        if old.clinic_id not in catalogs:
            catalogs[old.clinic_id] = catalog_build(clinic=old.clinic, token=token)
        try:
            quote = quote_build(quote=repricing_quote_input(old, catalogs[old.clinic_id]))
        except QuoteInvalid as invalid:
            result.problems[old.reference] = str(invalid)[:300]
            continue
        new = estimate_new(
            quote=quote,
            patient=_patient_of(old),
            source=EstimateSource.ADMIN,
            by=by,
            supersedes=old,
        )
        # The relations were just read and the engine's figures meet the constraints.
        new.full_clean(
            exclude=["clinic", "plan", "api_key", "created_by", "supersedes"],
            validate_unique=False,
            validate_constraints=False,
        )
        pairs.append((old, new))
    return pairs


def _user(by_id: int | None) -> Any:
    return get_user_model().objects.filter(pk=by_id).first() if by_id else None


def renewal_run(
    *,
    estimate_ids: Iterable[int],
    by_id: int | None = None,
    email: bool = False,
    reason: str = RENEWAL_REASON,
) -> RenewalResult:
    """Renew these issued estimates at today's prices (the job's use case); see the module."""
    ids = sorted(set(estimate_ids))
    by = _user(by_id)
    olds = list(
        Estimate.objects.filter(pk__in=ids, status=EstimateStatus.ISSUED)
        .defer("snapshot_data", "result_data")  # priced again from the request alone
        .select_related("clinic__unsure_patient_plan__payer", "plan__payer")
        .order_by("clinic_id", "pk")
    )
    result = RenewalResult(skipped=len(ids) - len(olds))
    pairs = _priced(olds, by, result)
    with transaction.atomic():
        # Locked and read again: a renewal or correction that got there first wins.
        still = set(
            Estimate.objects.select_for_update()
            .filter(pk__in=[old.pk for old, _ in pairs], status=EstimateStatus.ISSUED)
            .values_list("pk", flat=True)
        )
        result.skipped += len(pairs) - len(still)
        pairs = [(old, new) for old, new in pairs if old.pk in still]
        if pairs:
            _store(pairs, by, reason.strip() or RENEWAL_REASON, email)
    result.renewed = {old.reference: new.reference for old, new in pairs}
    logger.info(
        "Renewed %s estimates (%s skipped, %s could not be priced)",
        len(result.renewed),
        result.skipped,
        len(result.problems),
    )
    return result


def _store(pairs: list[tuple[Estimate, Estimate]], by: Any, reason: str, email: bool) -> None:
    now = timezone.now()
    for old, new in pairs:
        new._change_reason = f"Renewal of {old.reference}: {reason}"  # type: ignore[attr-defined]
        old.status = EstimateStatus.SUPERSEDED
        old.updated_at = now
        old._change_reason = f"Superseded by {new.reference} ({by}): {reason}"  # type: ignore[attr-defined]
    # Stored as drafts with their session types (the database refuses to add those to an
    # issued estimate), then issued, all in bulk.
    news = bulk_create_with_history([new for _, new in pairs], Estimate, default_user=by)
    codes = {item["service"] for new in news for item in new.request_data["items"]}
    service_ids = dict(ServiceType.objects.filter(code__in=codes).values_list("code", "pk"))
    Estimate.services.through.objects.bulk_create(
        Estimate.services.through(estimate_id=new.pk, servicetype_id=service_ids[code])
        for new in news
        for code in {item["service"] for item in new.request_data["items"]}
        if code in service_ids
    )
    for new in news:
        new.status = EstimateStatus.ISSUED
        new.issued_at = now
        new._change_reason = f"Issued on renewal{f' by {by}' if by else ''}"
    bulk_update_with_history(
        news, Estimate, ["status", "issued_at"], default_user=by, manager=Estimate._base_manager
    )
    # The base manager: the default one refuses bulk status changes of issued estimates, and
    # issued -> superseded is the one move the database triggers allow.
    bulk_update_with_history(
        [old for old, _ in pairs],
        Estimate,
        ["status", "updated_at"],
        default_user=by,
        manager=Estimate._base_manager,
    )
    # They are no longer issued: off the affected list.
    EstimateRepricing.objects.filter(estimate_id__in=[old.pk for old, _ in pairs]).delete()
    if email:
        estimate_emails_queue(estimates=[n for n in news if n.patient_email], by=by)


def renewal_schedule(*, estimate_ids: Iterable[int], by: Any, email: bool) -> None:
    """Renew these estimates in a background job once the current transaction commits."""
    if not getattr(by, "has_perm", None) or not by.has_perm("estimator.supersede_estimate"):
        raise ValidationError("Renewing estimates needs permission to correct them.")
    # Imported here: the task module calls this one.
    from .tasks import estimates_renew

    ids = sorted(set(estimate_ids))
    user_id = by.pk if getattr(by, "is_authenticated", False) else None
    transaction.on_commit(lambda: estimates_renew.delay(ids, user_id, email))
