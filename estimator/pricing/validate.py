"""Checks a plan before pricing; every problem becomes a specific PricingError."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from decimal import Decimal

from . import errors
from .money import HUNDRED, MINOR_UNIT, ZERO, is_whole_minor_units, rounder_for
from .phrases import gettext_noop, pgettext
from .types import CatalogSnapshot, Coverage, PlanItem, PlanRequest, PlanTerms, SelfPay, Standing

MAX_SESSIONS = 100

SESSIONS_PER_WEEK = gettext_noop("Sessions per week must be 1 to 7, not %(count_given)s.")
ITEM_SESSIONS = gettext_noop("Each item needs at least one session, not %(count_given)s.")
PLAN_SESSIONS = gettext_noop(
    "A plan has 1 to %(count_max)s sessions in total, not %(count_given)s."
)
# Translators: name_code is the code as typed, in quotes.
UNKNOWN_SERVICE = gettext_noop("There is no service with code %(name_code)s.")
UNKNOWN_ADDON = gettext_noop("There is no add-on with code %(name_code)s.")
DURATION_NOT_OFFERED = gettext_noop(
    "%(name_service)s is not offered for %(count_minutes)s minutes (offered: %(name_offered)s)."
)
DURATION_NONE_OFFERED = gettext_noop(
    "%(name_service)s is not offered for %(count_minutes)s minutes (offered: none)."
)
DUPLICATE_ADDON = gettext_noop("%(name_addon)s is listed twice.")
ADDON_NOT_ALLOWED = gettext_noop("%(name_addon)s cannot be added to %(name_service)s.")
SESSION_TOO_LONG = gettext_noop(
    "The session would last %(count_minutes)s minutes with its add-ons; the clinic's maximum "
    "is %(count_max)s."
)
PACKAGE_INVALID = gettext_noop(
    "Package %(name_package)s needs at least one session and one valid day."
)
CURRENCY_MISMATCH = gettext_noop(
    "The insurance plan is in %(code_plan_currency)s but the clinic charges in %(code_currency)s."
)
BENEFIT_YEAR_START = gettext_noop(
    "Benefit year start %(count_month)s/%(count_day)s is not a day of the year (month, day)."
)
VISIT_LIMIT_NEGATIVE = gettext_noop("Visit limit must not be negative.")
CODE_SET_LIMIT_INVALID = gettext_noop(
    "The %(name_limit)s limit needs at least one code and a visit count of zero or more."
)
VISITS_USED_NEGATIVE = gettext_noop("Visits used cannot be negative.")
AMOUNT_NEGATIVE = gettext_noop("%(clause_field)s must not be negative.")
MONEY_INVALID = gettext_noop(
    "%(clause_field)s must be a %(code_currency)s amount of zero or more with at most "
    "%(count_places)s decimal places, not %(code_given)s."
)
PERCENT_INVALID = gettext_noop("%(clause_field)s must be between 0 and 100, not %(code_given)s.")
# The names of the figures above, as field labels; "Deductible" may also be a page's column
# heading, so the labels carry a context of their own.
LABELS = {
    "deductible": pgettext("field label", "Deductible"),
    "copay": pgettext("field label", "Copay"),
    # Translators: out-of-pocket maximum.
    "oop_max": pgettext("field label", "Oop max"),
    "per_visit_max": pgettext("field label", "Per visit max"),
    "annual_max": pgettext("field label", "Annual max"),
    "price": pgettext("field label", "Price"),
    "deductible_met": pgettext("field label", "Deductible met"),
    # Translators: out-of-pocket spending met so far this year.
    "oop_met": pgettext("field label", "Oop met"),
    "annual_max_used": pgettext("field label", "Annual max used"),
    "therapy_spend": pgettext("field label", "Therapy spend"),
    "percent": pgettext("field label", "Percent"),
    "coinsurance_percent": pgettext("field label", "Coinsurance percent"),
    "reimbursement_percent": pgettext("field label", "Reimbursement percent"),
    # Translators: a plan's coverage rules (an allowed amount in one of them).
    "rules": pgettext("field label", "Rules"),
}


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
            SESSIONS_PER_WEEK % {"count_given": request.sessions_per_week},
            field="sessions_per_week",
        )
    for index, item in enumerate(request.items):
        if item.sessions < 1:
            yield errors.SessionCountError(
                ITEM_SESSIONS % {"count_given": item.sessions},
                field=f"items[{index}].sessions",
            )
    total = sum(max(item.sessions, 0) for item in request.items)
    if total == 0 or total > MAX_SESSIONS:
        yield errors.SessionCountError(
            PLAN_SESSIONS % {"count_max": MAX_SESSIONS, "count_given": total}, field="items"
        )


def _check_item(
    index: int, item: PlanItem, catalog: CatalogSnapshot
) -> Iterator[errors.PricingError]:
    at = f"items[{index}]"
    service = catalog.services.get(item.service_code)
    if service is None:
        yield errors.UnknownServiceError(
            UNKNOWN_SERVICE % {"name_code": repr(item.service_code)}, field=f"{at}.service_code"
        )
    elif item.duration_minutes not in service.prices:
        offered = ", ".join(str(m) for m in sorted(service.prices))
        said = DURATION_NOT_OFFERED if offered else DURATION_NONE_OFFERED
        params = {
            "name_service": service.name,
            "count_minutes": item.duration_minutes,
            "name_offered": offered,
        }
        yield errors.DurationNotOfferedError(
            said % params,
            field=f"{at}.duration_minutes",
        )
    minutes = item.duration_minutes
    for pos, code in enumerate(item.addon_codes):
        where = f"{at}.addon_codes[{pos}]"
        addon = catalog.addons.get(code)
        if addon is None:
            message = UNKNOWN_ADDON % {"name_code": repr(code)}
            yield errors.UnknownAddonError(message, field=where)
            continue
        minutes += addon.minutes
        if code in item.addon_codes[:pos]:
            message = DUPLICATE_ADDON % {"name_addon": addon.name}
            yield errors.DuplicateAddonError(message, field=where)
        if service is not None and service.code not in addon.allowed_services:
            message = ADDON_NOT_ALLOWED % {"name_addon": addon.name, "name_service": service.name}
            yield errors.AddonNotAllowedError(message, field=where)
    if minutes > catalog.max_session_minutes:
        yield errors.SessionTooLongError(
            SESSION_TOO_LONG % {"count_minutes": minutes, "count_max": catalog.max_session_minutes},
            field=f"{at}.duration_minutes",
        )


def _check_catalog_amounts(catalog: CatalogSnapshot) -> Iterator[errors.PricingError]:
    yield from _percent(catalog.self_pay_discount.percent, "catalog.self_pay_discount.percent")
    for index, package in enumerate(catalog.packages):
        yield from _money(package.price, catalog.currency, f"catalog.packages[{index}].price")
        if package.sessions < 1 or package.valid_days < 1:
            yield errors.InvalidAmountError(
                PACKAGE_INVALID % {"name_package": package.name},
                field=f"catalog.packages[{index}]",
            )


def _check_terms(terms: PlanTerms, currency: str) -> Iterator[errors.PricingError]:
    if terms.currency != currency:
        yield errors.CurrencyMismatchError(
            CURRENCY_MISMATCH % {"code_plan_currency": terms.currency, "code_currency": currency},
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
            BENEFIT_YEAR_START % {"count_month": month, "count_day": day},
            field="coverage.terms.benefit_year_start",
        )
    if terms.visit_limit is not None and terms.visit_limit < 0:
        yield errors.InvalidTermsError(VISIT_LIMIT_NEGATIVE, field="coverage.terms.visit_limit")
    for index, limit in enumerate(terms.code_set_limits):
        if limit.max_visits < 0 or not limit.codes:
            yield errors.InvalidTermsError(
                CODE_SET_LIMIT_INVALID % {"name_limit": limit.name},
                field=f"coverage.terms.code_set_limits[{index}]",
            )


def _check_standing(standing: Standing, currency: str) -> Iterator[errors.PricingError]:
    for name in ("deductible_met", "oop_met", "annual_max_used", "therapy_spend"):
        yield from _money(getattr(standing, name), currency, f"coverage.standing.{name}")
    if standing.visits_used < 0:
        yield errors.InvalidAmountError(VISITS_USED_NEGATIVE, field="coverage.standing.visits_used")
    for key, used in standing.limit_visits_used.items():
        if used < 0:
            yield errors.InvalidAmountError(
                VISITS_USED_NEGATIVE,
                field=f"coverage.standing.limit_visits_used.{key}",
            )


def _amount(value: Decimal, field: str) -> Iterator[errors.PricingError]:
    if not value.is_finite() or value < ZERO:
        message = AMOUNT_NEGATIVE % {"clause_field": _label(field)}
        yield errors.InvalidAmountError(message, field=field)


def _money(value: Decimal, currency: str, field: str) -> Iterator[errors.PricingError]:
    if not value.is_finite() or value < ZERO or not is_whole_minor_units(value, currency):
        params = {
            "clause_field": _label(field),
            "code_currency": currency,
            "count_places": -int(MINOR_UNIT[currency].as_tuple().exponent),
            "code_given": value,
        }
        yield errors.InvalidAmountError(MONEY_INVALID % params, field=field)


def _percent(value: Decimal, field: str) -> Iterator[errors.PricingError]:
    if not value.is_finite() or not ZERO <= value <= HUNDRED:
        message = PERCENT_INVALID % {"clause_field": _label(field), "code_given": value}
        yield errors.InvalidAmountError(message, field=field)


def _label(field: str) -> str:
    """coverage.terms.coinsurance_percent -> Coinsurance percent (a registered label)."""
    key = field.rsplit(".", 1)[-1].split("[")[0]
    return LABELS.get(key) or key.replace("_", " ").capitalize()
