"""Medicare's therapy threshold: KX on therapy lines once the year's therapy passes $2,480."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from builders import catalog, insured, item, plan, rule, standing

from estimator.pricing import PlanKind, estimate_plan

THRESHOLDS = {"therapy_kx_threshold": D("2480.00"), "therapy_review_threshold": D("3000.00")}


def part_b(spend, **changes):
    st = standing(deductible_met="283.00", therapy_spend=spend)
    base = {
        "kind": PlanKind.MEDICARE,
        "deductible": D("283.00"),
        "oop_max": None,
        "rules": {("addon", "ESTIM"): rule(fixed="12.00")},
        **THRESHOLDS,
    }
    return insured(st, **{**base, **changes})


def estim_modifiers(est):
    return [s.lines[1].billing[0].modifiers for s in est.primary.sessions]


@pytest.mark.parametrize(
    ("spend", "modifiers", "warning"),
    [
        # 2,460.00 so far; G0283 allowed 12.00 a visit: 2,472.00 (under), 2,484.00 (past:
        # KX), 2,496.00 (KX).
        ("2460.00", [("GP",), ("GP", "KX"), ("GP", "KX")], "medicare_therapy_threshold"),
        # 2,400.00: 2,412.00, 2,424.00, 2,436.00, all under: no KX, no warning.
        ("2400.00", [("GP",)] * 3, None),
        # 2,995.00: 3,007.00 is past both thresholds: KX, and the review warning.
        ("2995.00", [("GP", "KX")] * 3, "medicare_therapy_review"),
    ],
)
def test_kx_once_the_years_therapy_passes_the_threshold(spend, modifiers, warning):
    est = estimate_plan(plan(item("DN", 30, 3, "ESTIM")), catalog(), part_b(spend))
    assert estim_modifiers(est) == modifiers
    found = {w.code for w in est.warnings} & {
        "medicare_therapy_threshold",
        "medicare_therapy_review",
    }
    assert found == ({warning} if warning else set())


def test_the_therapy_spend_restarts_with_the_benefit_year():
    # 2,470.00 in 2026: the December visit reaches 2,482.00 (KX); in January the year's
    # therapy starts again from 12.00 (no KX).
    cover = part_b("2470.00")
    cover = replace(cover, standing=replace(cover.standing, as_of=date(2026, 12, 20)))
    req = plan(item("DN", 30, 2, "ESTIM"), start=date(2026, 12, 28))
    est = estimate_plan(req, catalog(), cover)
    assert estim_modifiers(est) == [("GP", "KX"), ("GP",)]


def test_no_threshold_on_the_plan_means_no_therapy_kx():
    est = estimate_plan(
        plan(item("DN", 30, 1, "ESTIM")),
        catalog(),
        part_b("5000.00", therapy_kx_threshold=None, therapy_review_threshold=None),
    )
    assert estim_modifiers(est) == [("GP",)]
