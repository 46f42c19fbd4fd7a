"""Billed charges against the Good Faith Estimate: record a bill, flag a dispute, measure accuracy.

45 CFR 149.620: a self-pay or uninsured patient billed at least $400 more than the Good Faith
Estimate's expected charges for a provider may start patient-provider dispute resolution
within 120 calendar days of the bill. The estimate names one provider, its clinic (the clinic's
NPI); a provider the estimate did not list was expected to bill nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Abs, Concat
from djmoney.money import Money

from .models import (
    BilledCharges,
    BilledLine,
    BilledProvider,
    Estimate,
    EstimateStatus,
    IntegrationKey,
)
from .notices import NoticeKind
from .selectors import notice_for_estimate
from .webhooks import webhook_emit_billed_charges_flagged

DISPUTE_THRESHOLD = Decimal("400.00")
DISPUTE_WINDOW = dt.timedelta(days=120)
ZERO = Decimal("0.00")


class BillStatus:
    """Where an estimate stands against what was billed."""

    NOT_BILLED = "not_billed"
    WITHIN = "within"  # every provider billed less than $400 above the GFE
    OVER_THRESHOLD = "over_threshold"  # a provider billed $400 or more above: dispute possible
    NO_GFE = "no_gfe"  # billed, but the patient was not owed a GFE: no dispute right

    choices = (NOT_BILLED, WITHIN, OVER_THRESHOLD, NO_GFE)


@dataclass(frozen=True)
class LineBill:
    """One billed line as reported."""

    code: str
    service_date: dt.date
    amount: Decimal
    currency: str
    units: int = 1


@dataclass(frozen=True)
class ProviderBill:
    """One provider's lines as reported."""

    npi: str
    name: str
    lines: tuple[LineBill, ...]


class EstimateNotBillable(Exception):
    """Billed charges cannot be recorded for this estimate (draft, void or superseded)."""


def _check(estimate: Estimate, providers: tuple[ProviderBill, ...]) -> None:
    if estimate.status != EstimateStatus.ISSUED:
        state = estimate.get_status_display().lower()
        hint = (
            f" Report the bill for {estimate.superseded_by_reference}, which corrects it."
            if estimate.status == EstimateStatus.SUPERSEDED
            else ""
        )
        raise EstimateNotBillable(
            f"Estimate {estimate.reference} is {state}: bills are compared with issued "
            "estimates only." + hint
        )
    currency = estimate.total_charge.currency.code
    for index, provider in enumerate(providers):
        for number, line in enumerate(provider.lines):
            if line.currency != currency:
                raise ValidationError(
                    {
                        f"providers[{index}].lines[{number}].amount.currency": (
                            f"Use {currency}, the currency of estimate {estimate.reference}."
                        )
                    }
                )


@transaction.atomic
def billed_charges_record(
    *,
    estimate: Estimate,
    bill_date: dt.date,
    providers: tuple[ProviderBill, ...],
    api_key: IntegrationKey | None = None,
) -> BilledCharges:
    """Keep a bill for an issued estimate and compare it, provider by provider, with the GFE."""
    estimate = Estimate.objects.select_for_update().select_related("clinic").get(pk=estimate.pk)
    _check(estimate, providers)
    currency = estimate.total_charge.currency.code
    disputable = notice_for_estimate(estimate=estimate).kind is NoticeKind.GOOD_FAITH_ESTIMATE
    BilledCharges.objects.filter(estimate=estimate, replaced=False).update(replaced=True)
    bill = BilledCharges(estimate=estimate, bill_date=bill_date, api_key=api_key)
    bill.full_clean()
    bill.save()
    flagged_rows: list[BilledProvider] = []
    for provider in providers:
        billed = sum((line.amount for line in provider.lines), start=ZERO)
        expected = estimate.patient_total.amount if provider.npi == estimate.clinic.npi else ZERO
        over = max(billed - expected, ZERO)
        flagged = disputable and over >= DISPUTE_THRESHOLD
        # django-stubs types MoneyField as a DecimalField; Money is what django-money stores.
        amounts: dict[str, Any] = {
            "billed": Money(billed, currency),
            "expected": Money(expected, currency),
            "over_by": Money(over, currency),
        }
        row = BilledProvider(
            bill=bill,
            npi=provider.npi,
            name=provider.name,
            flagged=flagged,
            dispute_deadline=bill_date + DISPUTE_WINDOW if flagged else None,
            **amounts,
        )
        row.full_clean()
        row.save()
        if flagged:
            flagged_rows.append(row)
        lines = []
        for line in provider.lines:
            money: Any = Money(line.amount, currency)
            item = BilledLine(
                provider=row,
                code=line.code,
                service_date=line.service_date,
                amount=money,
                units=line.units,
            )
            item.full_clean()
            lines.append(item)
        BilledLine.objects.bulk_create(lines)
    if flagged_rows:
        # The clinic's integration hears of it in this transaction's commit (docs/api.md).
        webhook_emit_billed_charges_flagged(
            estimate=estimate,
            bill_date=bill_date,
            over_by=max(flagged_rows, key=lambda row: row.over_by.amount).over_by,
            dispute_deadline=bill_date + DISPUTE_WINDOW,
        )
    return bill


def estimate_not_billed() -> dict[str, Any]:
    """What estimate_billing says of an estimate with no bill."""
    return {
        "status": BillStatus.NOT_BILLED,
        "bill_date": None,
        "over_by": None,
        "dispute_deadline": None,
    }


def estimate_billing(*, estimate: Estimate) -> dict[str, Any]:
    """The estimate against its current bill: status, how far over, the dispute deadline."""
    bill = (
        BilledCharges.objects.filter(estimate=estimate, replaced=False)
        .prefetch_related("providers")
        .first()
    )
    if bill is None:
        return estimate_not_billed()
    providers = list(bill.providers.all())
    worst = max(providers, key=lambda p: p.over_by.amount, default=None)
    flagged = [p for p in providers if p.flagged]
    if flagged:
        status = BillStatus.OVER_THRESHOLD
    elif notice_for_estimate(estimate=estimate).kind is NoticeKind.GOOD_FAITH_ESTIMATE:
        status = BillStatus.WITHIN
    else:
        status = BillStatus.NO_GFE
    return {
        "status": status,
        "bill_date": bill.bill_date,
        "over_by": worst.over_by if worst is not None else None,
        "dispute_deadline": min(
            (p.dispute_deadline for p in flagged if p.dispute_deadline), default=None
        ),
    }


def _current_providers() -> QuerySet[BilledProvider]:
    return BilledProvider.objects.filter(bill__replaced=False)


def estimates_by_billing(*, queryset: QuerySet[Estimate], status: str) -> QuerySet[Estimate]:
    """Estimates whose current bill is over the threshold, within it, or not billed yet."""
    current = _current_providers().filter(bill__estimate=OuterRef("pk"))
    if status == BillStatus.OVER_THRESHOLD:
        return queryset.filter(Exists(current.filter(flagged=True)))
    if status == BillStatus.WITHIN:
        return queryset.filter(Exists(current)).exclude(Exists(current.filter(flagged=True)))
    if status == BillStatus.NOT_BILLED:
        return queryset.exclude(Exists(current))
    return queryset


@dataclass(frozen=True)
class AccuracyRow:
    """How close estimates came to bills for one service or plan, in one currency."""

    group: str
    currency: str
    bills: int
    within: int
    share_within: Decimal
    mean_absolute_error: Decimal


def billing_accuracy(*, by: str) -> list[AccuracyRow]:
    """Per service ("service") or per plan ("plan"): share of provider bills within $400 of the
    estimate and the mean absolute error, computed by the database (current bills only)."""
    error = ExpressionWrapper(
        Abs(F("billed") - F("expected")), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    if by == "service":
        group: Any = F("bill__estimate__services__name")
    else:
        group = Case(
            When(bill__estimate__plan__isnull=True, then=Value("Self-pay (no plan)")),
            default=Concat(
                F("bill__estimate__plan__payer__name"),
                Value(" — "),
                F("bill__estimate__plan__name"),
                output_field=CharField(),
            ),
            output_field=CharField(),
        )
    rows = (
        _current_providers()
        .annotate(error=error, group=group, currency=F("billed_currency"))
        .values("group", "currency")
        .annotate(
            bills=Count("id"),
            within=Count("id", filter=Q(error__lt=DISPUTE_THRESHOLD)),
            mae=Avg("error"),
        )
        .order_by("group", "currency")
    )
    return [
        AccuracyRow(
            group=row["group"] or "(no service)",
            currency=row["currency"],
            bills=row["bills"],
            within=row["within"],
            share_within=(Decimal(row["within"]) * 100 / row["bills"]).quantize(Decimal("0.1")),
            mean_absolute_error=Decimal(str(row["mae"])).quantize(Decimal("0.01")),
        )
        for row in rows
    ]
