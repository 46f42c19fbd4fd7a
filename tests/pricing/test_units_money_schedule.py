"""Tables for the unit rules, rounding and splitting, session dates and benefit years."""

from datetime import date
from decimal import Decimal as D

import pytest

from estimator.pricing import (
    UnsupportedCurrencyError,
    benefit_year_start,
    eight_minute_units,
    midpoint_units,
    round_usd,
    rounder_for,
    session_offset_days,
    split,
)


@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        (0, 0),
        (7, 0),
        (8, 1),
        (22, 1),
        (23, 2),
        (37, 2),
        (38, 3),
        (52, 3),
        (53, 4),
        (67, 4),
        (68, 5),
    ],
)
def test_one_code_gets_the_same_units_under_both_rules(minutes, units):
    assert midpoint_units([minutes]) == (units,)
    assert eight_minute_units([minutes]) == (units,)


@pytest.mark.parametrize(
    ("minutes", "eight_minute", "midpoint"),
    [
        ([7, 7], (1, 0), (0, 0)),  # 14 pooled -> 1 unit, earlier code wins the tie
        ([22, 22], (2, 1), (1, 1)),  # 44 pooled -> 3 units
        ([33, 7], (2, 1), (2, 0)),  # 40 -> 3: 2 full units for 33, the 7-min code gets the third
        ([5, 5, 5], (1, 0, 0), (0, 0, 0)),  # 15 -> 1
        ([10, 3], (1, 0), (1, 0)),  # 13 -> 1, to the code with more minutes
        ([3, 10], (0, 1), (0, 1)),
        ([], (), ()),
    ],
)
def test_eight_minute_rule_pools_minutes_midpoint_does_not(minutes, eight_minute, midpoint):
    assert eight_minute_units(minutes) == eight_minute
    assert midpoint_units(minutes) == midpoint


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("7.625", "7.63"),
        ("7.635", "7.64"),
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("10.545", "10.55"),
    ],
)
def test_round_usd_rounds_half_up(amount, rounded):
    assert round_usd(D(amount)) == D(rounded)


def test_unsupported_currency_is_rejected():
    with pytest.raises(UnsupportedCurrencyError) as info:
        rounder_for("EUR")
    assert info.value.code == "unsupported_currency"


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        ("100.00", ["1", "1", "1"], ["33.34", "33.33", "33.33"]),
        ("451.00", ["90"] * 6, ["75.17"] * 4 + ["75.16"] * 2),
        ("10.00", ["0", "0"], ["5.00", "5.00"]),
        ("1.00", ["3", "1"], ["0.75", "0.25"]),
        ("0.01", ["1", "1"], ["0.01", "0.00"]),
    ],
)
def test_split_parts_add_up_to_the_whole(total, weights, parts):
    result = split(D(total), [D(w) for w in weights], "USD")
    assert result == tuple(D(p) for p in parts)
    assert sum(result) == D(total)


@pytest.mark.parametrize(
    ("per_week", "offsets"),
    [
        (1, [0, 7, 14, 21]),
        (2, [0, 3, 7, 10, 14]),
        (3, [0, 2, 4, 7, 9, 11, 14]),
        (5, [0, 1, 2, 4, 5, 7]),
        (7, [0, 1, 2, 3]),
    ],
)
def test_sessions_are_spaced_by_rounding_down_from_the_start(per_week, offsets):
    assert [session_offset_days(i, per_week) for i in range(len(offsets))] == offsets


@pytest.mark.parametrize(
    ("on", "month_day", "start"),
    [
        (date(2026, 3, 2), (1, 1), date(2026, 1, 1)),
        (date(2026, 6, 30), (7, 1), date(2025, 7, 1)),
        (date(2026, 7, 1), (7, 1), date(2026, 7, 1)),
        (date(2027, 3, 1), (2, 29), date(2027, 2, 28)),  # leap-day start in a common year
    ],
)
def test_benefit_year_start_is_the_last_anniversary(on, month_day, start):
    assert benefit_year_start(on, *month_day) == start
