"""Small changes in the inputs make small changes in the figures (or none)."""

from dataclasses import replace
from decimal import Decimal as D

import pytest
from builders import catalog, insured, item, line, plan, standing

from estimator.pricing import Insured, estimate_plan


@pytest.mark.parametrize(
    ("used", "patient", "plan_pays", "written_off"),
    [
        # 100.00 annual maximum, 0.01 left: allowed 70.00, deductible met, coinsurance 20% =
        # 14.00; the plan's 56.00 share is cut to 0.01, the patient pays 14.00 + 55.99 =
        # 69.99; 20.00 above the allowed amount written off (in network).
        ("99.99", "69.99", "0.01", "20.00"),
        # Nothing left: the same line with the plan paying 0.00: 70.00, a cent more (it was
        # 90.00, the whole charge, when the line became "not covered").
        ("100.00", "70.00", "0.00", "20.00"),
    ],
)
def test_one_cent_of_annual_maximum_moves_the_patients_share_by_one_cent(
    used, patient, plan_pays, written_off
):
    st = standing(deductible_met="500.00", annual_max_used=used)
    est = estimate_plan(plan(), catalog(), insured(st, annual_max=D("100.00")))
    dn = line(est)
    assert (dn.patient_pays, dn.plan_pays, dn.written_off) == (
        D(patient),
        D(plan_pays),
        D(written_off),
    )


def test_a_zero_unit_line_with_uncertain_coverage_is_not_a_range():
    # Attended e-stim for 5 minutes (midpoint rule: 0 units) has no rule and is usually
    # covered ("unknown"); nothing is billed for it, so both ends would be equal: one figure.
    # Needling: allowed 70.00, deductible met, 20% = 14.00.
    cat = catalog()
    short = replace(cat.addons["ESTIM_ATT"], minutes=5)
    cat = replace(cat, addons={**cat.addons, "ESTIM_ATT": short})
    st = standing(deductible_met="500.00")
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM_ATT")), cat, Insured(insured(st).terms, st))
    assert not est.is_range
    assert est.primary.name == "expected"
    assert est.primary.totals.patient_pays == D("14.00")
