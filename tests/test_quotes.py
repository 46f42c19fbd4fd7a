"""The quote use case: the snapshot from the database, coverage choices, checks, storing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from estimator import pricing
from estimator.catalog_cache import catalog_cache_clear
from estimator.models import Clinic, Estimate, InsurancePlan
from estimator.quotes import QuoteInput, QuoteInvalid, quote_build
from estimator.services import PatientDetails, estimate_create, estimate_issue, estimate_void

# Plans start on fixed days near the clock's day (the catalog's prices change on 2027-01-01),
# and the patient's standing belongs to the benefit year of that day: 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

START = dt.date(2026, 12, 1)


@pytest.fixture
def cascade(starter_catalog: Any) -> Clinic:
    return Clinic.objects.get(slug="cascade")


def plan_named(name: str) -> InsurancePlan:
    return InsurancePlan.objects.get(name=name)


def quote(clinic: Clinic, *items: pricing.PlanItem, **kwargs: Any) -> QuoteInput:
    kwargs.setdefault("sessions_per_week", 1)
    kwargs.setdefault("start_date", START)
    return QuoteInput(clinic=clinic, items=items, **kwargs)


def codes(error: pytest.ExceptionInfo[QuoteInvalid]) -> set[str]:
    return {p.code for p in error.value.problems}


def test_self_pay_six_sessions_buys_the_package(cascade: Clinic) -> None:
    # Six 30-minute sessions: five at $85 less 10 % in 2026 ($76.50), one at $90 less 10 %
    # in 2027 ($81.00) would be $463.50 as singles; the six-session package is $429.00.
    result = quote_build(quote=quote(cascade, pricing.PlanItem("dry-needling-1-2", 30, 6)))
    totals = result.estimate.primary.totals
    assert totals.patient_pays == Decimal("429.00")
    assert totals.plan_pays == Decimal("0.00")
    (package,) = result.estimate.primary.packages
    assert package.code == "dn-6x30"
    assert package.singles_cost == Decimal("463.50")
    assert package.savings == Decimal("34.50")


def test_covering_plan_applies_deductible_with_fee_schedule(cascade: Clinic) -> None:
    result = quote_build(
        quote=quote(
            cascade,
            pricing.PlanItem("dry-needling-1-2", 30, 1, ("estim-unattended",)),
            coverage_mode="insured",
            plan=plan_named("Preferred PPO"),
        )
    )
    (session,) = result.estimate.primary.sessions
    needling, estim = session.lines
    # 20560 allowed $62.00 of $85.00; e-stim allowed 80 % of $20.00; all to the deductible.
    assert (needling.allowed, needling.deductible, needling.written_off) == (
        Decimal("62.00"),
        Decimal("62.00"),
        Decimal("23.00"),
    )
    assert (estim.allowed, estim.patient_pays, estim.written_off) == (
        Decimal("16.00"),
        Decimal("16.00"),
        Decimal("4.00"),
    )


def test_standing_deductible_met_moves_to_coinsurance(cascade: Clinic) -> None:
    result = quote_build(
        quote=quote(
            cascade,
            pricing.PlanItem("dry-needling-1-2", 30, 1),
            coverage_mode="insured",
            plan=plan_named("Preferred PPO"),
            standing=pricing.Standing(deductible_met=Decimal("500.00")),
        )
    )
    line = result.estimate.primary.sessions[0].lines[0]
    # Allowed $62.00, deductible met: 20 % coinsurance $12.40, plan $49.60.
    assert (line.coinsurance, line.plan_pays) == (Decimal("12.40"), Decimal("49.60"))


def test_unsure_patient_gets_a_range_from_the_assumed_plan(cascade: Clinic) -> None:
    result = quote_build(
        quote=quote(cascade, pricing.PlanItem("dry-needling-1-2", 30, 2), coverage_mode="unknown")
    )
    assert result.plan == cascade.unsure_patient_plan
    assert result.estimate.is_range
    assert result.estimate.best is not None
    assert result.estimate.best.totals.patient_pays <= result.estimate.primary.totals.patient_pays
    assert result.request_data()["coverage"]["plan_assumed"] is True


def test_unsure_patient_without_an_assumed_plan_is_told_to_choose(cascade: Clinic) -> None:
    cascade.unsure_patient_plan = None
    cascade.save()
    with pytest.raises(QuoteInvalid) as error:
        quote_build(quote=quote(cascade, pricing.PlanItem("ims", 30, 1), coverage_mode="unknown"))
    assert codes(error) == {"no_assumed_plan"}


def test_plan_of_another_clinic_is_refused(cascade: Clinic) -> None:
    canadian = InsurancePlan.objects.get(payer__kind="ca_extended_health")
    with pytest.raises(QuoteInvalid) as error:
        quote_build(
            quote=quote(
                cascade, pricing.PlanItem("ims", 30, 1), coverage_mode="insured", plan=canadian
            )
        )
    assert codes(error) == {"plan_not_offered"}


def test_insured_without_plan_is_refused(cascade: Clinic) -> None:
    with pytest.raises(QuoteInvalid) as error:
        quote_build(quote=quote(cascade, pricing.PlanItem("ims", 30, 1), coverage_mode="insured"))
    assert error.value.by_field() == {"coverage.plan": ["Choose a plan."]}


@pytest.mark.parametrize("days", [-400, 800])
def test_start_dates_far_from_today_are_refused(cascade: Clinic, days: int) -> None:
    start = cascade.today() + dt.timedelta(days=days)
    with pytest.raises(QuoteInvalid) as error:
        quote_build(quote=quote(cascade, pricing.PlanItem("ims", 30, 1), start_date=start))
    assert codes(error) == {"start_date_out_of_range"}


def test_every_problem_is_reported_at_once(cascade: Clinic) -> None:
    with pytest.raises(QuoteInvalid) as error:
        quote_build(
            quote=quote(
                cascade,
                pricing.PlanItem("dry-needling-1-2", 45, 1),
                pricing.PlanItem("no-such-thing", 30, 1),
                pricing.PlanItem("initial-assessment", 45, 1, ("estim-unattended",)),
            )
        )
    by_field = error.value.by_field()
    assert {"items[0].duration_minutes", "items[1].service_code"} <= set(by_field)
    assert {"duration_not_offered", "unknown_service", "addon_not_allowed"} <= codes(error)


def test_inactive_service_cannot_be_quoted(cascade: Clinic) -> None:
    from estimator.models import ServiceType

    ServiceType.objects.filter(code="ims").update(active=False)
    with pytest.raises(QuoteInvalid) as error:
        quote_build(quote=quote(cascade, pricing.PlanItem("ims", 30, 1)))
    assert codes(error) == {"unknown_service"}


def test_session_longer_than_the_clinic_allows_is_refused(cascade: Clinic) -> None:
    with pytest.raises(QuoteInvalid) as error:
        quote_build(quote=quote(cascade, pricing.PlanItem("ims", 60, 1, ("estim-unattended",))))
    assert codes(error) == {"session_too_long"}


def _count_queries(clinic: Clinic, items: tuple[pricing.PlanItem, ...], **kwargs: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        quote_build(quote=quote(clinic, *items, **kwargs))
    return len(ctx)


@pytest.mark.parametrize("mode", ["self_pay", "insured"])
def test_a_quote_reads_the_catalog_once_per_version_whatever_the_plans_size(
    cascade: Clinic, mode: str
) -> None:
    plan = plan_named("Preferred PPO") if mode == "insured" else None
    small = (pricing.PlanItem("dry-needling-1-2", 30, 1),)
    large = (
        pricing.PlanItem("initial-assessment", 45, 20, ("manual-therapy",)),
        pricing.PlanItem("dry-needling-1-2", 15, 20, ("estim-unattended", "heat-cold")),
        pricing.PlanItem("dry-needling-3-plus", 30, 20, ("estim-attended",)),
        pricing.PlanItem("ims", 30, 20, ("estim-unattended", "manual-therapy")),
        pricing.PlanItem("acupuncture", 30, 20, ("heat-cold",)),
    )
    kwargs: dict[str, Any] = {"coverage_mode": mode, "plan": plan, "sessions_per_week": 7}
    cold = []
    for items in (small, large):
        catalog_cache_clear()
        cache.clear()
        cold.append(_count_queries(cascade, items, **kwargs))
    # 100 sessions in total is the engine's limit.
    warm = [_count_queries(cascade, items, **kwargs) for items in (small, large)]
    assert cold[0] == cold[1]
    # Warm: only the catalog version's token is read.
    assert warm == [1, 1]


def test_stored_estimate_keeps_inputs_snapshot_and_result(cascade: Clinic) -> None:
    estimate = estimate_create(
        quote_input=quote(
            cascade,
            pricing.PlanItem("dry-needling-1-2", 30, 2, ("estim-unattended",)),
            coverage_mode="insured",
            plan=plan_named("Preferred PPO"),
        ),
        patient=PatientDetails(name="Pat Example", date_of_birth=dt.date(1980, 5, 17)),
    )
    stored = Estimate.objects.get(pk=estimate.pk)
    assert stored.reference.startswith("EST-")
    assert stored.sessions == 2
    assert stored.patient_total == Money("156.00", "USD")
    assert stored.request_data["items"][0]["add_ons"] == ["estim-unattended"]
    assert stored.snapshot_data["plan_terms"]["deductible"] == "500.00"
    assert "service:dry-needling-1-2" in stored.snapshot_data["plan_terms"]["rules"]
    assert stored.result_data["scenarios"]["primary"]["totals"]["patient_pays"] == {
        "amount": "156.00",
        "currency": "USD",
    }
    assert list(stored.services.values_list("code", flat=True)) == ["dry-needling-1-2"]


def test_a_later_price_change_does_not_alter_a_stored_estimate(cascade: Clinic) -> None:
    estimate = estimate_create(
        quote_input=quote(cascade, pricing.PlanItem("ims", 45, 1)),
        patient=PatientDetails(),
    )
    from estimator.models import ServicePrice

    ServicePrice.objects.filter(service__code="ims", clinic=cascade).update(
        amount=Decimal("999.00")
    )
    stored = Estimate.objects.get(pk=estimate.pk)
    assert stored.total_charge == Money("120.00", "USD")


def test_issue_then_void(cascade: Clinic, staff_user: Any) -> None:
    estimate = estimate_create(
        quote_input=quote(cascade, pricing.PlanItem("ims", 45, 1)), patient=PatientDetails()
    )
    issued = estimate_issue(estimate=estimate, by=staff_user)
    assert issued.status == "issued" and issued.issued_at is not None
    voided = estimate_void(estimate=issued, by=staff_user, reason="Patient changed plan")
    assert voided.status == "void" and voided.void_reason == "Patient changed plan"
    assert voided.history.count() == 3
