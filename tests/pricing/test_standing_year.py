"""The patient's year so far belongs to the benefit year containing the clinic's today."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from builders import catalog, insured, item, plan, session_patient, standing

from estimator.pricing import estimate_plan

MET = standing(deductible_met="500.00")


@pytest.mark.parametrize(
    ("today", "start", "year_start", "expected"),
    [
        # Standing entered in 2026 for a plan starting January 2027: the 2027 deductible is
        # untouched, so the 70.00 allowed all goes to it in both sessions (70.00 + 0.00 of
        # coinsurance), not 20% = 14.00.
        (date(2026, 11, 20), date(2027, 1, 5), (1, 1), ["70.00", "70.00"]),
        # Today is in the first session's year: the $500 is met, 20% of 70.00 = 14.00.
        (date(2026, 11, 20), date(2026, 11, 30), (1, 1), ["14.00", "14.00"]),
        # Benefit year from 1 July; today 20 June: the June session uses the standing
        # (14.00), the July one starts the new year from zero (70.00).
        (date(2026, 6, 20), date(2026, 6, 25), (7, 1), ["14.00", "70.00"]),
        # A plan that started before today's benefit year (first session in the past): the
        # 2026 session starts from zero (70.00), the 2027 one has the standing (14.00).
        (date(2027, 1, 3), date(2026, 12, 28), (1, 1), ["70.00", "14.00"]),
    ],
)
def test_standing_applies_to_the_benefit_year_containing_today(today, start, year_start, expected):
    cover = insured(replace(MET, as_of=today), benefit_year_start=year_start)
    est = estimate_plan(plan(item("DN", 30, 2), start=start), catalog(), cover)
    assert session_patient(est) == [D(x) for x in expected]


def test_the_assumption_names_the_benefit_year_the_standing_belongs_to():
    cover = insured(replace(MET, as_of=date(2026, 11, 20)))
    est = estimate_plan(plan(item("DN", 30, 1), start=date(2027, 1, 5)), catalog(), cover)
    assert any("benefit year starting 2026-01-01" in a for a in est.assumptions)
