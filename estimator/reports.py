"""Reads for reports: estimates per month and clinic, counted and totalled in one query."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from .models import Estimate, EstimateStatus

REPORTED = (EstimateStatus.ISSUED, EstimateStatus.VOID, EstimateStatus.SUPERSEDED)


@dataclass(frozen=True)
class MonthRow:
    """One clinic's estimates of one month in one currency, by where they stand now."""

    month: dt.date
    clinic: str
    currency: str
    issued: int
    issued_total: Decimal
    void: int
    void_total: Decimal
    superseded: int
    superseded_total: Decimal


def estimates_per_month() -> list[MonthRow]:
    """Estimates given to patients (issued, later void or superseded too), per month of issue
    (of creation for a draft that was voided), clinic and currency; totals are what the
    patient pays, worst case. Months are counted in the server's time zone. One query."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    rows = Estimate.objects.filter(status__in=REPORTED).annotate(
        month=TruncMonth(Coalesce("issued_at", "created_at"), tzinfo=zone)
    )
    counted: dict[str, Count | Sum] = {}
    for status in REPORTED:
        counted[str(status)] = Count("id", filter=Q(status=status))
        counted[f"{status}_total"] = Sum("patient_total", filter=Q(status=status))
    grouped = (
        rows.values("month", "clinic__name", "patient_total_currency")
        .annotate(**counted)
        .order_by("-month", "clinic__name", "patient_total_currency")
    )
    zero = Decimal("0.00")
    return [
        MonthRow(
            month=_day(row["month"]),
            clinic=row["clinic__name"],
            currency=row["patient_total_currency"],
            issued=row["issued"],
            issued_total=row["issued_total"] or zero,
            void=row["void"],
            void_total=row["void_total"] or zero,
            superseded=row["superseded"],
            superseded_total=row["superseded_total"] or zero,
        )
        for row in grouped
    ]


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
