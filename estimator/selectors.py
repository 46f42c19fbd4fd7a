"""Reads: prices on a date, the catalog snapshot for a plan, estimates for a list."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from .models import AddOnPrice, Clinic, ServicePrice, ServiceType


def _in_effect(day: dt.date) -> Q:
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def service_price_on(
    *, clinic: Clinic, service: ServiceType, duration_minutes: int, day: dt.date
) -> ServicePrice | None:
    """The price a clinic charges for a session of this type and length on day, if any (1 query)."""
    return (
        ServicePrice.objects.filter(
            clinic=clinic, service=service, duration_minutes=duration_minutes
        )
        .filter(_in_effect(day))
        .first()
    )


def add_on_price_on(*, clinic: Clinic, add_on_id: int, day: dt.date) -> AddOnPrice | None:
    """The price a clinic charges for an add-on on day, if any (1 query)."""
    return (
        AddOnPrice.objects.filter(clinic=clinic, add_on_id=add_on_id)
        .filter(_in_effect(day))
        .first()
    )


def service_prices_current(*, clinic: Clinic, day: dt.date) -> QuerySet[ServicePrice]:
    """Every session price of a clinic in effect on day."""
    return (
        ServicePrice.objects.filter(clinic=clinic).filter(_in_effect(day)).select_related("service")
    )
