"""A fast path for the quote request body: msgspec where DRF would walk every field.

DRF's nested serializers cost more than pricing the plan. This decodes the raw body with
msgspec into typed structs whose constraints are a *narrower* copy of QuoteRequest's (exact
slugs, ISO dates, bounded integers, amounts with at most two decimals, no unknown or null
fields). A body it accepts is one QuoteRequest accepts with the same values; anything else —
a typo, a float, stray whitespace, a bad date — returns None and the caller parses with
QuoteRequest as before, which gives the same field-level errors it always did.
tests/api/test_fastparse.py holds the two to that (Hypothesis, valid and invalid bodies).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from estimator import pricing

from .serializers import MAX_ADD_ONS, MAX_ITEMS

# Anchored with \A and \Z: msgspec searches, and "$" would let a trailing newline through.
_SLUG = r"\A[-a-zA-Z0-9_]+\Z"
_DATE = r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"
_AMOUNT = r"\A[0-9]{1,10}(\.[0-9]{1,2})?\Z"

Slug = Annotated[str, Meta(pattern=_SLUG, max_length=50)]
Day = Annotated[str, Meta(pattern=_DATE)]
Visits = Annotated[int, Meta(ge=0, le=366)]
PlanId = Annotated[int, Meta(ge=1, le=2**31 - 1)]


class _Money(Struct, forbid_unknown_fields=True):
    amount: Annotated[str, Meta(pattern=_AMOUNT)]
    currency: Literal["USD", "CAD"]


class _Standing(Struct, forbid_unknown_fields=True):
    deductible_met: _Money | UnsetType = UNSET
    out_of_pocket_met: _Money | UnsetType = UNSET
    visits_used: Visits | UnsetType = UNSET
    annual_max_used: _Money | UnsetType = UNSET
    therapy_spend: _Money | UnsetType = UNSET
    limit_visits_used: dict[str, Visits] | UnsetType = UNSET


class _Coverage(Struct, forbid_unknown_fields=True):
    mode: Literal["self_pay", "insured", "unknown"]
    plan: PlanId | UnsetType | None = UNSET
    standing: _Standing | UnsetType = UNSET


class _Item(Struct, forbid_unknown_fields=True):
    service: Slug
    duration_minutes: Annotated[int, Meta(ge=1, le=240)]
    sessions: Annotated[int, Meta(ge=1, le=pricing.MAX_SESSIONS)]
    add_ons: Annotated[list[Slug], Meta(max_length=MAX_ADD_ONS)] | UnsetType = UNSET


class _Quote(Struct, forbid_unknown_fields=True):
    clinic: Slug
    items: Annotated[list[_Item], Meta(min_length=1, max_length=MAX_ITEMS)]
    sessions_per_week: Annotated[int, Meta(ge=1, le=7)]
    start_date: Day
    coverage: _Coverage | UnsetType = UNSET


_decoder = msgspec.json.Decoder(_Quote)
_FIRST, _LAST = dt.date(1900, 1, 1), dt.date(2200, 12, 31)


class _Refer(Exception):
    """Not for the fast path: let QuoteRequest parse it (and explain what is wrong)."""


# What sends a body to DRF. msgspec raises UnicodeDecodeError, not DecodeError, for bytes that
# are not UTF-8 inside a string; DRF's parser answers those with a 400 like any bad JSON.
_NOT_FAST = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    UnicodeDecodeError,
    _Refer,
    RecursionError,
)


def _money(value: _Money) -> dict[str, Any]:
    try:
        amount = Decimal(value.amount)
    except InvalidOperation as error:  # the pattern rules this out; kept for safety
        raise _Refer from error
    return {"amount": amount, "currency": value.currency}


def _standing(value: _Standing) -> dict[str, Any]:
    # As StandingInput's validated data: absent amounts absent, the two defaults present.
    data: dict[str, Any] = {}
    for name in ("deductible_met", "out_of_pocket_met", "annual_max_used", "therapy_spend"):
        money = getattr(value, name)
        if money is not UNSET:
            data[name] = _money(money)
    data["visits_used"] = 0 if value.visits_used is UNSET else value.visits_used
    data["limit_visits_used"] = {} if value.limit_visits_used is UNSET else value.limit_visits_used
    return data


def _coverage(value: _Coverage) -> dict[str, Any]:
    data: dict[str, Any] = {"mode": value.mode}
    if value.plan is not UNSET:
        data["plan"] = value.plan
    if value.standing is not UNSET:
        data["standing"] = _standing(value.standing)
    return data


def _day(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as error:
        raise _Refer from error
    if not _FIRST <= day <= _LAST:
        raise _Refer
    return day


def quote_fields(body: bytes) -> dict[str, Any] | None:
    """The body as QuoteRequest's validated data would have it, or None to parse it with DRF."""
    try:
        quote = _decoder.decode(body)
        data: dict[str, Any] = {
            "clinic": quote.clinic,
            "items": [
                {
                    "service": item.service,
                    "duration_minutes": item.duration_minutes,
                    "add_ons": [] if item.add_ons is UNSET else list(item.add_ons),
                    "sessions": item.sessions,
                }
                for item in quote.items
            ],
            "sessions_per_week": quote.sessions_per_week,
            "start_date": _day(quote.start_date),
        }
        if quote.coverage is not UNSET:
            data["coverage"] = _coverage(quote.coverage)
    except _NOT_FAST:
        return None
    return data
