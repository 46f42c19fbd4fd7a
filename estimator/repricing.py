"""Re-pricing issued estimates after a price or coverage change: what each would cost today.

Issued estimates are records and never change; the job prices each one's frozen request again
against today's catalog and keeps the result beside it (EstimateRepricing, one per estimate,
replaced on every run), so staff see which patients were told a figure that no longer holds.
A later step can renew them (services.estimate_supersede with the re-priced input).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from djmoney.money import Money

from . import pricing
from .catalog_cache import ClinicCatalog, catalog_build, catalog_token
from .models import (
    AddOnPrice,
    Clinic,
    CodeSetLimit,
    CoverageMode,
    CoverageRule,
    Estimate,
    EstimateRepricing,
    EstimateStatus,
    InsurancePlan,
    Package,
    ServicePrice,
)
from .quotes import QuoteInput, QuoteInvalid, quote_build
from .webhooks import webhook_emit_repriced

logger = logging.getLogger(__name__)

REPRICING_FIELDS = [
    "clinic",
    "computed_at",
    "cause",
    "current_total",
    "current_total_currency",
    "current_patient_total",
    "current_patient_total_currency",
    "charge_difference",
    "charge_difference_currency",
    "patient_difference",
    "patient_difference_currency",
    "problem",
]


def repricing_candidates(*, clinic: Clinic) -> list[Estimate]:
    """A clinic's issued estimates whose last session is today or later (one query)."""
    return list(
        Estimate.objects.filter(
            clinic=clinic, status=EstimateStatus.ISSUED, end_date__gte=clinic.today()
        )
        # Only the request is priced again: reading each one's stored snapshot and result (the
        # largest columns) was most of the time of a run.
        .defer("snapshot_data", "result_data")
        .select_related("plan__payer")
        .order_by("pk")
    )


def _standing(data: dict[str, Any]) -> pricing.Standing:
    def amount(name: str) -> Decimal:
        return Decimal(str(data.get(name) or "0"))

    return pricing.Standing(
        deductible_met=amount("deductible_met"),
        oop_met=amount("oop_met"),
        visits_used=int(data.get("visits_used") or 0),
        annual_max_used=amount("annual_max_used"),
        therapy_spend=amount("therapy_spend"),
        limit_visits_used={
            str(k): int(v) for k, v in (data.get("limit_visits_used") or {}).items()
        },
    )


def repricing_quote_input(estimate: Estimate, catalog: ClinicCatalog) -> QuoteInput:
    """The estimate's frozen request as the quote use case takes it, priced from catalog."""
    data = estimate.request_data
    coverage = data.get("coverage") or {}
    # A plan assumed for an unsure patient is assumed again: the clinic may have changed it.
    plan_id = None if coverage.get("plan_assumed") else coverage.get("plan")
    return QuoteInput(
        clinic=catalog.clinic,
        items=tuple(
            pricing.PlanItem(
                service_code=item["service"],
                duration_minutes=int(item["duration_minutes"]),
                sessions=int(item.get("sessions") or 1),
                addon_codes=tuple(item.get("add_ons") or ()),
            )
            for item in data.get("items", [])
        ),
        sessions_per_week=int(data.get("sessions_per_week") or 1),
        start_date=dt.date.fromisoformat(data["start_date"]),
        coverage_mode=coverage.get("mode") or CoverageMode.SELF_PAY,
        plan=catalog.plan(plan_id) if plan_id is not None else None,
        standing=_standing(coverage.get("standing") or {}),
        catalog=catalog,
    )


def _money(amount: Decimal, currency: str) -> Any:
    # django-stubs types MoneyField as a DecimalField; Money is what django-money stores.
    return Money(amount, currency)


def _repricing(estimate: Estimate, quote_input: QuoteInput) -> EstimateRepricing | None:
    """The estimate priced today, or None when it would cost exactly what it says."""
    currency = str(estimate.total_charge.currency)
    problem = ""
    try:
        quote = quote_build(quote=quote_input)
    except QuoteInvalid as error:
        problem = str(error)[:500]
        charge, patient = Decimal("0"), Decimal("0")
    else:
        charge = quote.estimate.primary.totals.charge
        patient = quote.estimate.primary.totals.patient_pays
        best = quote.estimate.best.totals.patient_pays if quote.estimate.best else patient
        if (charge, patient, best) == (
            estimate.total_charge.amount,
            estimate.patient_total.amount,
            estimate.patient_total_best.amount,
        ):
            return None
    return EstimateRepricing(
        estimate=estimate,
        clinic_id=estimate.clinic_id,
        current_total=_money(charge, currency),
        current_patient_total=_money(patient, currency),
        charge_difference=_money(charge - estimate.total_charge.amount, currency),
        patient_difference=_money(patient - estimate.patient_total.amount, currency),
        problem=problem,
    )


def repricing_run_clinic(*, clinic: Clinic, cause: str) -> int:
    """Re-price a clinic's issued, unexpired estimates; returns how many now differ.

    A handful of queries whatever the number of estimates: the estimates, the clinic's catalog
    once (its prices, plans and their terms, as of the current catalog version), and the
    writes in bulk.
    """
    estimates = repricing_candidates(clinic=clinic)
    if not estimates:
        return 0
    # The catalog as it stands now, read afresh: this job runs because it just changed.
    catalog = catalog_build(clinic=clinic, token=catalog_token(from_database=True))
    inputs = [(estimate, repricing_quote_input(estimate, catalog)) for estimate in estimates]
    now = timezone.now()
    changed: list[EstimateRepricing] = []
    unchanged: list[int] = []
    for estimate, quote_input in inputs:
        row = _repricing(estimate, quote_input)
        if row is None:
            unchanged.append(estimate.pk)
            continue
        row.computed_at = now
        row.cause = cause[:300]
        changed.append(row)
    with transaction.atomic():
        # An estimate whose price is back to what it says is no longer affected.
        EstimateRepricing.objects.filter(estimate_id__in=unchanged).delete()
        EstimateRepricing.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["estimate"],
            update_fields=REPRICING_FIELDS,
        )
        if changed:
            webhook_emit_repriced(
                clinic=clinic, references=[row.estimate.reference for row in changed]
            )
    return len(changed)


def repricing_run(*, clinic_ids: Iterable[int], cause: str) -> int:
    """Re-price the issued, unexpired estimates of these clinics (the job's use case)."""
    count = 0
    for clinic in Clinic.objects.filter(pk__in=list(clinic_ids)).select_related(
        "unsure_patient_plan__payer"
    ):
        count += repricing_run_clinic(clinic=clinic, cause=cause)
    logger.info("Re-priced issued estimates of clinics %s: %s differ", list(clinic_ids), count)
    return count


# ---- scheduling: one job per transaction that changed prices or coverage -------------------


class _Batch:
    """The clinics changed in one transaction, sent as one job when it commits.

    Each change registers the batch's flush on commit; the first to run sends the job with
    every clinic of the transaction, the others find it sent.
    """

    def __init__(self) -> None:
        self.clinic_ids: set[int] = set()
        self.causes: list[str] = []
        self.sent = False

    def add(self, clinic_id: int, cause: str) -> None:
        self.clinic_ids.add(clinic_id)
        if cause not in self.causes:
            self.causes.append(cause)

    def waiting(self) -> bool:
        """Not sent, and its transaction has neither committed nor rolled back."""
        connection = transaction.get_connection()
        return (
            not self.sent
            and connection.in_atomic_block
            and any(entry[1] == self.flush for entry in connection.run_on_commit)
        )

    def flush(self) -> None:
        if self.sent:
            return
        self.sent = True
        # Imported here: the task module calls this one.
        from .tasks import estimates_reprice

        try:
            estimates_reprice.delay(sorted(self.clinic_ids), "; ".join(self.causes)[:300])
        except Exception:  # the broker is down: the next change re-prices these estimates too
            logger.exception("Could not enqueue the re-pricing of clinics %s", self.clinic_ids)


_pending = threading.local()


def repricing_schedule(*, clinic_id: int, cause: str) -> None:
    """Re-price the clinic's issued estimates once the current transaction commits."""
    batch: _Batch | None = getattr(_pending, "batch", None)
    if batch is None or not batch.waiting():
        batch = _Batch()
        _pending.batch = batch
    batch.add(clinic_id, cause)
    transaction.on_commit(batch.flush)


def _clinic_of(instance: models.Model) -> int | None:
    if isinstance(instance, Clinic):
        return instance.pk
    if isinstance(instance, CoverageRule | CodeSetLimit):
        return (
            InsurancePlan.objects.filter(pk=instance.plan_id)
            .values_list("clinic_id", flat=True)
            .first()
        )
    return getattr(instance, "clinic_id", None)


def _catalog_changed(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    clinic_id = _clinic_of(instance)
    if clinic_id is None:
        return
    what = "deleted" if kwargs.get("signal") is post_delete else "saved"
    repricing_schedule(
        clinic_id=clinic_id, cause=f"{sender._meta.verbose_name} {instance.pk} {what}"
    )


# Every path that changes prices or coverage (admin, the starter-catalog loader, a shell)
# ends in these saves: the receiver only notes the clinic; the work is the job's.
REPRICING_SENDERS = (
    Clinic,
    ServicePrice,
    AddOnPrice,
    Package,
    InsurancePlan,
    CoverageRule,
    CodeSetLimit,
)


def repricing_connect() -> None:
    """Schedule a re-pricing whenever a price, package, plan or coverage rule changes."""
    for sender in REPRICING_SENDERS:
        for signal in (post_save, post_delete):
            signal.connect(_catalog_changed, sender=sender, dispatch_uid=f"reprice-{sender}")
