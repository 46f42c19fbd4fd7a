"""Model checks for the billing rules: contact minutes and limits on a set of codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from estimator.models import CodeSetLimit

from .factories import InsurancePlanFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db


def errors_of(obj: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    "contact",
    [{"20": 10}, {"30": 0}, {"30": 31}, {"30": "15"}, [15]],
    ids=["length-not-offered", "zero", "longer-than-booked", "not-a-number", "not-a-mapping"],
)
def test_contact_minutes_must_fit_the_offered_lengths(contact: object) -> None:
    service = ServiceTypeFactory.build(
        billing_basis="unit", durations=[30, 60], contact_minutes=contact
    )
    assert "contact_minutes" in errors_of(service)


def test_contact_minutes_are_for_timed_codes_only() -> None:
    service = ServiceTypeFactory.build(
        billing_basis="session", durations=[30], contact_minutes={"30": 15}
    )
    assert "contact_minutes" in errors_of(service)


def test_contact_minutes_within_the_booking_are_accepted() -> None:
    service = ServiceTypeFactory.build(
        code="acu-x", billing_basis="unit", durations=[30, 60], contact_minutes={"30": 15}
    )
    service.full_clean()


@pytest.mark.parametrize(
    ("codes", "certain", "field"),
    [
        ("", None, "billing_codes"),
        ("97810 ABC", None, "billing_codes"),
        ("97810", 21, "certain_visits"),
    ],
)
def test_code_set_limit_checks_its_codes_and_counts(
    codes: str, certain: int | None, field: str
) -> None:
    limit = CodeSetLimit(
        plan=InsurancePlanFactory(),
        key="acupuncture",
        name="acupuncture",
        billing_codes=codes,
        max_visits=20,
        certain_visits=certain,
    )
    assert field in errors_of(limit)
