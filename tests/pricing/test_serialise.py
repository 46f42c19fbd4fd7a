"""The JSON shape every consumer (API, quote page, PDF, admin) reads."""

import json
from decimal import Decimal as D

from builders import catalog, insured, item, met, plan, rule

from estimator.pricing import SelfPay, estimate_plan, estimate_to_dict


def test_to_dict_is_json_ready_with_money_as_strings_and_currency():
    # Worst case: needling (prior auth) and e-stim (no rule, so unknown) not covered:
    # 2 x (90.00 + 20.00) = 220.00.
    rules = {("service", "DN"): rule("prior_auth", fixed="70.00")}
    est = estimate_plan(plan(item("DN", 30, 2, "ESTIM")), catalog(), insured(met(), rules=rules))
    data = json.loads(json.dumps(est.to_dict()))
    assert data == estimate_to_dict(est)
    assert data["is_range"] is True and data["coverage"] == "insured"
    assert set(data["scenarios"]) == {"primary", "best"}
    primary = data["scenarios"]["primary"]
    assert primary["name"] == "worst_case"
    assert primary["totals"]["patient_pays"] == {"amount": "220.00", "currency": "USD"}
    first = primary["sessions"][0]
    assert first["date"] == "2026-03-02" and first["benefit_year_start"] == "2026-01-01"
    needling = first["lines"][0]
    assert needling["billing"] == [{"code": "20560", "units": 1, "modifiers": []}]
    assert needling["charge"] == {"amount": "90.00", "currency": "USD"}
    assert needling["discount"] == {"amount": "0.00", "currency": "USD"}
    assert needling["adjustments"][0]["code"] == "prior_auth_assumed_not_covered"
    assert needling["adjustments"][0]["amount"] == {"amount": "90.00", "currency": "USD"}


def test_to_dict_lists_packages_bought():
    est = estimate_plan(plan(item("DN", 30, 6)), catalog(), SelfPay())
    data = est.to_dict()
    assert data["scenarios"]["best"] is None
    (pkg,) = data["scenarios"]["primary"]["packages"]
    assert pkg["savings"] == {"amount": "90.00", "currency": "USD"}
    assert pkg["session_numbers"] == [1, 2, 3, 4, 5, 6]
    assert pkg["valid_until"] == "2026-04-30"


def test_session_totals_are_sums_of_their_lines():
    est = estimate_plan(plan(item("DN", 30, 3, "ESTIM", "HOTPACK")), catalog(), insured(met()))
    for session in est.primary.sessions:
        assert session.totals.patient_pays == sum((ln.patient_pays for ln in session.lines), D(0))
        assert session.totals.charge == sum((ln.charge for ln in session.lines), D(0))
