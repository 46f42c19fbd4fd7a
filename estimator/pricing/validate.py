"""Checks a plan before pricing; every problem becomes a specific PricingError."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from decimal import Decimal

from . import errors
from .money import HUNDRED, MINOR_UNIT, ZERO, is_whole_minor_units, rounder_for
from .types import CatalogSnapshot, Coverage, PlanItem, PlanRequest, PlanTerms, SelfPay, Standing

MAX_SESSIONS = 100


def validate_plan(
    request: PlanRequest, catalog: CatalogSnapshot, coverage: Coverage
) -> list[errors.PricingError]:
    """Every problem with the plan, in a stable order; empty when it can be priced."""
    try:
        rounder_for(catalog.currency)
    except errors.UnsupportedCurrencyError as exc:
        return [exc]
    found = list(_check_schedule(request))
    for index, item in enumerate(request.items):
        found.extend(_check_item(index, item, catalog))
    found.extend(_check_catalog_amounts(catalog))
    if not isinstance(coverage, SelfPay):
        found.extend(_check_terms(coverage.terms, catalog.currency))
        found.extend(_check_standing(coverage.standing, catalog.currency))
    return found


def _check_schedule(request: PlanRequest) -> Iterator[errors.PricingError]:
    if not 1 <= request.sessions_per_week <= 7:
        yield errors.SessionsPerWeekError(
            f"Sessions per week must be 1 to 7, not {request.sessions_per_week}.",
            field="sessions_per_week",
        )
    for index, item in enumerate(request.items):
        if item.sessions < 1:
            yield errors.SessionCountError(
                f"Each item needs at least one session, not {item.sessions}.",
                field=f"items[{index}].sessions",
            )
    total = sum(max(item.sessions, 0) for item in request.items)
    if total == 0 or total > MAX_SESSIONS:
        yield errors.SessionCountError(
            f"A plan has 1 to {MAX_SESSIONS} sessions in total, not {total}.", field="items"
        )


def _check_item(
    index: int, item: PlanItem, catalog: CatalogSnapshot
) -> Iterator[errors.PricingError]:
    at = f"items[{index}]"
    service = catalog.services.get(item.service_code)
    if service is None:
        yield errors.UnknownServiceError(
            f"There is no service with code {item.service_code!r}.", field=f"{at}.service_code"
        )
    elif item.duration_minutes not in service.prices:
        offered = ", ".join(str(m) for m in sorted(service.prices)) or "none"
        yield errors.DurationNotOfferedError(
            f"{service.name} is not offered for {item.duration_minutes} minutes "
            f"(offered: {offered}).",
            field=f"{at}.duration_minutes",
        )
    minutes = item.duration_minutes
    for pos, code in enumerate(item.addon_codes):
        where = f"{at}.addon_codes[{pos}]"
        addon = catalog.addons.get(code)
        if addon is None:
            yield errors.UnknownAddonError(f"There is no add-on with code {code!r}.", field=where)
            continue
        minutes += addon.minutes
        if code in item.addon_codes[:pos]:
            yield errors.DuplicateAddonError(f"{addon.name} is listed twice.", field=where)
        if service is not None and service.code not in addon.allowed_services:
            yield errors.AddonNotAllowedError(
                f"{addon.name} cannot be added to {service.name}.", field=where
            )
    if minutes > catalog.max_session_minutes:
        yield errors.SessionTooLongError(
            f"The session would last {minutes} minutes with its add-ons; the clinic's "
            f"maximum is {catalog.max_session_minutes}.",
            field=f"{at}.duration_minutes",
        )


def _check_catalog_amounts(catalog: CatalogSnapshot) -> Iterator[errors.PricingError]:
    yield from _percent(catalog.self_pay_discount.percent, "catalog.self_pay_discount.percent")
    for index, package in enumerate(catalog.packages):
        yield from _money(package.price, catalog.currency, f"catalog.packages[{index}].price")
        if package.sessions < 1 or package.valid_days < 1:
            yield errors.InvalidAmountError(
                f"Package {package.name} needs at least one session and one valid day.",
                field=f"catalog.packages[{index}]",
            )


def _check_terms(terms: PlanTerms, currency: str) -> Iterator[errors.PricingError]:
    if terms.currency != currency:
        yield errors.CurrencyMismatchError(
            f"The insurance plan is in {terms.currency} but the clinic charges in {currency}.",
            field="coverage.terms.currency",
        )
        return
    for name in ("deductible", "copay", "oop_max", "per_visit_max", "annual_max"):
        value = getattr(terms, name)
        if value is not None:
            yield from _money(value, currency, f"coverage.terms.{name}")
    yield from _percent(terms.coinsurance_percent, "coverage.terms.coinsurance_percent")
    if terms.reimbursement_percent is not None:
        yield from _percent(terms.reimbursement_percent, "coverage.terms.reimbursement_percent")
    yield from _check_limits(terms)
    for key, rule in terms.rules.items():
        if rule.allowed is not None:
            yield from _amount(rule.allowed.value, f"coverage.terms.rules[{key[0]}:{key[1]}]")


def _check_limits(terms: PlanTerms) -> Iterator[errors.PricingError]:
    month, day = terms.benefit_year_start
    # 29 February is allowed: in common years the benefit year starts on the 28th.
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
        yield errors.InvalidTermsError(
            f"Benefit year start {month}/{day} is not a day of the year (month, day).",
            field="coverage.terms.benefit_year_start",
        )
    if terms.visit_limit is not None and terms.visit_limit < 0:
        yield errors.InvalidTermsError(
            "Visit limit must not be negative.", field="coverage.terms.visit_limit"
        )
    for index, limit in enumerate(terms.code_set_limits):
        if limit.max_visits < 0 or not limit.codes:
            yield errors.InvalidTermsError(
                f"The {limit.name} limit needs at least one code and a visit count of zero or "
                "more.",
                field=f"coverage.terms.code_set_limits[{index}]",
            )


def _check_standing(standing: Standing, currency: str) -> Iterator[errors.PricingError]:
    for name in ("deductible_met", "oop_met", "annual_max_used", "therapy_spend"):
        yield from _money(getattr(standing, name), currency, f"coverage.standing.{name}")
    if standing.visits_used < 0:
        yield errors.InvalidAmountError(
            "Visits used cannot be negative.", field="coverage.standing.visits_used"
        )
    for key, used in standing.limit_visits_used.items():
        if used < 0:
            yield errors.InvalidAmountError(
                "Visits used cannot be negative.",
                field=f"coverage.standing.limit_visits_used.{key}",
            )


def _amount(value: Decimal, field: str) -> Iterator[errors.PricingError]:
    if not value.is_finite() or value < ZERO:
        yield errors.InvalidAmountError(f"{_label(field)} must not be negative.", field=field)


def _money(value: Decimal, currency: str, field: str) -> Iterator[errors.PricingError]:
    if not value.is_finite() or value < ZERO or not is_whole_minor_units(value, currency):
        yield errors.InvalidAmountError(
            f"{_label(field)} must be a {currency} amount of zero or more with at most "
            f"{-int(MINOR_UNIT[currency].as_tuple().exponent)} decimal places, not {value}.",
            field=field,
        )


def _percent(value: Decimal, field: str) -> Iterator[errors.PricingError]:
    if not value.is_finite() or not ZERO <= value <= HUNDRED:
        yield errors.InvalidAmountError(
            f"{_label(field)} must be between 0 and 100, not {value}.", field=field
        )


def _label(field: str) -> str:
    """coverage.terms.coinsurance_percent -> Coinsurance percent."""
    return field.rsplit(".", 1)[-1].split("[")[0].replace("_", " ").capitalize()
