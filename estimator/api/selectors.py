"""Reads for the API: catalog lists with today's prices, and the estimates a caller may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from estimator.models import (
    AddOn,
    AddOnPrice,
    Clinic,
    Estimate,
    InsurancePlan,
    IntegrationKey,
    Payer,
    ServicePrice,
    ServiceType,
)
from estimator.selectors import in_effect


def _current_for(clinics: list[Clinic]) -> Q:
    """Rows in effect today, where "today" is each clinic's own date (time zones differ)."""
    condition = Q(pk__in=[])
    for clinic in clinics:
        condition |= Q(clinic_id=clinic.pk) & in_effect(clinic.today())
    return condition


def _clinics(slug: str | None) -> list[Clinic]:
    clinics = Clinic.objects.filter(active=True)
    if slug:
        clinics = clinics.filter(slug=slug)
    return list(clinics)


def _active(queryset: QuerySet[Any], active: bool | None) -> QuerySet[Any]:
    return queryset if active is None else queryset.filter(active=active)


def clinics_list(*, active: bool | None = None) -> QuerySet[Clinic]:
    """Clinics by name."""
    return _active(Clinic.objects.all(), active).order_by("name", "pk")


def services_list(
    *, clinic: str | None = None, active: bool | None = None
) -> QuerySet[ServiceType]:
    """Session types with `current_prices`: today's price rows (of one clinic, or every clinic)."""
    prices = ServicePrice.objects.filter(_current_for(_clinics(clinic))).select_related("clinic")
    queryset = _active(ServiceType.objects.all(), active)
    if clinic:
        queryset = queryset.filter(prices__clinic__slug=clinic).distinct()
    return queryset.order_by("order", "name", "pk").prefetch_related(
        Prefetch(
            "prices",
            queryset=prices.order_by("clinic__name", "duration_minutes"),
            to_attr="current_prices",
        )
    )


def add_ons_list(*, clinic: str | None = None, active: bool | None = None) -> QuerySet[AddOn]:
    """Add-ons with the services they combine with and `current_prices`."""
    prices = AddOnPrice.objects.filter(_current_for(_clinics(clinic))).select_related("clinic")
    queryset = _active(AddOn.objects.all(), active)
    if clinic:
        queryset = queryset.filter(prices__clinic__slug=clinic).distinct()
    return queryset.order_by("order", "name", "pk").prefetch_related(
        Prefetch("services", queryset=ServiceType.objects.order_by("order", "name").only("code")),
        Prefetch("prices", queryset=prices.order_by("clinic__name"), to_attr="current_prices"),
    )


def payers_list() -> QuerySet[Payer]:
    """Payers by name."""
    return Payer.objects.order_by("name", "pk")


def plans_list(
    *, clinic: str | None = None, payer: int | None = None, active: bool | None = None
) -> QuerySet[InsurancePlan]:
    """Insurance plans with their clinic and payer."""
    queryset = _active(
        InsurancePlan.objects.select_related("clinic", "payer").prefetch_related("code_set_limits"),
        active,
    )
    if clinic:
        queryset = queryset.filter(clinic__slug=clinic)
    if payer:
        queryset = queryset.filter(payer_id=payer)
    return queryset.order_by("clinic__name", "payer__name", "name", "pk")


def estimates_visible(*, key: IntegrationKey | None) -> QuerySet[Estimate]:
    """Stored estimates a caller may see: a key limited to a clinic sees only that clinic's."""
    queryset = Estimate.objects.select_related("clinic", "supersedes", "superseded_by")
    if key is not None and key.clinic_id is not None:
        queryset = queryset.filter(clinic_id=key.clinic_id)
    return queryset


def estimates_list(*, key: IntegrationKey | None, filters: dict[str, Any]) -> QuerySet[Estimate]:
    """Stored estimates, newest first, narrowed by the list's filters."""
    queryset = estimates_visible(key=key)
    lookups = {
        "clinic": "clinic__slug",
        "status": "status",
        "plan": "plan_id",
        "external_reference": "external_reference",
        "created_after": "created_at__gte",
        "created_before": "created_at__lt",
    }
    for name, lookup in lookups.items():
        if filters.get(name) is not None:
            queryset = queryset.filter(**{lookup: filters[name]})
    if filters.get("service"):
        queryset = queryset.filter(services__code=filters["service"]).distinct()
    return queryset.order_by("-created_at", "-id")
