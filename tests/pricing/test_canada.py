"""Canadian extended health: a percentage per visit up to a per-visit cap and an annual maximum."""

from decimal import Decimal as D

from builders import catalog, codes, item, line, plan, rule, session_patient, standing, terms

from estimator.pricing import Insured, PlanKind, Treatment, estimate_plan


def ca_catalog():
    return catalog(currency="CAD", packages=())


def ca_plan(**changes):
    # 80% of each treatment, at most 70.00 a visit and 1,500.00 a year; no deductible.
    base = {
        "kind": PlanKind.CA_EXTENDED_HEALTH,
        "currency": "CAD",
        "deductible": D("0.00"),
        "oop_max": None,
        "reimbursement_percent": D("80"),
        "per_visit_max": D("70.00"),
        "annual_max": D("1500.00"),
        "rules": {("service", "DN"): rule(), ("addon", "ESTIM"): rule()},
    }
    return terms(**{**base, **changes})


def test_canadian_plan_pays_its_percent_up_to_the_per_visit_cap():
    # 80% of 90.00 = 72.00, capped at 70.00: patient 18.00 + 2.00 = 20.00.
    est = estimate_plan(plan(), ca_catalog(), Insured(ca_plan()))
    ln = line(est)
    assert (ln.coinsurance, ln.uncovered, ln.patient_pays, ln.plan_pays) == (
        D("18.00"),
        D("2.00"),
        D("20.00"),
        D("70.00"),
    )
    assert "benefit_maximum" in codes(ln)


def test_canadian_per_visit_cap_is_shared_by_all_lines_of_a_visit():
    # Needling uses the whole 70.00; e-stim's 16.00 (80% of 20.00) goes unpaid: patient 20.00.
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), ca_catalog(), Insured(ca_plan()))
    assert (line(est, code="ESTIM").plan_pays, line(est, code="ESTIM").patient_pays) == (
        D("0"),
        D("20.00"),
    )
    assert est.primary.sessions[0].totals.plan_pays == D("70.00")
    assert est.primary.totals.patient_pays == D("40.00")


def test_canadian_annual_maximum_used_up_mid_plan():
    # 150.00 a year: the plan pays 70.00, 70.00, then the last 10.00, then nothing.
    # Patient 20.00, 20.00, 18.00 + 62.00 = 80.00, then 18.00 + 72.00 = 90.00 (the plan
    # pays nothing; the line stays covered so one cent of room would move it by one cent).
    est = estimate_plan(
        plan(item(sessions=4)), ca_catalog(), Insured(ca_plan(annual_max=D("150.00")))
    )
    assert [s.totals.plan_pays for s in est.primary.sessions] == [
        D("70.00"),
        D("70.00"),
        D("10.00"),
        D("0"),
    ]
    assert session_patient(est) == [D("20.00"), D("20.00"), D("80.00"), D("90.00")]
    last = line(est, session=4)
    assert last.treatment is Treatment.COVERED
    assert codes(last)[0] == "annual_maximum_used"


def test_annual_maximum_already_used_before_the_plan_starts():
    # 1,450.00 of 1,500.00 used: first visit the plan pays 50.00 (patient 40.00), then nothing.
    st = standing(annual_max_used="1450.00")
    est = estimate_plan(plan(item(sessions=2)), ca_catalog(), Insured(ca_plan(), st))
    assert session_patient(est) == [D("40.00"), D("90.00")]


def test_canadian_amounts_serialise_in_cad():
    est = estimate_plan(plan(), ca_catalog(), Insured(ca_plan()))
    data = est.to_dict()
    assert data["scenarios"]["primary"]["totals"]["patient_pays"] == {
        "amount": "20.00",
        "currency": "CAD",
    }
