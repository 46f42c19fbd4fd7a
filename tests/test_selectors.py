"""The price on a date: one row, found at the edges of its period."""

from __future__ import annotations

import datetime as dt

import pytest
from djmoney.money import Money

from estimator.selectors import add_on_price_on, service_price_on

from .factories import AddOnPriceFactory, ServicePriceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_prices() -> tuple[object, object]:
    old = ServicePriceFactory(
        amount=Money("85.00", "USD"),
        effective_from=dt.date(2026, 1, 1),
        effective_to=dt.date(2026, 12, 31),
    )
    new = ServicePriceFactory(
        clinic=old.clinic,
        service=old.service,
        amount=Money("90.00", "USD"),
        effective_from=dt.date(2027, 1, 1),
    )
    return old, new


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2025, 12, 31), None),
        (dt.date(2026, 1, 1), "85.00"),
        (dt.date(2026, 12, 31), "85.00"),
        (dt.date(2027, 1, 1), "90.00"),
        (dt.date(2040, 6, 15), "90.00"),
    ],
)
def test_service_price_on_date_at_period_edges(
    two_prices: tuple[object, object], day: dt.date, expected: str | None, django_assert_num_queries
) -> None:
    old, _ = two_prices
    with django_assert_num_queries(1):
        found = service_price_on(
            clinic=old.clinic, service=old.service, duration_minutes=30, day=day
        )
    if expected is None:
        assert found is None
    else:
        assert found is not None and found.amount == Money(expected, "USD")


def test_price_for_another_duration_is_not_returned(two_prices: tuple[object, object]) -> None:
    old, _ = two_prices
    assert (
        service_price_on(
            clinic=old.clinic, service=old.service, duration_minutes=15, day=dt.date(2026, 6, 1)
        )
        is None
    )


def test_add_on_price_on_last_day_inclusive() -> None:
    price = AddOnPriceFactory(effective_from=dt.date(2026, 1, 1), effective_to=dt.date(2026, 3, 31))
    assert add_on_price_on(clinic=price.clinic, add_on_id=price.add_on_id, day=dt.date(2026, 3, 31))
    assert (
        add_on_price_on(clinic=price.clinic, add_on_id=price.add_on_id, day=dt.date(2026, 4, 1))
        is None
    )
