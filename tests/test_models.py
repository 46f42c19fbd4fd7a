"""Catalog and plan validation: bad rows are refused with a message beside the right field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from djmoney.money import Money

from estimator.models import CoverageRule, ServicePrice

from .factories import (
    AddOnFactory,
    AddOnPriceFactory,
    ClinicFactory,
    CoverageRuleFactory,
    InsurancePlanFactory,
    PackageFactory,
    ServicePriceFactory,
    ServiceTypeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    # Mid-January 2026: prices from 1 January have applied, those from June are scheduled.
    with time_machine.travel(dt.datetime(2026, 1, 15, 20, 0, tzinfo=dt.UTC), tick=False):
        yield


def errors_of(obj: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize("durations", [[0], [-15], [15, 0], [300], [], [15, 15], ["x"]])
def test_service_rejects_bad_durations(durations: list[object]) -> None:
    service = ServiceTypeFactory.build(durations=durations)
    assert "durations" in errors_of(service)


def test_service_with_additional_unit_code_must_be_timed() -> None:
    service = ServiceTypeFactory.build(additional_unit_code="97811", billing_basis="session")
    assert "additional_unit_code" in errors_of(service)


@pytest.mark.parametrize("code", ["2056", "205600", "g0283", "ABCDE", "20560 "])
def test_billing_code_format_is_checked(code: str) -> None:
    assert "billing_code" in errors_of(ServiceTypeFactory.build(billing_code=code))


@pytest.mark.parametrize("code", ["20560", "G0283", "97810", "0001T"])
def test_valid_billing_codes_pass(code: str) -> None:
    ServiceTypeFactory.build(billing_code=code).full_clean()


def test_add_on_must_add_some_minutes() -> None:
    assert "minutes" in errors_of(AddOnFactory.build(minutes=0))


def test_negative_service_price_is_rejected() -> None:
    price = ServicePriceFactory.build(
        clinic=ClinicFactory(), service=ServiceTypeFactory(), amount=Money("-1.00", "USD")
    )
    assert "Amounts cannot be negative." in errors_of(price)["amount"]


def test_negative_price_is_refused_by_the_database_too() -> None:
    price = ServicePriceFactory(amount=Money("10.00", "USD"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ServicePrice.objects.filter(pk=price.pk).update(amount=Decimal("-5"))


def test_price_for_a_duration_the_service_does_not_offer_is_rejected() -> None:
    service = ServiceTypeFactory(durations=[15, 30])
    price = ServicePriceFactory.build(clinic=ClinicFactory(), service=service, duration_minutes=45)
    assert "duration_minutes" in errors_of(price)


def test_zero_duration_price_is_rejected() -> None:
    price = ServicePriceFactory.build(
        clinic=ClinicFactory(), service=ServiceTypeFactory(), duration_minutes=0
    )
    assert "duration_minutes" in errors_of(price)


def test_add_on_priced_in_another_currency_than_its_clinic_is_rejected() -> None:
    price = AddOnPriceFactory.build(
        clinic=ClinicFactory(), add_on=AddOnFactory(), amount=Money("15.00", "CAD")
    )
    message = errors_of(price)["amount"][0]
    assert "CAD" in message and "USD" in message


def test_overlapping_price_periods_are_rejected() -> None:
    first = ServicePriceFactory(effective_from=dt.date(2026, 1, 1), effective_to=None)
    second = ServicePriceFactory.build(
        clinic=first.clinic,
        service=first.service,
        duration_minutes=first.duration_minutes,
        amount=Money("95.00", "USD"),
        effective_from=dt.date(2026, 6, 1),
    )
    message = errors_of(second)["effective_from"][0]
    assert "End that price the day before this one starts" in message


def test_adjacent_price_periods_are_accepted() -> None:
    first = ServicePriceFactory(
        effective_from=dt.date(2026, 1, 1), effective_to=dt.date(2026, 5, 31)
    )
    ServicePriceFactory.build(
        clinic=first.clinic,
        service=first.service,
        duration_minutes=first.duration_minutes,
        effective_from=dt.date(2026, 6, 1),
    ).full_clean()


def test_overlapping_add_on_prices_are_rejected() -> None:
    first = AddOnPriceFactory(
        effective_from=dt.date(2026, 1, 1), effective_to=dt.date(2026, 12, 31)
    )
    second = AddOnPriceFactory.build(
        clinic=first.clinic, add_on=first.add_on, effective_from=dt.date(2026, 12, 31)
    )
    assert "effective_from" in errors_of(second)


def test_period_ending_before_it_starts_is_rejected() -> None:
    price = ServicePriceFactory.build(
        clinic=ClinicFactory(),
        service=ServiceTypeFactory(),
        effective_from=dt.date(2026, 6, 1),
        effective_to=dt.date(2026, 5, 1),
    )
    assert "effective_to" in errors_of(price)


def test_a_price_that_has_applied_cannot_be_rewritten() -> None:
    price = ServicePriceFactory(effective_from=dt.date(2026, 1, 1))
    price.amount = Money("99.00", "USD")
    assert "amount" in errors_of(price)


def test_a_price_that_has_applied_can_be_ended() -> None:
    price = ServicePriceFactory(effective_from=dt.date(2026, 1, 1))
    price.effective_to = dt.date(2099, 1, 1)
    price.full_clean()


def test_a_scheduled_price_can_still_be_corrected() -> None:
    price = ServicePriceFactory(effective_from=dt.date(2099, 1, 1))
    price.amount = Money("99.00", "USD")
    price.full_clean()


@pytest.mark.parametrize("percent", ["100.01", "-1", "250"])
def test_coinsurance_over_100_or_negative_is_rejected(percent: str) -> None:
    plan = InsurancePlanFactory.build(
        clinic=ClinicFactory(), payer=None, coinsurance_percent=Decimal(percent)
    )
    assert "coinsurance_percent" in errors_of(plan)


def test_plan_amount_in_wrong_currency_is_rejected() -> None:
    plan = InsurancePlanFactory.build(clinic=ClinicFactory(), deductible=Money("500", "CAD"))
    assert "deductible" in errors_of(plan)


def test_plan_currency_must_match_its_clinic() -> None:
    plan = InsurancePlanFactory.build(
        clinic=ClinicFactory(),
        currency="CAD",
        deductible=Money("0", "CAD"),
        copay=Money("0", "CAD"),
        out_of_pocket_max=Money("0", "CAD"),
        per_visit_max=Money("0", "CAD"),
        annual_max=Money("0", "CAD"),
    )
    assert "currency" in errors_of(plan)


def test_benefit_year_start_must_be_a_real_day() -> None:
    plan = InsurancePlanFactory.build(
        clinic=ClinicFactory(), benefit_year_start_month=2, benefit_year_start_day=30
    )
    assert "benefit_year_start_day" in errors_of(plan)


def test_out_of_pocket_max_below_deductible_is_rejected() -> None:
    plan = InsurancePlanFactory.build(
        clinic=ClinicFactory(),
        deductible=Money("2000", "USD"),
        out_of_pocket_max=Money("1000", "USD"),
    )
    assert "out_of_pocket_max" in errors_of(plan)


def test_coverage_rule_needs_exactly_one_target() -> None:
    plan = InsurancePlanFactory()
    both = CoverageRule(
        plan=plan, service=ServiceTypeFactory(), add_on=AddOnFactory(), status="covered"
    )
    assert "service" in errors_of(both)
    neither = CoverageRule(plan=plan, status="covered")
    assert "service" in errors_of(neither)


def test_coverage_rule_target_is_enforced_by_the_database() -> None:
    plan = InsurancePlanFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CoverageRule.objects.create(plan=plan, status="covered")


def test_second_rule_for_same_service_is_rejected() -> None:
    rule = CoverageRuleFactory()
    duplicate = CoverageRule(plan=rule.plan, service=rule.service, status="not_covered")
    assert "service" in errors_of(duplicate)


def test_fixed_allowed_amount_must_be_given() -> None:
    rule = CoverageRuleFactory.build(
        plan=InsurancePlanFactory(), service=ServiceTypeFactory(), allowed_basis="fixed"
    )
    assert "allowed_amount" in errors_of(rule)


def test_package_price_in_wrong_currency_is_rejected() -> None:
    package = PackageFactory.build(
        clinic=ClinicFactory(), service=ServiceTypeFactory(), price=Money("400", "CAD")
    )
    assert "price" in errors_of(package)


def test_package_needs_at_least_two_sessions() -> None:
    package = PackageFactory.build(clinic=ClinicFactory(), service=ServiceTypeFactory(), sessions=1)
    assert "sessions" in errors_of(package)


def test_clinic_max_session_length_has_bounds() -> None:
    assert "max_session_minutes" in errors_of(ClinicFactory.build(max_session_minutes=0))
    assert "max_session_minutes" in errors_of(ClinicFactory.build(max_session_minutes=600))


def test_clinic_npi_check_digit_is_verified() -> None:
    assert "npi" in errors_of(ClinicFactory.build(npi="1548720635"))
    ClinicFactory.build(npi="1548720634").full_clean()


def test_us_clinic_must_bill_in_dollars() -> None:
    assert "currency" in errors_of(ClinicFactory.build(currency="CAD"))


def test_unknown_time_zone_is_rejected() -> None:
    assert "time_zone" in errors_of(ClinicFactory.build(time_zone="Mars/Olympus"))
