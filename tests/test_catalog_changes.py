"""Bulk catalog chores: prices changed from a date (all or nothing), plans duplicated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from estimator.catalog_changes import plan_duplicate, price_change_plan, prices_change
from estimator.models import AddOnPrice, InsurancePlan, ServicePrice

from .conftest import TODAY
from .factories import (
    AddOnPriceFactory,
    ClinicFactory,
    CoverageRuleFactory,
    ServicePriceFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
DAY = dt.timedelta(days=1)


def test_add_on_prices_change_by_an_amount_from_a_date() -> None:
    price = AddOnPriceFactory(effective_from=TODAY - DAY * 30, amount=Money("20.00", "USD"))
    start = TODAY + DAY * 3
    (new,) = prices_change(
        prices=AddOnPrice.objects.filter(pk=price.pk), effective_from=start, amount=Decimal("2.5")
    )
    price.refresh_from_db()
    assert price.effective_to == start - DAY
    assert (new.amount, new.effective_from, new.effective_to) == (
        Money("22.50", "USD"),
        start,
        None,
    )


def test_the_plan_rounds_half_up_and_says_which_rows_it_leaves_alone() -> None:
    clinic = ClinicFactory()
    current: Any = ServicePriceFactory(
        clinic=clinic, effective_from=TODAY - DAY, amount=Money("85.05", "USD")
    )
    later: Any = ServicePriceFactory(
        clinic=clinic, duration_minutes=15, effective_from=TODAY + DAY * 9
    )
    plan = price_change_plan(
        prices=[current, later], effective_from=TODAY + DAY, percent=Decimal("10")
    )
    assert plan[0].new_amount == Decimal("93.56")  # 93.555 half-up
    assert plan[1].new_amount is None and "does not apply on" in plan[1].problem
    lower = price_change_plan(prices=[current], effective_from=TODAY + DAY, amount=Decimal("-90"))
    assert lower[0].problem == "would be below zero"


def test_one_refused_row_stops_the_whole_change() -> None:
    clinic = ClinicFactory()
    ok = ServicePriceFactory(clinic=clinic, effective_from=TODAY - DAY * 9)
    # Stored in the wrong currency behind the model's back: its new row is refused.
    bad = ServicePriceFactory(
        clinic=clinic, effective_from=TODAY - DAY, amount=Money("85.00", "CAD")
    )
    with pytest.raises(ValidationError, match="never mixes currencies"):
        prices_change(
            prices=ServicePrice.objects.filter(pk__in=[ok.pk, bad.pk]),
            effective_from=TODAY + DAY,
            percent=Decimal("5"),
        )
    assert ServicePrice.objects.count() == 2
    assert not ServicePrice.objects.filter(effective_to__isnull=False).exists()


def test_a_duplicated_plan_is_an_inactive_copy_with_its_rules_and_a_free_name() -> None:
    rule: Any = CoverageRuleFactory()
    plan = rule.plan
    first = plan_duplicate(plan=plan)
    second = plan_duplicate(plan=plan)
    assert (first.name, second.name) == (f"Copy of {plan.name}", f"Copy of {plan.name} (2)")
    assert not first.active and first.rules.get().service_id == rule.service_id
    assert InsurancePlan.objects.get(pk=plan.pk).rules.count() == 1
