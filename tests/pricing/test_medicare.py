"""Medicare: 8-minute rule, G0283 for unattended e-stim, bundled hot packs, rules for needling."""

from dataclasses import replace
from decimal import Decimal as D

import pytest
from builders import catalog, codes, insured, item, line, met, plan, prices, rule, standing

from estimator.pricing import (
    AllowedAmount,
    AllowedKind,
    Basis,
    BillingCode,
    CodeSetLimit,
    CoverageRule,
    CoverageStatus,
    EstimateWarning,
    PlanKind,
    SelfPay,
    ServiceDef,
    Treatment,
    UnitRule,
    estimate_plan,
)

MET_283 = standing(deductible_met="283.00")


def medicare(st=MET_283, **changes):
    # Part B: 283.00 deductible, 20% coinsurance, no out-of-pocket maximum.
    base = {
        "kind": PlanKind.MEDICARE,
        "deductible": D("283.00"),
        "oop_max": None,
        "rules": {},
    }
    return insured(st, **{**base, **changes})


TIMED = item("DN", 30, 1, "ESTIM_ATT", "MANUAL")


def test_eight_minute_rule_pools_timed_minutes_for_attended_estim():
    # 22 + 22 = 44 timed minutes -> 3 units; one each for the full 15s, the third to the
    # first of the equal 7-minute remainders (97032): 2 x 30.00 = 60.00; 97140 1 x 35.00.
    # (No rules: the worst case charges them with an ABN, so the claim codes carry GA.)
    est = estimate_plan(plan(TIMED), catalog(), medicare())
    estim, manual = line(est, code="ESTIM_ATT"), line(est, code="MANUAL")
    assert estim.billing == (BillingCode("97032", 2, ("GA",)),)
    assert estim.charge == D("60.00")
    assert (manual.billing, manual.charge) == ((BillingCode("97140", 1, ("GA",)),), D("35.00"))


def test_midpoint_rule_counts_attended_estim_on_its_own_minutes():
    # 22 minutes -> 1 unit each: 30.00 and 35.00.
    est = estimate_plan(plan(TIMED), catalog(), insured(met()))
    assert line(est, code="ESTIM_ATT").billing == (BillingCode("97032", 1),)
    assert line(est, code="ESTIM_ATT").charge == D("30.00")
    assert line(est, code="MANUAL").charge == D("35.00")


def test_plan_terms_can_choose_the_eight_minute_rule_for_a_commercial_plan():
    est = estimate_plan(plan(TIMED), catalog(), insured(met(), unit_rule=UnitRule.EIGHT_MINUTE))
    assert line(est, code="ESTIM_ATT").billing == (BillingCode("97032", 2),)


def test_medicare_attended_estim_allowed_per_unit():
    # 97032 allowed 15.50 x 2 units = 31.00: 20% = 6.20, plan 24.80, 29.00 written off.
    # 97140 allowed 20.00 x 1: 4.00, plan 16.00. Needling, no rule: 90.00. Patient 100.20.
    rules = {("addon", "ESTIM_ATT"): rule(fixed="15.50"), ("addon", "MANUAL"): rule(fixed="20.00")}
    est = estimate_plan(plan(TIMED), catalog(), medicare(rules=rules))
    estim = line(est, code="ESTIM_ATT")
    assert (estim.allowed, estim.coinsurance, estim.plan_pays, estim.written_off) == (
        D("31.00"),
        D("6.20"),
        D("24.80"),
        D("29.00"),
    )
    assert est.primary.totals.patient_pays == D("100.20")
    assert not est.is_range


def test_medicare_bills_g0283_for_unattended_estim():
    # Allowed 12.00: 20% = 2.40, plan 9.60, 20.00 - 12.00 = 8.00 written off.
    rules = {("addon", "ESTIM"): rule(fixed="12.00")}
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), catalog(), medicare(rules=rules))
    estim = line(est, code="ESTIM")
    assert estim.billing == (BillingCode("G0283", 1, ("GP",)),)
    assert (estim.patient_pays, estim.plan_pays, estim.written_off) == (
        D("2.40"),
        D("9.60"),
        D("8.00"),
    )


def test_commercial_plan_bills_97014_for_unattended_estim():
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), catalog(), insured(met()))
    assert line(est, code="ESTIM").billing == (BillingCode("97014", 1),)


def test_medicare_hot_pack_is_bundled_and_not_charged():
    # 97010 is bundled: charge 0.00, with the 15.00 list price named in the adjustment.
    est = estimate_plan(plan(item("DN", 30, 1, "HOTPACK")), catalog(), medicare())
    pack = line(est, code="HOTPACK")
    assert pack.treatment is Treatment.BUNDLED
    assert (pack.charge, pack.patient_pays, pack.plan_pays) == (D("0"), D("0"), D("0"))
    assert codes(pack) == ["medicare_bundled"]
    assert pack.adjustments[0].amount == D("15.00")
    assert "medicare_bundled" in [w.code for w in est.warnings]


def test_commercial_patient_pays_for_the_hot_pack():
    # Not bundled outside Medicare; usually not covered and no rule -> 15.00.
    est = estimate_plan(plan(item("DN", 30, 1, "HOTPACK")), catalog(), insured(met()))
    assert line(est, code="HOTPACK").patient_pays == D("15.00")


def test_medicare_needling_is_not_covered_without_a_rule():
    est = estimate_plan(plan(), catalog(), medicare())
    assert line(est).treatment is Treatment.NOT_COVERED
    assert est.primary.totals.patient_pays == D("90.00")


def test_medicare_needling_is_covered_when_the_rules_say_so():
    # NCD 30.3.3 chronic low-back pain: allowed 25.74; 20% = 5.148 -> 5.15; plan 20.59;
    # 90.00 - 25.74 = 64.26 written off.
    rules = {("service", "DN"): rule(fixed="25.74")}
    est = estimate_plan(plan(), catalog(), medicare(rules=rules))
    assert (line(est).patient_pays, line(est).plan_pays, line(est).written_off) == (
        D("5.15"),
        D("20.59"),
        D("64.26"),
    )


def test_medicare_deductible_applies_before_coinsurance():
    # Nothing of the 283.00 met: allowed 25.74 all to the deductible, the plan pays nothing.
    rules = {("service", "DN"): rule(fixed="25.74")}
    est = estimate_plan(plan(), catalog(), medicare(standing(), rules=rules))
    assert (line(est).deductible, line(est).plan_pays) == (D("25.74"), D("0"))


def test_acupuncture_bills_first_unit_then_additional_units():
    # 30 minutes = 2 units: 97810 x 1 + 97811 x 1; self-pay price 110.00.
    est = estimate_plan(plan(item("ACU", 30)), catalog(), SelfPay())
    assert line(est, code="ACU").billing == (BillingCode("97810", 1), BillingCode("97811", 1))
    assert line(est, code="ACU").charge == D("110.00")


def test_acupuncture_allowed_amount_is_per_unit():
    # 30.00 x 2 units = 60.00: 20% = 12.00, plan 48.00, 50.00 written off.
    rules = {("service", "ACU"): rule(fixed="30.00")}
    est = estimate_plan(plan(item("ACU", 30)), catalog(), insured(met(), rules=rules))
    acu = line(est, code="ACU")
    assert (acu.allowed, acu.patient_pays, acu.plan_pays, acu.written_off) == (
        D("60.00"),
        D("12.00"),
        D("48.00"),
        D("50.00"),
    )


ACU_COVERED = {("service", "ACU"): rule(fixed="37.03")}


NCD = CodeSetLimit(
    "acupuncture",
    "acupuncture",
    frozenset({"97810", "97811", "97813", "97814"}),
    max_visits=20,
    certain_visits=12,
)


def ncd(st=MET_283, **changes):
    return medicare(st, rules=ACU_COVERED, code_set_limits=(NCD,), **changes)


def acupuncture_used(n):
    return standing(deductible_met="283.00", limit_visits_used={"acupuncture": n})


def test_medicare_acupuncture_sessions_13_to_20_are_a_range_with_kx_in_the_best_case():
    # Two a week: 14 sessions from day 0 to day 45, all inside 90 days. Each session is 2
    # units at 37.03 = 74.06 allowed, 20% = 14.812 -> 14.81.
    # Worst case: sessions 13 and 14 need documented improvement and are not covered:
    # 12 x 14.81 + 2 x 110.00 = 177.72 + 220.00 = 397.72.
    # Best case: all 14 covered, 14 x 14.81 = 207.34, and 13-14 carry KX.
    est = estimate_plan(plan(item("ACU", 30, 14), per_week=2), catalog(), ncd())
    assert est.is_range
    assert est.primary.totals.patient_pays == D("397.72")
    assert est.best.totals.patient_pays == D("207.34")
    worst_13 = est.primary.sessions[12].lines[0]
    assert worst_13.treatment is Treatment.NOT_COVERED
    assert codes(worst_13)[0] == "needs_improvement_assumed_not_covered"
    # Charged without documented improvement only with a signed ABN: GA, not KX.
    assert worst_13.billing[0].modifiers == ("GA",)
    assert est.abn_required
    modifiers = [s.lines[0].billing[0].modifiers for s in est.best.sessions]
    assert modifiers[:12] == [()] * 12
    assert modifiers[12:] == [("KX",), ("KX",)]
    # The additional-unit code carries KX too; acupuncture is never a GP therapy code.
    assert est.best.sessions[12].lines[0].billing[1] == BillingCode("97811", 1, ("KX",))
    assert "medicare_acupuncture_12_in_90" in {w.code for w in est.warnings}


def test_acupuncture_visits_already_used_count_toward_kx():
    # 12 acupuncture visits used: both sessions are 13 and 14 -> range, KX in the best case.
    est = estimate_plan(plan(item("ACU", 30, 2)), catalog(), ncd(acupuncture_used(12)))
    assert [s.lines[0].billing[0].modifiers for s in est.best.sessions] == [("KX",), ("KX",)]
    assert est.primary.totals.patient_pays == D("220.00")


def test_other_visits_do_not_count_toward_kx_or_the_acupuncture_limit():
    # 15 therapy visits used this year, no acupuncture: plainly covered, no KX, no range.
    st = standing(deductible_met="283.00", visits_used=15)
    est = estimate_plan(plan(item("ACU", 30, 2)), catalog(), ncd(st))
    assert not est.is_range
    assert est.primary.name == "expected"
    assert [s.lines[0].billing[0].modifiers for s in est.primary.sessions] == [(), ()]
    assert est.primary.totals.patient_pays == D("29.62")  # 2 x 14.81


def test_past_20_acupuncture_visits_is_not_covered_in_either_case():
    est = estimate_plan(plan(item("ACU", 30, 1)), catalog(), ncd(acupuncture_used(20)))
    assert not est.is_range
    assert codes(line(est, code="ACU"))[0] == "code_set_limit"
    assert est.primary.totals.patient_pays == D("110.00")


def test_twelve_acupuncture_sessions_spread_over_more_than_90_days_do_not_warn():
    est = estimate_plan(plan(item("ACU", 30, 12), per_week=1), catalog(), ncd())
    assert "medicare_acupuncture_12_in_90" not in {w.code for w in est.warnings}
    assert all(s.lines[0].billing[0].modifiers == () for s in est.primary.sessions)


def test_covered_therapy_codes_carry_gp_for_medicare_and_uncovered_lines_ga():
    # Uncovered lines are charged only with a signed ABN: GA, never GP.
    rules = {("addon", "MANUAL"): rule(fixed="20.00")}
    est = estimate_plan(plan(TIMED), catalog(), medicare(rules=rules))
    assert line(est, code="MANUAL").billing[0].modifiers == ("GP",)
    assert line(est, code="ESTIM_ATT").billing[0].modifiers == ("GA",)
    assert line(est, code="DN").billing[0].modifiers == ("GA",)


def test_commercial_plans_get_no_medicare_modifiers():
    rules = {("addon", "MANUAL"): rule(fixed="20.00")}
    est = estimate_plan(plan(TIMED), catalog(), insured(met(), rules=rules))
    assert line(est, code="MANUAL").billing[0].modifiers == ()


def test_a_plan_rule_note_reaches_the_patient_as_a_warning():
    rules = {
        ("service", "ACU"): rule(fixed="37.03"),
    }
    noted = {
        key: replace(value, note="Only for chronic low-back pain.") for key, value in rules.items()
    }
    est = estimate_plan(plan(item("ACU", 30, 1)), catalog(), medicare(rules=noted))
    assert (
        EstimateWarning("plan_rule_note", "Acupuncture (30 min): Only for chronic low-back pain.")
        in est.warnings
    )


PER_CODE = {
    ("service", "ACU"): CoverageRule(
        CoverageStatus.COVERED, AllowedAmount(AllowedKind.FIXED, D("37.03"), D("28.47"))
    )
}


@pytest.mark.parametrize(
    ("minutes", "billing", "allowed", "coinsurance", "plan_pays"),
    [
        # 15 min = 1 unit: 97810 only, 37.03; 20% = 7.406 -> 7.41; plan 29.62.
        (15, (("97810", 1),), "37.03", "7.41", "29.62"),
        # 30 min = 2 units: 37.03 + 28.47 = 65.50 (not 2 x 37.03 = 74.06); 20% = 13.10.
        (30, (("97810", 1), ("97811", 1)), "65.50", "13.10", "52.40"),
    ],
)
def test_each_acupuncture_code_has_its_own_allowed_amount(
    minutes, billing, allowed, coinsurance, plan_pays
):
    est = estimate_plan(plan(item("ACU", minutes)), catalog(), medicare(rules=PER_CODE))
    acu = line(est, code="ACU")
    assert [(b.code, b.units) for b in acu.billing] == list(billing)
    assert (acu.allowed, acu.coinsurance, acu.plan_pays) == (
        D(allowed),
        D(coinsurance),
        D(plan_pays),
    )


def test_acupuncture_with_estim_uses_97813_and_97814_fees():
    # 97813 41.15 + 97814 33.91 x 2 (45 minutes = 3 units) = 41.15 + 67.82 = 108.97.
    acu_e = ServiceDef(
        "ACUE",
        "Acupuncture with e-stim",
        "97813",
        {45: prices("150.00")},
        basis=Basis.UNIT,
        additional_unit_code="97814",
    )
    cat = catalog(services={**catalog().services, "ACUE": acu_e})
    rules = {
        ("service", "ACUE"): CoverageRule(
            CoverageStatus.COVERED, AllowedAmount(AllowedKind.FIXED, D("41.15"), D("33.91"))
        )
    }
    est = estimate_plan(plan(item("ACUE", 45)), cat, medicare(rules=rules))
    acu = line(est, code="ACUE")
    assert acu.billing == (BillingCode("97813", 1), BillingCode("97814", 2))
    assert acu.allowed == D("108.97")
    assert "97813 $41.15 × 1 + 97814 $33.91 × 2" in acu.adjustments[0].message
