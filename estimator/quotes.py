"""Pricing a plan request against what the database says: the quote use case."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from django.conf import settings

from . import pricing
from .catalog_cache import ClinicCatalog, catalog_build, clinic_catalog
from .models import Clinic, CoverageMode, InsurancePlan, PayerKind


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a quote request: where, a machine code, and what to fix."""

    field: str
    code: str
    message: str


class QuoteInvalid(Exception):
    """The request cannot be priced; every problem found is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    def by_field(self) -> dict[str, list[str]]:
        """Messages grouped by field path, for forms and API error bodies."""
        grouped: dict[str, list[str]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.field, []).append(problem.message)
        return grouped


@dataclass(frozen=True)
class QuoteInput:
    """A plan request as a use case sees it: parsed, but not yet checked against the catalog."""

    clinic: Clinic
    items: tuple[pricing.PlanItem, ...]
    sessions_per_week: int
    start_date: dt.date
    coverage_mode: str = CoverageMode.SELF_PAY
    plan: InsurancePlan | None = None
    standing: pricing.Standing = field(default_factory=pricing.Standing)
    # The clinic's catalog as of the current version, when the caller has already read it.
    catalog: ClinicCatalog | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Quote:
    """A priced plan with everything needed to show it or keep it on record."""

    input: QuoteInput
    estimate: pricing.Estimate
    plan: InsurancePlan | None
    catalog: pricing.CatalogSnapshot
    terms: pricing.PlanTerms | None

    def result_data(self) -> dict[str, Any]:
        """The estimate as JSON-ready data (one shape for API, page, PDF and admin)."""
        return self.estimate.to_dict()

    def request_data(self) -> dict[str, Any]:
        """The inputs exactly as priced."""
        q = self.input
        return {
            "clinic": q.clinic.slug,
            "items": [
                {
                    "service": item.service_code,
                    "duration_minutes": item.duration_minutes,
                    "add_ons": list(item.addon_codes),
                    "sessions": item.sessions,
                }
                for item in q.items
            ],
            "sessions_per_week": q.sessions_per_week,
            "start_date": q.start_date.isoformat(),
            "coverage": {
                "mode": q.coverage_mode,
                "plan": None if self.plan is None else self.plan.pk,
                "plan_assumed": q.plan is None and self.plan is not None,
                "standing": jsonable(q.standing),
            },
        }

    def snapshot_data(self) -> dict[str, Any]:
        """The prices and coverage used, frozen with a stored estimate."""
        return {"catalog": jsonable(self.catalog), "plan_terms": jsonable(self.terms)}


def jsonable(value: Any) -> Any:
    """Frozen engine values as JSON: Decimals and dates as strings, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {_key(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _key(key: Any) -> str:
    return ":".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


def _check_dates(clinic: Clinic, start: dt.date) -> list[Problem]:
    today = clinic.today()
    earliest = today - dt.timedelta(days=settings.ESTIMATOR_MAX_DAYS_BACK)
    latest = today + dt.timedelta(days=settings.ESTIMATOR_MAX_DAYS_AHEAD)
    if start < earliest or start > latest:
        return [
            Problem(
                "start_date",
                "start_date_out_of_range",
                f"Choose a first-visit date between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d}.",
            )
        ]
    return []


def quote_catalog(*, clinic: Clinic) -> ClinicCatalog:
    """The clinic's catalog for pricing: cached by version; an inactive clinic's read afresh."""
    found = clinic_catalog(slug=clinic.slug) if clinic.active else None
    if found is not None and found.clinic.pk == clinic.pk:
        return found
    return catalog_build(clinic=clinic, token=0)


def _self_pay(
    q: QuoteInput, catalog: ClinicCatalog
) -> tuple[pricing.Coverage, InsurancePlan | None, list[Problem]]:
    # A plan named with self-pay is kept only when it says the patient is a Medicare
    # beneficiary: the estimate must then say which codes Medicare has to be billed for.
    plan = q.plan
    if (
        plan is None
        or plan.clinic_id != q.clinic.pk
        or not plan.active
        or plan.payer.kind != PayerKind.MEDICARE
    ):
        return pricing.SelfPay(), None, []
    return pricing.SelfPay(medicare=catalog.plan_terms(plan)), plan, []


def _coverage(
    q: QuoteInput, catalog: ClinicCatalog
) -> tuple[pricing.Coverage, InsurancePlan | None, list[Problem]]:
    if q.coverage_mode == CoverageMode.SELF_PAY:
        return _self_pay(q, catalog)
    # The patient tells us where they stand today: that is the benefit year it belongs to.
    q = dataclasses.replace(q, standing=dataclasses.replace(q.standing, as_of=q.clinic.today()))
    plan = q.plan
    if plan is None and q.coverage_mode == CoverageMode.UNKNOWN:
        plan = catalog.unsure_patient_plan
        if plan is None or not plan.active:
            message = (
                f"{q.clinic.name} has no plan to assume for patients who are unsure of their "
                "coverage; choose self-pay or a plan."
            )
            return pricing.SelfPay(), None, [Problem("coverage.plan", "no_assumed_plan", message)]
        # The patient is unsure of their plan, not of their year: what they say they have
        # already met still applies to the assumed plan (docs/api.md promises it).
        return pricing.Unverified(catalog.plan_terms(plan), q.standing), plan, []
    if plan is None:
        return pricing.SelfPay(), None, [Problem("coverage.plan", "required", "Choose a plan.")]
    if plan.clinic_id != q.clinic.pk or not plan.active:
        message = f"This plan is not one {q.clinic.name} quotes; choose one of its plans."
        return pricing.SelfPay(), None, [Problem("coverage.plan", "plan_not_offered", message)]
    terms = catalog.plan_terms(plan)
    if q.coverage_mode == CoverageMode.UNKNOWN:
        return pricing.Unverified(terms, q.standing), plan, []
    return pricing.Insured(terms, q.standing), plan, []


def _check_limit_keys(coverage: pricing.Coverage) -> list[Problem]:
    # Visits used toward a limit the plan does not have would be silently ignored: refuse.
    if isinstance(coverage, pricing.SelfPay):
        return []
    known = {limit.key for limit in coverage.terms.code_set_limits}
    return [
        Problem(
            f"coverage.standing.limit_visits_used.{key}",
            "unknown_visit_limit",
            f"The plan has no visit limit called {key!r}"
            + (f"; its limits are: {', '.join(sorted(known))}." if known else "."),
        )
        for key in sorted(coverage.standing.limit_visits_used)
        if key not in known
    ]


def quote_build(*, quote: QuoteInput) -> Quote:
    """Price a plan request: one snapshot of the catalog, then the pure engine."""
    offer = quote.catalog or quote_catalog(clinic=quote.clinic)
    problems = _check_dates(quote.clinic, quote.start_date)
    coverage, plan, coverage_problems = _coverage(quote, offer)
    problems += coverage_problems + _check_limit_keys(coverage)
    catalog = offer.snapshot_for(
        [item.service_code for item in quote.items],
        [code for item in quote.items for code in item.addon_codes],
    )
    request = pricing.PlanRequest(quote.items, quote.sessions_per_week, quote.start_date)
    if not problems:
        problems += [
            Problem(e.field or "plan", e.code, e.message)
            for e in pricing.validate_plan(request, catalog, coverage)
        ]
    if problems:
        raise QuoteInvalid(problems)
    try:
        estimate = pricing.estimate_plan(request, catalog, coverage)
    except pricing.PricingError as error:
        raise QuoteInvalid([Problem(error.field or "plan", error.code, error.message)]) from error
    terms = None if isinstance(coverage, pricing.SelfPay) else coverage.terms
    return Quote(quote, estimate, plan, catalog, terms)
