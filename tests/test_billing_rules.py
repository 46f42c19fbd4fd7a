"""Billing rules through the quote use case, on the starter catalog's Medicare plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from djmoney.money import Money

from estimator import pricing
from estimator.models import Clinic, CopayDesign, InsurancePlan
from estimator.quotes import QuoteInput, QuoteInvalid, quote_build

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)  # a Monday; 15:00 in Portland at the travelled-to instant


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(dt.datetime(2026, 6, 15, 22, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def cascade(starter_catalog: Any) -> Clinic:
    return Clinic.objects.get(slug="cascade")


def part_b() -> InsurancePlan:
    return InsurancePlan.objects.get(name="Part B")


def quote(clinic: Clinic, *items: pricing.PlanItem, **kwargs: Any) -> QuoteInput:
    kwargs.setdefault("sessions_per_week", 3)
    kwargs.setdefault("start_date", TODAY + dt.timedelta(days=1))
    kwargs.setdefault("coverage_mode", "insured")
    kwargs.setdefault("plan", part_b())
    return QuoteInput(clinic=clinic, items=items, **kwargs)


MET = pricing.Standing(deductible_met=Decimal("283.00"))


def test_medicare_estim_is_covered_past_20_visits(cascade: Clinic) -> None:
    # 24 needling visits with G0283 (allowed 12.04): 20% = 2.408 -> 2.41 patient, 9.63 plan,
    # every visit; needling itself is not covered for a physical therapist.
    item = pricing.PlanItem("dry-needling-1-2", 30, 24, ("estim-unattended",))
    result = quote_build(quote=quote(cascade, item, standing=MET))
    estims = [s.lines[1] for s in result.estimate.primary.sessions]
    assert {(ln.treatment, ln.patient_pays, ln.plan_pays) for ln in estims} == {
        (pricing.Treatment.COVERED, Decimal("2.41"), Decimal("9.63"))
    }


def test_acupuncture_visits_used_reach_the_acupuncture_limit(cascade: Clinic) -> None:
    standing = pricing.Standing(
        deductible_met=Decimal("283.00"), limit_visits_used={"acupuncture": 20}
    )
    item = pricing.PlanItem("acupuncture", 30, 1)
    result = quote_build(quote=quote(cascade, item, standing=standing))
    (line,) = result.estimate.primary.sessions[0].lines
    assert line.treatment is pricing.Treatment.NOT_COVERED
    assert line.adjustments[0].code == "code_set_limit"


def test_visits_used_toward_a_limit_the_plan_lacks_are_refused(cascade: Clinic) -> None:
    standing = pricing.Standing(limit_visits_used={"chiropractic": 3})
    item = pricing.PlanItem("acupuncture", 30, 1)
    with pytest.raises(QuoteInvalid) as error:
        quote_build(quote=quote(cascade, item, standing=standing))
    (problem,) = error.value.problems
    assert (problem.field, problem.code) == (
        "coverage.standing.limit_visits_used.chiropractic",
        "unknown_visit_limit",
    )


def test_medicare_acupuncture_13_to_20_is_a_range(cascade: Clinic) -> None:
    # 12 acupuncture visits used: the next one needs documented improvement.
    standing = pricing.Standing(
        deductible_met=Decimal("283.00"), limit_visits_used={"acupuncture": 12}
    )
    item = pricing.PlanItem("acupuncture", 30, 1)
    result = quote_build(quote=quote(cascade, item, standing=standing))
    estimate = result.estimate
    assert estimate.is_range
    assert estimate.primary.sessions[0].lines[0].treatment is pricing.Treatment.NOT_COVERED
    assert estimate.best is not None
    assert "KX" in estimate.best.sessions[0].lines[0].billing[0].modifiers


@pytest.mark.parametrize(
    ("service", "minutes", "allowed", "coinsurance"),
    [
        # Booked 30 = 15 one-on-one minutes = 1 unit: 97810 37.03; 20% = 7.406 -> 7.41.
        ("acupuncture", 30, "37.03", "7.41"),
        # Booked 45 = 25 minutes = 2 units: 97810 37.03 + 97811 28.47 = 65.50 (of 105.00);
        # 20% = 13.10.
        ("acupuncture", 45, "65.50", "13.10"),
        # Booked 45 = 2 units: 97813 41.15 + 97814 33.91 = 75.06 (of 115.00); 20% = 15.012
        # -> 15.01.
        ("acupuncture-estim", 45, "75.06", "15.01"),
    ],
)
def test_medicare_allows_each_acupuncture_code_at_its_own_fee(
    cascade: Clinic, service: str, minutes: int, allowed: str, coinsurance: str
) -> None:
    item = pricing.PlanItem(service, minutes, 1)
    result = quote_build(quote=quote(cascade, item, standing=MET))
    (line,) = result.estimate.primary.sessions[0].lines
    assert (line.allowed, line.coinsurance) == (Decimal(allowed), Decimal(coinsurance))


def test_unsure_patient_keeps_their_year_so_far_on_the_assumed_plan(cascade: Clinic) -> None:
    # No plan named: the clinic assumes Preferred PPO ($500 deductible, 20%). With the $500
    # already met, the best case is coinsurance only: 20% of the 62.00 allowed = 12.40
    # (it was 62.00, all to the deductible, when the standing was dropped).
    item = pricing.PlanItem("dry-needling-1-2", 30, 1)
    standing = pricing.Standing(deductible_met=Decimal("500.00"))
    result = quote_build(
        quote=quote(cascade, item, coverage_mode="unknown", plan=None, standing=standing)
    )
    assert result.plan is not None and result.plan.name == "Preferred PPO"
    assert result.estimate.best is not None
    (line,) = result.estimate.best.sessions[0].lines
    assert (line.deductible, line.coinsurance) == (Decimal("0"), Decimal("12.40"))
    assert result.request_data()["coverage"]["standing"]["deductible_met"] == "500.00"


def test_standing_entered_today_does_not_lower_next_years_deductible(cascade: Clinic) -> None:
    # Travelled to 2026-06-15; first session 2027-01-05 in Preferred PPO's 2027 benefit year.
    # The $500 met is 2026's: in 2027 the 62.00 allowed all goes to the deductible (it was
    # 20% = 12.40 when the standing was applied to the first session's year).
    item = pricing.PlanItem("dry-needling-1-2", 30, 1)
    standing = pricing.Standing(deductible_met=Decimal("500.00"))
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    result = quote_build(
        quote=quote(cascade, item, plan=plan, standing=standing, start_date=dt.date(2027, 1, 5))
    )
    (line,) = result.estimate.primary.sessions[0].lines
    assert (line.deductible, line.coinsurance) == (Decimal("62.00"), Decimal("0"))


def test_medicare_dry_needling_needs_an_abn_and_carries_ga(cascade: Clinic) -> None:
    item = pricing.PlanItem("dry-needling-1-2", 30, 1)
    result = quote_build(quote=quote(cascade, item, standing=MET))
    (line,) = result.estimate.primary.sessions[0].lines
    assert line.billing[0].modifiers == ("GA",)
    assert result.estimate.abn_required
    assert result.result_data()["abn_required"] is True


def test_aetna_denies_dry_needling_as_investigational_and_writes_off_the_hot_pack(
    cascade: Clinic,
) -> None:
    # Needling 85.00 less the clinic's 10% discount on uncovered services = 76.50 is the
    # patient's with a signed waiver; the 10.00 hot pack, bundled in network, is written off.
    item = pricing.PlanItem("dry-needling-1-2", 30, 1, ("heat-cold",))
    aetna = InsurancePlan.objects.get(name="Choice POS II (PPO)")
    result = quote_build(quote=quote(cascade, item, plan=aetna))
    needling, pack = result.estimate.primary.sessions[0].lines
    assert result.estimate.waiver_required
    assert (needling.patient_pays, pack.patient_pays, pack.written_off) == (
        Decimal("76.50"),
        Decimal("0"),
        Decimal("10.00"),
    )


def test_a_plan_can_waive_the_deductible_for_a_visit_with_a_copay(cascade: Clinic) -> None:
    # Preferred PPO set to a 30.00 copay that replaces the deductible: allowed 62.00,
    # copay 30.00, deductible waived, 20% of 32.00 = 6.40: patient 36.40, plan 25.60.
    ppo = InsurancePlan.objects.get(name="Preferred PPO")
    ppo.copay = Money(Decimal("30.00"), "USD")
    ppo.copay_design = CopayDesign.COPAY_WAIVES_DEDUCTIBLE
    ppo.full_clean()
    ppo.save()
    item = pricing.PlanItem("dry-needling-1-2", 30, 1)
    result = quote_build(quote=quote(cascade, item, plan=ppo))
    (line,) = result.estimate.primary.sessions[0].lines
    assert (line.copay, line.deductible, line.coinsurance) == (
        Decimal("30.00"),
        Decimal("0"),
        Decimal("6.40"),
    )
    assert (line.patient_pays, line.plan_pays) == (Decimal("36.40"), Decimal("25.60"))


def test_self_pay_naming_a_medicare_plan_says_medicare_must_be_billed(cascade: Clinic) -> None:
    # Acupuncture is covered by Part B: the cash quote stands but warns, with its reason code.
    item = pricing.PlanItem("acupuncture", 30, 1)
    result = quote_build(quote=quote(cascade, item, coverage_mode="self_pay"))
    assert result.plan == part_b()
    assert "medicare_claim_required" in {w.code for w in result.estimate.warnings}
    # Dry needling is not covered by Medicare: no such warning.
    needling = pricing.PlanItem("dry-needling-1-2", 30, 1)
    result = quote_build(quote=quote(cascade, needling, coverage_mode="self_pay"))
    assert "medicare_claim_required" not in {w.code for w in result.estimate.warnings}


def test_part_b_reduces_the_second_therapy_unit_of_the_day(cascade: Clinic) -> None:
    # 15 + 15 minutes of attended e-stim and manual therapy: 97032 x 1 at 17.61 (the day's
    # first therapy unit, in full), 97140 x 1 at 29.12 less the 20% MPPR = 23.296 -> 23.30.
    item = pricing.PlanItem("dry-needling-1-2", 30, 1, ("estim-attended", "manual-therapy"))
    result = quote_build(quote=quote(cascade, item, standing=MET))
    _, estim, manual = result.estimate.primary.sessions[0].lines
    assert (estim.allowed, manual.allowed) == (Decimal("17.61"), Decimal("23.30"))
