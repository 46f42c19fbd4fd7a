"""A fast path for quote and estimate bodies: msgspec where DRF would walk every field.

DRF's nested serializers cost more than pricing the plan. This decodes the raw body with
msgspec into typed structs whose constraints are a *narrower* copy of QuoteRequest's and
EstimateRequest's (exact slugs, ISO dates, bounded integers, amounts with at most two decimals,
text without the whitespace DRF would trim, plainly valid emails, codes already in capitals, no
unknown or null fields). A body it accepts is one the serializer accepts with the same values;
anything else — a typo, a float, stray whitespace, a bad date — returns None and the caller
parses with the serializer as before, which gives the same field-level errors it always did.
tests/api/test_fastparse.py holds the two to that (Hypothesis, valid and invalid bodies).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import msgspec
from django.conf import settings
from msgspec import UNSET, Meta, Struct, UnsetType

from estimator import pricing

from .fields import ICD10_RE
from .serializers import MAX_ADD_ONS, MAX_DIAGNOSIS_CODES, MAX_ITEMS

# Anchored with \A and \Z: msgspec searches, and "$" would let a trailing newline through.
_SLUG = r"\A[-a-zA-Z0-9_]+\Z"
_DATE = r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"
_AMOUNT = r"\A[0-9]{1,10}(\.[0-9]{1,2})?\Z"
# Free text as DRF's CharField keeps it unchanged: nothing str.strip() would trim at either end
# (re's \s is str.isspace(), as strip's is), no NUL and no surrogates (both refused there).
_TEXT = r"\A(?!\s)[^\x00\ud800-\udfff]*(?<!\s)\Z"
# An address Django's EmailValidator certainly accepts: a dot-atom of common characters, ASCII
# host labels and a letters-only top-level domain; quoted local parts, IP literals, IDNs,
# "localhost" and trailing dots are left to DRF. Empty is allowed (allow_blank).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = (
    r"\A(?:[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    rf"@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}})?\Z"
)
# PatientInput's phone pattern, without the spaces at either end that DRF would trim first.
_PHONE = r"\A(?:(?! )[0-9+() .-]{7,30}(?<! ))?\Z"
# ICD10_RE with \A and \Z for its ^ and $: only codes already in capitals, which
# DiagnosisCodeField keeps as they are (it strips and upper-cases the others).
_ICD10 = r"\A(?:" + ICD10_RE.pattern.removeprefix("^").removesuffix("$") + r")\Z"

Slug = Annotated[str, Meta(pattern=_SLUG, max_length=50)]
Day = Annotated[str, Meta(pattern=_DATE)]
Visits = Annotated[int, Meta(ge=0, le=366)]
PlanId = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Code = Annotated[str, Meta(pattern=_ICD10, max_length=8)]


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


class _Patient(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(pattern=_TEXT, max_length=200)] = ""
    date_of_birth: Day | None = None
    email: Annotated[str, Meta(pattern=_EMAIL, max_length=254)] = ""
    phone: Annotated[str, Meta(pattern=_PHONE, max_length=30)] = ""
    language: str = ""  # one of LANGUAGES' codes or "": checked in _patient


class _Estimate(_Quote, forbid_unknown_fields=True):
    patient: _Patient | UnsetType = UNSET
    external_reference: Annotated[str, Meta(pattern=_TEXT, max_length=100)] = ""
    diagnosis_codes: Annotated[list[Code], Meta(max_length=MAX_DIAGNOSIS_CODES)] = msgspec.field(
        default_factory=list
    )
    notes: Annotated[str, Meta(pattern=_TEXT, max_length=2000)] = ""


_quote_decoder = msgspec.json.Decoder(_Quote)
_estimate_decoder = msgspec.json.Decoder(_Estimate)
_FIRST, _LAST = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
_LANGUAGES = frozenset(["", *(code for code, _ in settings.LANGUAGES)])


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


def _quote(quote: _Quote) -> dict[str, Any]:
    """A decoded body's QuoteRequest fields as that serializer's validated data holds them."""
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
    return data


def _patient(value: _Patient) -> dict[str, Any]:
    # As PatientInput's validated data: every field, absent ones at their defaults.
    if value.language not in _LANGUAGES:
        raise _Refer
    born = None
    if value.date_of_birth is not None:
        born = _day(value.date_of_birth)
        # PatientInput.validate_date_of_birth's own rule, read from the same clock: a body it
        # refuses is referred, so DRF says why.
        if born > dt.date.today():
            raise _Refer
    return {
        "name": value.name,
        "date_of_birth": born,
        "email": value.email,
        "phone": value.phone,
        "language": value.language,
    }


def quote_fields(body: bytes) -> dict[str, Any] | None:
    """The body as QuoteRequest's validated data would have it, or None to parse it with DRF."""
    try:
        return _quote(_quote_decoder.decode(body))
    except _NOT_FAST:
        return None


def estimate_fields(body: bytes) -> dict[str, Any] | None:
    """The body as EstimateRequest's validated data would have it (before the catalog lookups
    of quote_resolve), or None to parse it with DRF."""
    try:
        estimate = _estimate_decoder.decode(body)
        data = _quote(estimate)
        if estimate.patient is not UNSET:  # absent stays absent, as in the serializer's data
            data["patient"] = _patient(estimate.patient)
        data["external_reference"] = estimate.external_reference
        data["diagnosis_codes"] = list(estimate.diagnosis_codes)
        data["notes"] = estimate.notes
    except _NOT_FAST:
        return None
    return data
