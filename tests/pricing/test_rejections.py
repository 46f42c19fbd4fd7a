"""Each rejection is its own error class with a machine code, a field path and a sentence."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from builders import catalog, insured, item, plan, prices, terms, with_service_prices

from estimator.pricing import (
    AddonNotAllowedError,
    CurrencyMismatchError,
    DuplicateAddonError,
    DurationNotOfferedError,
    Insured,
    InvalidAmountError,
    InvalidTermsError,
    NoPriceError,
    PricingError,
    SelfPay,
    SessionCountError,
    SessionsPerWeekError,
    SessionTooLongError,
    Standing,
    UnknownAddonError,
    UnknownServiceError,
    UnsupportedCurrencyError,
    estimate_plan,
    validate_plan,
)

CAT = catalog()
SELF = SelfPay()
ENDED = with_service_prices(CAT, "DN", 30, prices("90.00", date(2020, 1, 1), date(2026, 3, 9)))
ADDON_ENDED = replace(CAT, addons={**CAT.addons, "ESTIM": replace(CAT.addons["ESTIM"], prices=())})
SUB_CENT = with_service_prices(CAT, "DN", 30, prices("90.005"))
TWENTY = (item(sessions=20),)

REJECTIONS = [
    # (name, request, catalog, coverage, error, code, field)
    (
        "session too long",
        plan(item("DN", 30, 1, "ESTIM_ATT", "MANUAL")),
        replace(CAT, max_session_minutes=60),
        SELF,
        SessionTooLongError,
        "session_too_long",
        "items[0].duration_minutes",
    ),  # 30 + 22 + 22 = 74 > 60
    (
        "add-on not allowed",
        plan(item("EVAL", 45, 1, "HOTPACK")),
        CAT,
        SELF,
        AddonNotAllowedError,
        "addon_not_allowed",
        "items[0].addon_codes[0]",
    ),
    (
        "duplicate add-on",
        plan(item("DN", 30, 1, "ESTIM", "ESTIM")),
        CAT,
        SELF,
        DuplicateAddonError,
        "duplicate_addon",
        "items[0].addon_codes[1]",
    ),
    (
        "duration not offered",
        plan(item("DN", 45)),
        CAT,
        SELF,
        DurationNotOfferedError,
        "duration_not_offered",
        "items[0].duration_minutes",
    ),
    (
        "unknown service",
        plan(item("XX", 30)),
        CAT,
        SELF,
        UnknownServiceError,
        "unknown_service",
        "items[0].service_code",
    ),
    (
        "unknown add-on",
        plan(item("DN", 30, 1, "ESTIM", "NOPE")),
        CAT,
        SELF,
        UnknownAddonError,
        "unknown_addon",
        "items[0].addon_codes[1]",
    ),
    (
        "no price on a later session date",
        plan(item(sessions=2)),
        ENDED,
        SELF,
        NoPriceError,
        "no_price",
        "items[0].service_code",
    ),  # price ends 03-09 (exclusive); session 2 is 03-09
    (
        "no add-on price",
        plan(item(), item("DN", 30, 1, "ESTIM")),
        ADDON_ENDED,
        SELF,
        NoPriceError,
        "no_price",
        "items[1].addon_codes[0]",
    ),
    (
        "zero sessions on an item",
        plan(item(sessions=0)),
        CAT,
        SELF,
        SessionCountError,
        "session_count",
        "items[0].sessions",
    ),
    ("no items", replace(plan(), items=()), CAT, SELF, SessionCountError, "session_count", "items"),
    (
        "101 sessions",
        plan(*TWENTY * 5, item()),
        CAT,
        SELF,
        SessionCountError,
        "session_count",
        "items",
    ),
    (
        "0 sessions a week",
        plan(per_week=0),
        CAT,
        SELF,
        SessionsPerWeekError,
        "sessions_per_week",
        "sessions_per_week",
    ),
    (
        "8 sessions a week",
        plan(per_week=8),
        CAT,
        SELF,
        SessionsPerWeekError,
        "sessions_per_week",
        "sessions_per_week",
    ),
    (
        "plan currency differs from the clinic's",
        plan(),
        CAT,
        Insured(terms(currency="CAD")),
        CurrencyMismatchError,
        "currency_mismatch",
        "coverage.terms.currency",
    ),
    (
        "unsupported currency",
        plan(),
        replace(CAT, currency="EUR"),
        SELF,
        UnsupportedCurrencyError,
        "unsupported_currency",
        "catalog.currency",
    ),
    (
        "sub-cent price",
        plan(),
        SUB_CENT,
        SELF,
        InvalidAmountError,
        "invalid_amount",
        "items[0].service_code",
    ),
    (
        "coinsurance over 100%",
        plan(),
        CAT,
        insured(coinsurance_percent=D("120")),
        InvalidAmountError,
        "invalid_amount",
        "coverage.terms.coinsurance_percent",
    ),
    (
        "negative deductible met",
        plan(),
        CAT,
        Insured(terms(), Standing(deductible_met=D("-1"))),
        InvalidAmountError,
        "invalid_amount",
        "coverage.standing.deductible_met",
    ),
    (
        "benefit year starting 31 April",
        plan(),
        CAT,
        insured(benefit_year_start=(4, 31)),
        InvalidTermsError,
        "invalid_terms",
        "coverage.terms.benefit_year_start",
    ),
]


@pytest.mark.parametrize(
    ("request_", "cat", "coverage", "error", "code", "field"),
    [r[1:] for r in REJECTIONS],
    ids=[r[0] for r in REJECTIONS],
)
def test_plan_is_rejected_with_a_specific_error(request_, cat, coverage, error, code, field):
    with pytest.raises(error) as info:
        estimate_plan(request_, cat, coverage)
    assert isinstance(info.value, PricingError)
    assert (info.value.code, info.value.field) == (code, field)
    assert info.value.message and info.value.message[0].isupper()
    assert info.value.as_dict() == {"code": code, "field": field, "message": info.value.message}


def test_exactly_100_sessions_are_accepted():
    est = estimate_plan(plan(*TWENTY * 5, per_week=7), CAT, SELF)
    assert len(est.primary.sessions) == 100


def test_validate_plan_lists_every_problem_at_once():
    req = replace(plan(item("XX", 30), item("DN", 45, 0)), sessions_per_week=9)
    found = [(e.code, e.field) for e in validate_plan(req, CAT, SELF)]
    assert found == [
        ("sessions_per_week", "sessions_per_week"),
        ("session_count", "items[1].sessions"),
        ("unknown_service", "items[0].service_code"),
        ("duration_not_offered", "items[1].duration_minutes"),
    ]


def test_no_price_error_names_the_date():
    with pytest.raises(NoPriceError) as info:
        estimate_plan(plan(item(sessions=2)), ENDED, SELF)
    assert info.value.on == date(2026, 3, 9)
    assert "2026-03-09" in info.value.message
