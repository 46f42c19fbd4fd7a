"""Covered, not covered and split lines; the accumulators that carry from visit to visit.

Unless a test says otherwise the plan is commercial and in network: $500 deductible, 20%
coinsurance, $2,000 out-of-pocket maximum; needling (DN, 90.00) allowed 70.00 and unattended
e-stim (ESTIM, 20.00) allowed 15.00.
"""

from datetime import date
from decimal import Decimal as D

from builders import (
    catalog,
    codes,
    insured,
    item,
    line,
    met,
    plan,
    rule,
    session_patient,
    standing,
)

from estimator.pricing import Network, SelfPayDiscount, Treatment, estimate_plan


def figures(ln):
    return ln.patient_pays, ln.plan_pays, ln.written_off


def test_covered_line_pays_rest_of_deductible_then_coinsurance():
    # allowed 70.00; deductible left 50.00; 20% of the other 20.00 = 4.00 -> patient 54.00,
    # plan 16.00, 90.00 - 70.00 = 20.00 written off in network.
    est = estimate_plan(plan(), catalog(), insured(standing(deductible_met="450.00")))
    ln = line(est)
    assert (ln.allowed, ln.deductible, ln.coinsurance) == (D("70.00"), D("50.00"), D("4.00"))
    assert figures(ln) == (D("54.00"), D("16.00"), D("20.00"))
    assert codes(ln) == ["allowed_amount", "deductible", "coinsurance", "written_off", "plan_pays"]


def test_deductible_met_mid_plan_moves_later_sessions_to_coinsurance():
    # 100.00 of the deductible left. S1: 70.00 deductible. S2: 30.00 deductible + 20% of 40.00
    # = 8.00 -> 38.00. S3: 20% of 70.00 = 14.00. Patient 122.00, plan 0 + 32 + 56 = 88.00.
    est = estimate_plan(
        plan(item(sessions=3)), catalog(), insured(standing(deductible_met="400.00"))
    )
    assert session_patient(est) == [D("70.00"), D("38.00"), D("14.00")]
    totals = est.primary.totals
    assert (totals.patient_pays, totals.plan_pays, totals.written_off) == (
        D("122.00"),
        D("88.00"),
        D("60.00"),
    )
    assert totals.deductible == D("100.00")


def test_oop_cap_reached_inside_a_session_part_way_through_a_line():
    # 10.00 of the 2,000.00 maximum left. Needling coinsurance 14.00 is cut to 10.00 (plan
    # 60.00); e-stim coinsurance 3.00 is cut to 0 (plan pays all 15.00, 5.00 written off).
    st = standing(deductible_met="500.00", oop_met="1990.00")
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), catalog(), insured(st))
    needling, estim = line(est), line(est, code="ESTIM")
    assert figures(needling) == (D("10.00"), D("60.00"), D("20.00"))
    assert figures(estim) == (D("0"), D("15.00"), D("5.00"))
    assert needling.adjustments[-3].code == "oop_max_reached"
    assert needling.adjustments[-3].amount == D("4.00")
    assert est.primary.sessions[0].totals.patient_pays == D("10.00")


def test_oop_cap_reached_mid_plan_then_plan_pays_everything_allowed():
    # 25.00 left of the maximum: 14.00, then 11.00 (not 14.00), then 0.
    st = standing(deductible_met="500.00", oop_met="1975.00")
    est = estimate_plan(plan(item(sessions=3)), catalog(), insured(st))
    assert session_patient(est) == [D("14.00"), D("11.00"), D("0")]
    assert [s.totals.plan_pays for s in est.primary.sessions] == [
        D("56.00"),
        D("59.00"),
        D("70.00"),
    ]


def test_copay_once_per_visit_and_not_counted_toward_deductible():
    # Copay 25.00, nothing of the deductible met. Per visit: needling copay 25.00 + deductible
    # 45.00; e-stim deductible 15.00 (no second copay). Two visits: copays 50.00, deductible
    # 120.00 (not 170.00), patient 2 x 85.00 = 170.00.
    est = estimate_plan(plan(item("DN", 30, 2, "ESTIM")), catalog(), insured(copay=D("25.00")))
    totals = est.primary.totals
    assert (totals.copay, totals.deductible, totals.patient_pays) == (
        D("50.00"),
        D("120.00"),
        D("170.00"),
    )
    assert line(est, code="ESTIM").copay == D("0")


def test_copay_then_coinsurance_once_the_deductible_is_met():
    # Needling: copay 25.00 + 20% of 45.00 = 9.00 -> 34.00, plan 36.00.
    # E-stim: 20% of 15.00 = 3.00, plan 12.00. Visit 37.00.
    est = estimate_plan(
        plan(item("DN", 30, 1, "ESTIM")), catalog(), insured(met(), copay=D("25.00"))
    )
    assert figures(line(est)) == (D("34.00"), D("36.00"), D("20.00"))
    assert figures(line(est, code="ESTIM")) == (D("3.00"), D("12.00"), D("5.00"))
    assert est.primary.totals.patient_pays == D("37.00")


def test_visit_limit_reached_mid_plan_makes_later_sessions_uncovered():
    # 8 of 10 visits used: sessions 1-2 covered (14.00 each), 3-4 not covered (90.00 each).
    st = standing(deductible_met="500.00", visits_used=8)
    est = estimate_plan(plan(item(sessions=4)), catalog(), insured(st, visit_limit=10))
    assert session_patient(est) == [D("14.00"), D("14.00"), D("90.00"), D("90.00")]
    assert est.primary.totals.plan_pays == D("112.00")
    third = line(est, session=3)
    assert third.treatment is Treatment.NOT_COVERED
    assert codes(third)[0] == "visit_limit"
    assert "visit_limit_reached" in [w.code for w in est.warnings]


def test_benefit_year_rollover_resets_the_deductible():
    # Weekly from 2026-12-21: 12-21 and 12-28 with the deductible met (14.00 each); 2027-01-04
    # starts a new benefit year, so its 70.00 all goes to the new deductible.
    req = plan(item(sessions=3), start=date(2026, 12, 21))
    est = estimate_plan(req, catalog(), insured(met()))
    assert session_patient(est) == [D("14.00"), D("14.00"), D("70.00")]
    assert est.primary.sessions[2].benefit_year_start == date(2027, 1, 1)
    assert "benefit_year_reset" in [w.code for w in est.warnings]


def test_benefit_year_rollover_restores_the_visit_limit():
    # Both visits of 2026 used: 12-21 and 12-28 not covered (90.00 each); 2027-01-04 covered,
    # all 70.00 to the fresh deductible. 250.00.
    req = plan(item(sessions=3), start=date(2026, 12, 21))
    est = estimate_plan(req, catalog(), insured(standing(visits_used=2), visit_limit=2))
    assert session_patient(est) == [D("90.00"), D("90.00"), D("70.00")]


def test_midyear_benefit_year_start_is_respected():
    # Benefit year from 1 July: 2026-06-29 is in the old year, 2026-07-06 in the new one.
    req = plan(item(sessions=2), start=date(2026, 6, 29))
    est = estimate_plan(req, catalog(), insured(met(), benefit_year_start=(7, 1)))
    assert session_patient(est) == [D("14.00"), D("70.00")]


def test_out_of_network_patient_owes_the_amount_above_allowed():
    # 40% of 70.00 = 28.00 + 20.00 balance bill = 48.00; plan 42.00; nothing written off.
    est = estimate_plan(
        plan(), catalog(), insured(met(), network=Network.OUT, coinsurance_percent=D("40"))
    )
    ln = line(est)
    assert figures(ln) == (D("48.00"), D("42.00"), D("0"))
    assert ln.balance_billed == D("20.00")
    assert "balance_billed" in codes(ln)


def test_in_network_amount_above_allowed_is_written_off():
    # 40% of 70.00 = 28.00; plan 42.00; the 20.00 above allowed is written off.
    est = estimate_plan(plan(), catalog(), insured(met(), coinsurance_percent=D("40")))
    assert figures(line(est)) == (D("28.00"), D("42.00"), D("20.00"))


def test_allowed_percent_of_charge_rounds_half_up():
    # 55.5% of 61.00 = 33.855 -> 33.86; 20% = 6.772 -> 6.77; plan 27.09; 27.14 written off.
    rules = {("service", "DN"): rule(percent="55.5")}
    est = estimate_plan(plan(item("DN", 15)), catalog(), insured(met(), rules=rules))
    ln = line(est)
    assert ln.allowed == D("33.86")
    assert (ln.coinsurance, ln.plan_pays, ln.written_off) == (D("6.77"), D("27.09"), D("27.14"))


def test_coinsurance_rounds_half_up():
    # 15% of 70.30 = 10.545 -> 10.55 (half-even would give 10.54); plan 59.75; 19.70 written off.
    rules = {("service", "DN"): rule(fixed="70.30")}
    est = estimate_plan(plan(), catalog(), insured(met(), rules=rules, coinsurance_percent=D("15")))
    assert figures(line(est)) == (D("10.55"), D("59.75"), D("19.70"))


def test_allowed_above_the_charge_is_capped_at_the_charge():
    # Allowed 120.00 > charge 90.00: allowed 90.00, 20% = 18.00, plan 72.00.
    rules = {("service", "DN"): rule(fixed="120.00")}
    est = estimate_plan(plan(), catalog(), insured(met(), rules=rules))
    ln = line(est)
    assert (ln.allowed, ln.patient_pays, ln.plan_pays, ln.written_off) == (
        D("90.00"),
        D("18.00"),
        D("72.00"),
        D("0"),
    )


def test_covered_addon_with_uncovered_needling_is_split():
    # No needling rule and needling is usually not covered -> patient pays 90.00.
    # E-stim covered: 20% of 15.00 = 3.00, plan 12.00, 5.00 written off. Patient 93.00.
    rules = {("addon", "ESTIM"): rule(fixed="15.00")}
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), catalog(), insured(met(), rules=rules))
    needling = line(est)
    assert needling.treatment is Treatment.NOT_COVERED
    assert needling.coverage_status == "not_covered"
    assert figures(needling) == (D("90.00"), D("0"), D("0"))
    assert figures(line(est, code="ESTIM")) == (D("3.00"), D("12.00"), D("5.00"))
    assert est.primary.totals.patient_pays == D("93.00")
    assert not est.is_range


def test_uncovered_needling_gets_self_pay_discount_when_the_clinic_extends_it():
    # 10% off the uncovered 90.00 -> 81.00; the covered e-stim is not discounted: 3.00. 84.00.
    rules = {("addon", "ESTIM"): rule(fixed="15.00")}
    cat = catalog(self_pay_discount=SelfPayDiscount(D("10"), applies_to_uncovered=True))
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), cat, insured(met(), rules=rules))
    assert (line(est).discount, line(est).patient_pays) == (D("9.00"), D("81.00"))
    assert line(est, code="ESTIM").discount == D("0")
    assert est.primary.totals.patient_pays == D("84.00")


def test_uncovered_needling_counts_toward_neither_deductible_nor_oop():
    # Two visits; needling not covered (180.00), e-stim's 15.00 a visit goes to the deductible.
    rules = {("addon", "ESTIM"): rule(fixed="15.00")}
    est = estimate_plan(plan(item("DN", 30, 2, "ESTIM")), catalog(), insured(rules=rules))
    totals = est.primary.totals
    assert (totals.uncovered, totals.deductible, totals.patient_pays) == (
        D("180.00"),
        D("30.00"),
        D("210.00"),
    )


def test_plan_without_oop_maximum_keeps_charging_coinsurance():
    # No maximum: 20% of 70.00 = 14.00 every visit however much was paid before.
    cover = insured(standing(oop_met="5000.00"), oop_max=None, deductible=D("0.00"))
    est = estimate_plan(plan(item(sessions=2)), catalog(), cover)
    assert session_patient(est) == [D("14.00"), D("14.00")]


def test_oop_cap_on_a_deductible_line_says_the_capped_figures_and_credits_the_deductible():
    # 20.00 of the 500.00 deductible left and 10.00 of the 2,000.00 maximum. Allowed 70.00:
    # uncapped 20.00 deductible + 20% of 50.00 = 10.00 coinsurance = 30.00; the cap keeps
    # 10.00 (all deductible), the plan pays the other 20.00 of the share: plan 60.00.
    st = standing(deductible_met="480.00", oop_met="1990.00")
    est = estimate_plan(plan(item(sessions=2)), catalog(), insured(st))
    first = line(est)
    assert (first.deductible, first.coinsurance, first.plan_pays) == (
        D("10.00"),
        D("0"),
        D("60.00"),
    )
    messages = {a.code: a.message for a in first.adjustments}
    assert messages["deductible"] == (
        "$10.00 goes to your deductible ($20.00 of $500.00 was left)."
    )
    assert "coinsurance" not in messages
    assert messages["oop_max_reached"].startswith("The plan pays $20.00 of your share")
    # Session 2: the deductible counts as met (the cap paid its last 10.00), no sentence
    # about it; the plan pays all 70.00.
    second = line(est, 2)
    assert (second.deductible, second.plan_pays) == (D("0"), D("70.00"))
    assert "deductible" not in codes(second)


def test_coinsurance_cut_by_the_cap_says_both_figures():
    # Deductible met, 10.00 of the maximum left: 20% of 70.00 = 14.00 would be due; 10.00.
    st = standing(deductible_met="500.00", oop_met="1990.00")
    est = estimate_plan(plan(item()), catalog(), insured(st))
    coins = next(a for a in line(est).adjustments if a.code == "coinsurance")
    assert coins.message == (
        "$10.00 coinsurance: 20% of the remaining $70.00 would be $14.00; the out-of-pocket "
        "maximum stops it there."
    )
