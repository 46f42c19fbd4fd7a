"""Visit limits on a set of codes: Medicare's acupuncture limit does not count therapy visits."""

from datetime import date
from decimal import Decimal as D

from builders import catalog, codes, insured, item, line, plan, rule, standing

from estimator.pricing import CodeSetLimit, PlanKind, Treatment, estimate_plan

ACUPUNCTURE = CodeSetLimit(
    "acupuncture", "acupuncture", frozenset({"97810", "97811", "97813", "97814"}), 20
)
RULES = {("service", "ACU"): rule(percent="50"), ("addon", "ESTIM"): rule(fixed="12.00")}


def medicare(st, **changes):
    """Part B with the deductible met: 20% coinsurance, no visit limit on the plan as a whole."""
    base = {
        "kind": PlanKind.MEDICARE,
        "deductible": D("283.00"),
        "oop_max": None,
        "rules": RULES,
        "code_set_limits": (ACUPUNCTURE,),
    }
    return insured(st, **{**base, **changes})


MET = standing(deductible_met="283.00")


def test_estim_visits_do_not_use_up_the_acupuncture_limit():
    # 25 needling visits with G0283: needling not covered (no rule), e-stim covered every time:
    # allowed 12.00, 20% = 2.40 patient, 9.60 plan — visit 21 to 25 included.
    est = estimate_plan(plan(item("DN", 30, 25, "ESTIM"), per_week=3), catalog(), medicare(MET))
    estims = [s.lines[1] for s in est.primary.sessions]
    assert [ln.treatment for ln in estims] == [Treatment.COVERED] * 25
    assert {(ln.patient_pays, ln.plan_pays) for ln in estims} == {(D("2.40"), D("9.60"))}
    assert "code_set_limit_reached" not in {w.code for w in est.warnings}


def test_acupuncture_past_its_limit_is_not_covered_but_the_estim_line_still_is():
    # 19 acupuncture visits used. Session 1: visit 20, acupuncture covered at 50% of 110.00 =
    # 55.00 allowed, 20% = 11.00 patient. Session 2: past 20, acupuncture 110.00 is the
    # patient's; its e-stim (not an acupuncture code) is still covered: 2.40 patient.
    st = standing(deductible_met="283.00", limit_visits_used={"acupuncture": 19})
    est = estimate_plan(plan(item("ACU", 30, 2, "ESTIM")), catalog(), medicare(st))
    assert line(est, 1, "ACU").patient_pays == D("11.00")
    second = line(est, 2, "ACU")
    assert (second.treatment, second.patient_pays, codes(second)[0]) == (
        Treatment.NOT_COVERED,
        D("110.00"),
        "code_set_limit",
    )
    assert line(est, 2, "ESTIM").patient_pays == D("2.40")
    assert "code_set_limit_reached" in {w.code for w in est.warnings}


def test_a_plan_may_count_needle_insertion_in_the_set():
    # With 20560 in the set and a limit of 1: session 1 covered (allowed 70.00 fixed, 20% =
    # 14.00), session 2 not covered (90.00).
    needling = CodeSetLimit("needling", "needling", frozenset({"20560", "20561"}), 1)
    st = standing(deductible_met="500.00")
    est = estimate_plan(
        plan(item("DN", 30, 2)), catalog(), insured(st, code_set_limits=(needling,))
    )
    assert [s.totals.patient_pays for s in est.primary.sessions] == [D("14.00"), D("90.00")]


def test_code_set_counts_restart_with_the_benefit_year():
    # Limit reached in December; the January session is covered again (11.00 as above).
    st = standing(deductible_met="283.00", limit_visits_used={"acupuncture": 20})
    req = plan(item("ACU", 30, 2), per_week=1, start=date(2026, 12, 28))
    est = estimate_plan(req, catalog(), medicare(st, deductible=D("0")))
    assert [s.totals.patient_pays for s in est.primary.sessions] == [D("110.00"), D("11.00")]


def test_the_plan_wide_visit_limit_still_counts_every_visit():
    # A commercial plan's 1-visit limit: the second e-stim visit is not covered (20.00).
    st = standing(deductible_met="500.00")
    est = estimate_plan(plan(item("DN", 30, 2, "ESTIM")), catalog(), insured(st, visit_limit=1))
    assert line(est, 2, "ESTIM").patient_pays == D("20.00")


def test_a_visit_refused_by_a_code_set_limit_uses_no_plan_visit():
    # Plan-wide limit 1 visit, acupuncture limit already used up: the acupuncture session is
    # not covered (110.00) and does not count, so the e-stim-only visit after it is still
    # covered (allowed 12.00, 20% = 2.40).
    st = standing(deductible_met="283.00", limit_visits_used={"acupuncture": 20})
    req = plan(item("ACU", 30, 1), item("DN", 30, 1, "ESTIM"))
    est = estimate_plan(req, catalog(), medicare(st, visit_limit=1))
    assert line(est, 1, "ACU").patient_pays == D("110.00")
    assert line(est, 2, "ESTIM").patient_pays == D("2.40")
