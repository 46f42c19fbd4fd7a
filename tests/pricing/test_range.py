"""Uncertain coverage is quoted as a range: best case covered, worst case not covered."""

from decimal import Decimal as D

from builders import catalog, codes, insured, item, line, met, plan, rule, terms

from estimator.pricing import SelfPayDiscount, Treatment, Unverified, estimate_plan


def test_prior_auth_gives_a_range_from_covered_to_not_covered():
    # Best: 20% of 70.00 = 14.00 a visit -> 28.00. Worst: 2 x 90.00 = 180.00 (primary).
    rules = {("service", "DN"): rule("prior_auth", fixed="70.00")}
    est = estimate_plan(plan(item(sessions=2)), catalog(), insured(met(), rules=rules))
    assert est.is_range and est.best is not None
    assert est.primary.name == "worst_case" and est.best.name == "best_case"
    assert est.primary.totals.patient_pays == D("180.00")
    assert (est.best.totals.patient_pays, est.best.totals.plan_pays) == (D("28.00"), D("112.00"))
    assert codes(line(est))[0] == "prior_auth_assumed_not_covered"
    assert codes(line(est, best=True))[0] == "prior_auth_assumed_covered"
    assert "prior_auth_required" in [w.code for w in est.warnings]
    assert "not covered" in est.primary.assumptions[0]
    assert "covered" in est.best.assumptions[0]


def test_unverified_coverage_ranges_from_plan_terms_to_insurance_paying_nothing():
    # Best: as the plan's terms say, 14.00. Worst: the plan pays nothing, 90.00.
    est = estimate_plan(plan(), catalog(), Unverified(terms(), met()))
    assert est.coverage == "unverified"
    assert est.primary.totals.patient_pays == D("90.00")
    assert est.best is not None and est.best.totals.patient_pays == D("14.00")
    assert codes(line(est))[0] == "coverage_unverified"
    assert "coverage_unverified" in [w.code for w in est.warnings]


def test_usually_covered_code_without_a_rule_is_unknown_never_assumed_covered():
    # Assessment 120.00, no rule: best assumes the full charge is allowed, 20% = 24.00;
    # worst 120.00.
    est = estimate_plan(plan(item("EVAL", 45)), catalog(), insured(met()))
    assert line(est, code="EVAL").coverage_status == "unknown"
    assert est.primary.totals.patient_pays == D("120.00")
    assert est.best is not None and est.best.totals.patient_pays == D("24.00")
    assert "allowed_full_charge" in codes(line(est, code="EVAL", best=True))


def test_known_coverage_gives_a_single_scenario():
    est = estimate_plan(plan(), catalog(), insured(met()))
    assert est.best is None and est.primary.name == "expected"


def test_range_is_per_line_known_lines_priced_the_same_at_both_ends():
    # E-stim known covered (3.00 at both ends); needling unknown: 14.00 best, 90.00 worst.
    rules = {
        ("service", "DN"): rule("unknown", fixed="70.00"),
        ("addon", "ESTIM"): rule(fixed="15.00"),
    }
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), catalog(), insured(met(), rules=rules))
    assert line(est, code="ESTIM").patient_pays == line(est, code="ESTIM", best=True).patient_pays
    assert est.primary.totals.patient_pays == D("93.00")
    assert est.best is not None and est.best.totals.patient_pays == D("17.00")


def test_range_ends_swap_when_covered_costs_more_than_discounted_self_pay():
    # Deductible untouched, no allowed amount: "covered" means 90.00 to the deductible, while
    # "not covered" gets the 10% discount: 81.00. The dependable primary is the dearer 90.00.
    rules = {("service", "DN"): rule("prior_auth")}
    cat = catalog(self_pay_discount=SelfPayDiscount(D("10"), applies_to_uncovered=True))
    est = estimate_plan(plan(), cat, insured(rules=rules))
    assert est.primary.totals.patient_pays == D("90.00")
    assert line(est).treatment is Treatment.COVERED
    assert est.best is not None and est.best.totals.patient_pays == D("81.00")
    assert "upper end of the range" in est.primary.assumptions[-1]
