"""A self-pay quote for a Medicare patient says that Medicare-covered codes must be billed."""

from decimal import Decimal as D

from builders import catalog, item, plan, rule, terms

from estimator.pricing import PlanKind, SelfPay, estimate_plan

PART_B = terms(
    kind=PlanKind.MEDICARE,
    rules={("service", "ACU"): rule(fixed="37.03"), ("addon", "ESTIM"): rule(fixed="12.04")},
)


def test_self_pay_for_a_medicare_patient_warns_for_covered_codes():
    est = estimate_plan(plan(item("ACU", 30, 2, "ESTIM")), catalog(), SelfPay(PART_B))
    (warning,) = [w for w in est.warnings if w.code == "medicare_claim_required"]
    assert "Acupuncture (30 min), E-stim, unattended" in warning.message
    assert "chapter 15, section 40" in warning.message
    # The self-pay figures are still shown: 2 x (110.00 + 20.00) = 260.00.
    assert est.primary.totals.patient_pays == D("260.00")


def test_uncovered_codes_and_non_medicare_patients_get_no_such_warning():
    needling = estimate_plan(plan(item("DN", 30, 1)), catalog(), SelfPay(PART_B))
    cash = estimate_plan(plan(item("ACU", 30, 1)), catalog(), SelfPay())
    for est in (needling, cash):
        assert "medicare_claim_required" not in {w.code for w in est.warnings}
