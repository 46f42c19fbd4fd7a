"""Acupuncture units count one-on-one contact minutes, not the booked length."""

from dataclasses import replace
from decimal import Decimal as D

import pytest
from builders import catalog, insured, item, line, plan, standing

from estimator.pricing import (
    AllowedAmount,
    AllowedKind,
    BillingCode,
    CoverageRule,
    CoverageStatus,
    PlanKind,
    SelfPay,
    estimate_plan,
)


def acupuncture_contact(contact: dict[int, int]):
    cat = catalog()
    acu = replace(cat.services["ACU"], contact_minutes=contact)
    return replace(cat, services={**cat.services, "ACU": acu})


RULES = {
    ("service", "ACU"): CoverageRule(
        CoverageStatus.COVERED, AllowedAmount(AllowedKind.FIXED, D("37.03"), D("28.47"))
    )
}
PART_B = {"kind": PlanKind.MEDICARE, "deductible": D("283.00"), "oop_max": None, "rules": RULES}


@pytest.mark.parametrize(
    ("contact", "billing", "allowed"),
    [
        # Booked 30, all contact: 2 units, 37.03 + 28.47 = 65.50.
        ({}, (BillingCode("97810", 1), BillingCode("97811", 1)), "65.50"),
        # Booked 30, 15 minutes with the practitioner: 1 unit, 37.03.
        ({30: 15}, (BillingCode("97810", 1),), "37.03"),
        # Booked 30, 7 minutes of contact: under 8 minutes, nothing to bill.
        ({30: 7}, (BillingCode("97810", 0),), "0.00"),
    ],
)
def test_units_count_contact_minutes(contact, billing, allowed):
    st = standing(deductible_met="283.00")
    est = estimate_plan(plan(item("ACU", 30)), acupuncture_contact(contact), insured(st, **PART_B))
    acu = line(est, code="ACU")
    assert acu.billing == billing
    if allowed != "0.00":
        assert acu.allowed == D(allowed)


def test_the_charge_and_the_session_length_stay_on_the_booked_minutes():
    # Self-pay: the 30-minute price 110.00 whatever the contact time; billed as 1 unit.
    est = estimate_plan(plan(item("ACU", 30)), acupuncture_contact({30: 15}), SelfPay())
    acu = line(est, code="ACU")
    assert (acu.charge, acu.billing) == (D("110.00"), (BillingCode("97810", 1),))
    assert any("15 minutes of one-on-one contact" in a for a in est.assumptions)


def test_contact_minutes_pool_with_other_timed_minutes_under_the_eight_minute_rule():
    # 15 contact + 22 manual therapy = 37 timed minutes -> 2 units: one each (15 // 15 = 1,
    # 22 // 15 = 1), where booked minutes (30 + 22 = 52) would give 3.
    st = standing(deductible_met="283.00")
    req = plan(item("ACU", 30, 1, "MANUAL"))
    est = estimate_plan(req, acupuncture_contact({30: 15}), insured(st, **PART_B))
    assert line(est, code="ACU").billing == (BillingCode("97810", 1),)
    assert line(est, code="MANUAL").billing[0].units == 1
