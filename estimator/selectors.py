"""Reads: prices on a date, the catalog snapshot for a plan, estimates for a list."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import pricing
from .catalog_text import Text, name_in_language
from .models import (
    AddOn,
    AddOnPrice,
    AllowedBasis,
    Clinic,
    CodeSetLimit,
    CoverageRule,
    Estimate,
    GoodFaithEstimateRequest,
    InsurancePlan,
    Package,
    RequestStatus,
    ServicePrice,
    ServiceType,
)
from .notices import Notice, NoticeFacts, notice_decide, priced_services

if TYPE_CHECKING:
    from .quotes import Quote

ONE_DAY = dt.timedelta(days=1)
OPEN_REQUEST_STATUSES = (RequestStatus.NEW, RequestStatus.IN_PROGRESS)


def in_effect(day: dt.date) -> Q:
    """Effective-dated rows that apply on day (last day inclusive)."""
    return Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day))


def service_price_on(
    *, clinic: Clinic, service: ServiceType, duration_minutes: int, day: dt.date
) -> ServicePrice | None:
    """The price a clinic charges for a session of this type and length on day, if any (1 query)."""
    return (
        ServicePrice.objects.filter(
            clinic=clinic, service=service, duration_minutes=duration_minutes
        )
        .filter(in_effect(day))
        .first()
    )


def add_on_price_on(*, clinic: Clinic, add_on_id: int, day: dt.date) -> AddOnPrice | None:
    """The price a clinic charges for an add-on on day, if any (1 query)."""
    return (
        AddOnPrice.objects.filter(clinic=clinic, add_on_id=add_on_id).filter(in_effect(day)).first()
    )


def service_prices_current(*, clinic: Clinic, day: dt.date) -> QuerySet[ServicePrice]:
    """Every session price of a clinic in effect on day."""
    return (
        ServicePrice.objects.filter(clinic=clinic).filter(in_effect(day)).select_related("service")
    )


# ---- the snapshot an estimate is priced from ---------------------------------------------


def _periods(rows: Iterable[ServicePrice | AddOnPrice]) -> tuple[pricing.PricePeriod, ...]:
    # Admin stores the last day inclusive; the engine takes an exclusive end.
    return tuple(
        pricing.PricePeriod(
            effective_from=row.effective_from,
            effective_to=None if row.effective_to is None else row.effective_to + ONE_DAY,
            amount=row.amount.amount,
        )
        for row in rows
    )


def catalog_snapshot(*, clinic: Clinic) -> pricing.CatalogSnapshot:
    """The clinic's active services and add-ons with every price row, and its packages.

    Five queries whatever the catalog's size; estimator.catalog_cache keeps the result for as
    long as the catalog version stands, and CatalogSnapshot.only() cuts it to what a plan names.
    """
    return catalog_read(clinic=clinic)[0]


def catalog_read(*, clinic: Clinic) -> tuple[pricing.CatalogSnapshot, tuple[Text, ...]]:
    """catalog_snapshot, and the names it holds with their Spanish and French (same queries)."""
    names: list[Text] = []
    service_rows: dict[int, list[ServicePrice]] = {}
    for row in ServicePrice.objects.filter(clinic=clinic).order_by("effective_from", "pk"):
        service_rows.setdefault(row.service_id, []).append(row)
    service_defs = {}
    for service in ServiceType.objects.filter(active=True).order_by():
        service_defs[service.code] = _service_def(service, service_rows.get(service.pk, []))
        names.append(Text.of(service, "name"))
    add_on_rows: dict[int, list[AddOnPrice]] = {}
    for price in AddOnPrice.objects.filter(clinic=clinic).order_by("effective_from", "pk"):
        add_on_rows.setdefault(price.add_on_id, []).append(price)
    combines: dict[int, set[str]] = {}
    links = AddOn.services.through.objects.values_list("addon_id", "servicetype__code")
    for add_on_id, service_code in links:
        combines.setdefault(add_on_id, set()).add(service_code)
    add_on_defs = {}
    for add_on in AddOn.objects.filter(active=True).order_by():
        add_on_defs[add_on.code] = _add_on_def(add_on, add_on_rows.get(add_on.pk, []), combines)
        names.append(Text.of(add_on, "name"))
    found = (
        Package.objects.filter(clinic=clinic, active=True)
        .select_related("service")
        .order_by("sessions", "code")
    )
    packages = tuple(
        pricing.PackageDef(
            code=p.code,
            name=p.name,
            service_code=p.service.code,
            sessions=p.sessions,
            price=p.price.amount,
            valid_days=p.valid_days,
            duration_minutes=p.duration_minutes,
        )
        for p in found
    )
    names += [Text.of(p, "name") for p in found]
    snapshot = pricing.CatalogSnapshot(
        currency=clinic.currency,
        services=service_defs,
        addons=add_on_defs,
        packages=packages,
        max_session_minutes=clinic.max_session_minutes,
        self_pay_discount=pricing.SelfPayDiscount(
            percent=clinic.self_pay_discount_percent,
            applies_to_uncovered=clinic.self_pay_discount_on_uncovered,
        ),
    )
    return snapshot, tuple(names)


def _service_def(service: ServiceType, rows: list[ServicePrice]) -> pricing.ServiceDef:
    # Offered durations are the keys; a duration with no price row fails as "no price".
    by_duration: dict[int, list[ServicePrice]] = {d: [] for d in service.durations}
    for row in rows:
        if row.duration_minutes in by_duration:
            by_duration[row.duration_minutes].append(row)
    return pricing.ServiceDef(
        code=service.code,
        name=service.name,
        billing_code=service.billing_code,
        prices={d: _periods(found) for d, found in by_duration.items()},
        basis=pricing.Basis(service.billing_basis),
        additional_unit_code=service.additional_unit_code or None,
        usually_covered=service.usually_covered,
        contact_minutes={int(k): int(v) for k, v in (service.contact_minutes or {}).items()},
    )


def _add_on_def(
    add_on: AddOn, rows: list[AddOnPrice], combines: dict[int, set[str]]
) -> pricing.AddonDef:
    return pricing.AddonDef(
        code=add_on.code,
        name=add_on.name,
        billing_code=add_on.billing_code,
        prices=_periods(rows),
        allowed_services=frozenset(combines.get(add_on.pk, ())),
        basis=pricing.Basis(add_on.pricing_basis),
        minutes=add_on.minutes,
        usually_covered=add_on.usually_covered,
        medicare_billing_code=add_on.medicare_billing_code or None,
        medicare_bundled=add_on.medicare_bundled,
    )


def _zero_is_none(amount: Decimal) -> Decimal | None:
    return None if amount == 0 else amount


def plan_terms(*, plan: InsurancePlan) -> pricing.PlanTerms:
    """A plan's benefit terms and coverage rules for the engine (one query for the rules)."""
    rules: dict[tuple[str, str], pricing.CoverageRule] = {}
    # values_list and no ordering: this runs on every insured quote, and model instances
    # plus the default ordering's joins cost more than the query itself.
    rows = (
        CoverageRule.objects.filter(plan=plan)
        .order_by()
        .values_list(
            "service__code",
            "add_on__code",
            "status",
            "allowed_basis",
            "allowed_amount",
            "additional_unit_allowed_amount",
            "allowed_percent",
            "note",
            "denial",
        )
    )
    for row in rows:
        service_code, add_on_code, status, basis, amount, additional, percent, note, denial = row
        if service_code is not None:
            key = ("service", service_code)
        elif add_on_code is not None:
            key = ("addon", add_on_code)
        else:  # the database refuses such a row (rule_one_target); skip rather than guess
            continue
        allowed = None
        if basis == AllowedBasis.FIXED:
            allowed = pricing.AllowedAmount(
                pricing.AllowedKind.FIXED, amount, _zero_is_none(additional)
            )
        elif basis == AllowedBasis.PERCENT:
            allowed = pricing.AllowedAmount(pricing.AllowedKind.PERCENT, percent)
        rules[key] = pricing.CoverageRule(
            pricing.CoverageStatus(status),
            allowed,
            note.strip(),
            pricing.Denial(denial) if denial else None,
        )
    return pricing.PlanTerms(
        kind=pricing.PlanKind(plan.payer.kind),
        network=pricing.Network(plan.network),
        currency=plan.currency,
        deductible=plan.deductible.amount,
        coinsurance_percent=plan.coinsurance_percent,
        copay=_zero_is_none(plan.copay.amount),
        copay_design=pricing.CopayDesign(plan.copay_design),
        oop_max=_zero_is_none(plan.out_of_pocket_max.amount),
        benefit_year_start=(plan.benefit_year_start_month, plan.benefit_year_start_day),
        visit_limit=plan.visit_limit,
        code_set_limits=_code_set_limits(plan),
        per_visit_max=_zero_is_none(plan.per_visit_max.amount),
        annual_max=_zero_is_none(plan.annual_max.amount),
        reimbursement_percent=_zero_is_none(plan.reimbursement_percent),
        unit_rule=pricing.UnitRule(plan.unit_rule),
        therapy_kx_threshold=_zero_is_none(plan.therapy_kx_threshold.amount),
        therapy_review_threshold=_zero_is_none(plan.therapy_review_threshold.amount),
        mppr_percent=_zero_is_none(plan.mppr_percent),
        rules=rules,
    )


def code_set_limits(plan: InsurancePlan) -> list[CodeSetLimit]:
    """A plan's visit limits on sets of codes, by key (prefetched as "code_set_limits" if so)."""
    # .all() rather than a filter: catalog_build prefetches them for every plan in one query.
    return sorted(plan.code_set_limits.all(), key=lambda limit: limit.key)


def _code_set_limits(plan: InsurancePlan) -> tuple[pricing.CodeSetLimit, ...]:
    return tuple(
        pricing.CodeSetLimit(
            key=limit.key,
            name=limit.name,
            codes=frozenset(limit.codes),
            max_visits=limit.max_visits,
            certain_visits=limit.certain_visits,
        )
        for limit in code_set_limits(plan)
    )


def plans_for_quotes(*, clinic: Clinic) -> QuerySet[InsurancePlan]:
    """The active plans a patient or integration may choose at a clinic."""
    return (
        InsurancePlan.objects.filter(clinic=clinic, active=True)
        .select_related("payer")
        .order_by("payer__name", "name")
    )


def _notice(
    *,
    clinic: Clinic,
    coverage_mode: str,
    plan: InsurancePlan | None,
    named_services: tuple[tuple[str, ...], tuple[str, ...]],
    first_visit: dt.date,
    today: dt.date,
    renewal: bool = False,
    names: Mapping[str, str] | None = None,
) -> Notice:
    uncovered, abn = named_services
    if names:
        # The engine's lines name services in English; the notice says them as the reader does.
        uncovered = tuple(name_in_language(name, names) for name in uncovered)
        abn = tuple(name_in_language(name, names) for name in abn)
    facts = NoticeFacts(
        country=clinic.country,
        coverage_mode=coverage_mode,
        payer_kind=None if plan is None else plan.payer.kind,
        first_visit=first_visit,
        uncovered=uncovered,
        abn=abn,
        renewal=renewal,
    )
    return notice_decide(facts=facts, today=today, clinic_name=clinic.name)


def notice_for_quote(
    *, quote: Quote, result: dict[str, Any] | None = None, names: Mapping[str, str] | None = None
) -> Notice:
    """The notice owed for a plan priced just now (deadlines from the clinic's today); names:
    English catalog name -> the reader's, for a page in another language."""
    return _notice(
        clinic=quote.input.clinic,
        coverage_mode=quote.input.coverage_mode,
        plan=quote.plan,
        named_services=priced_services(result if result is not None else quote.result_data()),
        first_visit=quote.estimate.schedule[0],
        today=quote.input.clinic.today(),
        names=names,
    )


def notice_for_estimate(*, estimate: Estimate) -> Notice:
    """The notice a stored estimate's patient is owed (deadlines from the day it was issued)."""
    zone = zoneinfo.ZoneInfo(estimate.clinic.time_zone)
    made = estimate.issued_at or estimate.created_at
    return _notice(
        clinic=estimate.clinic,
        coverage_mode=estimate.coverage_mode,
        plan=estimate.plan,
        named_services=estimate.named_services
        if estimate.named_services is not None
        else priced_services(estimate.result_data),
        first_visit=estimate.start_date,
        today=timezone.localtime(made, zone).date() if made else estimate.clinic.today(),
        # A correction replaces a GFE already given: the renewal deadline applies.
        renewal=estimate.supersedes_id is not None,
    )


def gfe_request_is_overdue(*, request: GoodFaithEstimateRequest) -> bool:
    """Whether this request's Good Faith Estimate is late (still open after its due day)."""
    return (
        request.status in OPEN_REQUEST_STATUSES
        and request.due_on is not None
        and request.due_on < request.clinic.today()
    )
