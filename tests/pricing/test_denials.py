"""Denials that change who may be billed: Medicare ABNs, statutory exclusions, bundling, waivers."""

from decimal import Decimal as D

import pytest
from builders import catalog, codes, insured, item, line, plan, rule, standing

from estimator.pricing import (
    CoverageRule,
    CoverageStatus,
    Denial,
    Network,
    PlanKind,
    Treatment,
    estimate_plan,
)

MET = standing(deductible_met="500.00")


def denied(denial):
    return CoverageRule(CoverageStatus.NOT_COVERED, denial=denial)


def medicare(rules):
    return insured(
        standing(deductible_met="283.00"),
        kind=PlanKind.MEDICARE,
        deductible=D("283.00"),
        oop_max=None,
        rules=rules,
    )


@pytest.mark.parametrize(
    ("rules", "modifier", "abn", "reason"),
    [
        # Dry needling by a physical therapist: Medicare will deny it; 90.00 is charged only
        # with a signed ABN, and the claim carries GA.
        ({("service", "DN"): denied(Denial.ABN_REQUIRED)}, "GA", True, "abn_required"),
        # No rule at all: the same, with the ABN sentence added after "not covered".
        ({}, "GA", True, "not_covered"),
        # Excluded by law: GY, and no ABN is needed to charge the 90.00.
        ({("service", "DN"): denied(Denial.STATUTORY)}, "GY", False, "statutorily_excluded"),
    ],
)
def test_medicare_denials_carry_their_modifier_and_say_whether_an_abn_is_needed(
    rules, modifier, abn, reason
):
    est = estimate_plan(plan(), catalog(), medicare(rules))
    dn = line(est)
    assert (dn.treatment, dn.patient_pays) == (Treatment.NOT_COVERED, D("90.00"))
    assert dn.billing[0].modifiers == (modifier,)
    assert codes(dn)[0] == reason
    assert ("abn_required" in codes(dn)) is abn
    assert est.abn_required is abn
    assert ("abn_required" in {w.code for w in est.warnings}) is abn
    assert est.to_dict()["abn_required"] is abn


def test_commercial_denials_never_ask_for_an_abn():
    est = estimate_plan(plan(), catalog(), insured(MET, rules={}))
    assert line(est).billing[0].modifiers == ()
    assert not est.abn_required


def test_bundled_denial_in_network_is_written_off_not_billed():
    # Hot pack 15.00 denied as bundled: in network the clinic writes off all 15.00.
    rules = {("addon", "HOTPACK"): denied(Denial.BUNDLED)}
    est = estimate_plan(plan(item("DN", 30, 1, "HOTPACK")), catalog(), insured(MET, rules=rules))
    pack = line(est, code="HOTPACK")
    assert pack.treatment is Treatment.WRITTEN_OFF
    assert (pack.patient_pays, pack.plan_pays, pack.written_off) == (D("0"), D("0"), D("15.00"))
    assert codes(pack) == ["denied_bundled"]


def test_bundled_denial_out_of_network_is_the_patients():
    # No contract out of network: the patient pays the 15.00.
    rules = {("addon", "HOTPACK"): denied(Denial.BUNDLED)}
    cover = insured(MET, rules=rules, network=Network.OUT)
    est = estimate_plan(plan(item("DN", 30, 1, "HOTPACK")), catalog(), cover)
    pack = line(est, code="HOTPACK")
    assert (pack.patient_pays, pack.written_off) == (D("15.00"), D("0"))
    assert codes(pack) == ["denied_bundled_out_of_network"]


def test_investigational_denial_is_billable_only_with_a_waiver():
    # Dry needling 90.00 denied as experimental: the patient's, with a signed waiver.
    rules = {("service", "DN"): denied(Denial.INVESTIGATIONAL)}
    est = estimate_plan(plan(), catalog(), insured(MET, rules=rules))
    dn = line(est)
    assert (dn.patient_pays, codes(dn)) == (D("90.00"), ["denied_investigational"])
    assert "sign a waiver" in dn.adjustments[0].message
    assert est.waiver_required and not est.abn_required
    assert "waiver_required" in {w.code for w in est.warnings}


def test_covered_lines_beside_a_denial_are_unchanged():
    # E-stim covered (allowed 15.00, 20% = 3.00) next to an investigational needling line.
    rules = {
        ("service", "DN"): denied(Denial.INVESTIGATIONAL),
        ("addon", "ESTIM"): rule(fixed="15.00"),
    }
    est = estimate_plan(plan(item("DN", 30, 1, "ESTIM")), catalog(), insured(MET, rules=rules))
    assert line(est, code="ESTIM").patient_pays == D("3.00")
