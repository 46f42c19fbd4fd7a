"""Cost-sharing designs: how a plan's copay and deductible combine on a visit."""

from decimal import Decimal as D

import pytest
from builders import catalog, codes, insured, item, line, plan, session_patient, standing

from estimator.pricing import CopayDesign, estimate_plan

FRESH = standing()
MET = standing(deductible_met="500.00")
COPAY = {"copay": D("30.00")}


@pytest.mark.parametrize(
    ("design", "st", "patient", "plan_pays"),
    [
        # Copay before the deductible: 30.00 copay, then the deductible takes the other 40.00
        # of the 70.00 allowed: patient 70.00, plan 0.00 (deductible unmet).
        (CopayDesign.COPAY_THEN_DEDUCTIBLE, FRESH, ["70.00", "70.00"], ["0.00", "0.00"]),
        # ... deductible met: 30.00 copay + 20% of 40.00 = 8.00 -> 38.00, plan 32.00.
        (CopayDesign.COPAY_THEN_DEDUCTIBLE, MET, ["38.00", "38.00"], ["32.00", "32.00"]),
        # Copay instead of the deductible (waived for the visit): 30.00 + 20% of 40.00 =
        # 38.00 even with nothing of the $500 met; the deductible stays unmet for visit 2.
        (CopayDesign.COPAY_WAIVES_DEDUCTIBLE, FRESH, ["38.00", "38.00"], ["32.00", "32.00"]),
        # Deductible then coinsurance, no copay (the 30.00 copay on file is not charged):
        # all 70.00 to the deductible twice (140.00 of 500.00).
        (CopayDesign.DEDUCTIBLE_THEN_COINSURANCE, FRESH, ["70.00", "70.00"], ["0.00", "0.00"]),
        # ... deductible met: 20% of 70.00 = 14.00, plan 56.00.
        (CopayDesign.DEDUCTIBLE_THEN_COINSURANCE, MET, ["14.00", "14.00"], ["56.00", "56.00"]),
    ],
)
def test_copay_designs(design, st, patient, plan_pays):
    est = estimate_plan(
        plan(item(sessions=2)), catalog(), insured(st, copay_design=design, **COPAY)
    )
    assert session_patient(est) == [D(x) for x in patient]
    assert [s.totals.plan_pays for s in est.primary.sessions] == [D(x) for x in plan_pays]


def test_a_waived_deductible_is_said_and_not_counted():
    est = estimate_plan(
        plan(),
        catalog(),
        insured(FRESH, copay_design=CopayDesign.COPAY_WAIVES_DEDUCTIBLE, **COPAY),
    )
    dn = line(est)
    assert codes(dn)[:3] == ["allowed_amount", "deductible_waived", "copay"]
    assert dn.deductible == D("0")


def test_copay_before_deductible_takes_the_copay_once_per_visit():
    # Needling 70.00 allowed: 30.00 copay + 40.00 deductible; e-stim 15.00 allowed: all
    # deductible (no second copay): 70.00 + 15.00 = 85.00.
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), catalog(), insured(FRESH, **COPAY))
    assert (line(est).copay, line(est, code="ESTIM").copay) == (D("30.00"), D("0"))
    assert session_patient(est) == [D("85.00")]
