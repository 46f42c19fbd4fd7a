"""Prices that have applied stay on record: no deleting them, no backdating new ones over them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from djmoney.money import Money

from estimator.models import AddOnPrice, ServicePrice
from estimator.models.base import RecordLocked

from .factories import AddOnPriceFactory, ClinicFactory, ServicePriceFactory

pytestmark = pytest.mark.django_db

# Noon in Portland (the factories' clinic is in America/Los_Angeles).
TODAY = dt.date(2027, 3, 10)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2027, 3, 10, 20, 0, tzinfo=dt.UTC), tick=False):
        yield


def price_factory(kind: str) -> Any:
    return {"service": ServicePriceFactory, "add_on": AddOnPriceFactory}[kind]


KINDS = ["service", "add_on"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("start", [TODAY - DAY * 30, TODAY])
def test_a_price_that_has_applied_cannot_be_deleted(kind: str, start: dt.date) -> None:
    price = price_factory(kind)(effective_from=start)
    with pytest.raises(RecordLocked, match="Set its last day instead"):
        price.delete()
    assert type(price).objects.filter(pk=price.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_scheduled_price_can_be_deleted(kind: str) -> None:
    price = price_factory(kind)(effective_from=TODAY + DAY)
    price.delete()
    assert not type(price).objects.filter(pk=price.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_queryset_delete_refuses_when_any_row_has_applied(kind: str) -> None:
    clinic = ClinicFactory()
    applied = price_factory(kind)(clinic=clinic, effective_from=TODAY - DAY)
    scheduled = price_factory(kind)(clinic=clinic, effective_from=TODAY + DAY * 7)
    model = type(applied)
    with pytest.raises(RecordLocked):
        model.objects.filter(pk__in=[applied.pk, scheduled.pk]).delete()
    assert model.objects.count() == 2
    model.objects.filter(pk=scheduled.pk).delete()
    assert list(model.objects.all()) == [applied]


def test_what_has_applied_is_judged_by_the_clinics_day_not_the_servers() -> None:
    # 2027-03-10 02:00 UTC is still 9 March in Vancouver but already 10 March in Tokyo.
    with time_machine.travel(dt.datetime(2027, 3, 10, 2, 0, tzinfo=dt.UTC), tick=False):
        west = ServicePriceFactory(clinic=ClinicFactory(time_zone="America/Vancouver"))
        east = ServicePriceFactory(clinic=ClinicFactory(time_zone="Asia/Tokyo"))
        for price in (west, east):
            price.effective_from = TODAY
            price.save()
        assert west.deletion_refused() is None
        assert east.deletion_refused() is not None


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_price_cannot_start_before_the_clinics_today(kind: str) -> None:
    price = price_factory(kind).build(clinic=ClinicFactory(), effective_from=TODAY - DAY)
    if kind == "service":
        price.service.save()
        price.service_id = price.service.pk
    else:
        price.add_on.save()
        price.add_on_id = price.add_on.pk
    with pytest.raises(ValidationError) as caught:
        price.full_clean()
    assert "cannot start before today (2027-03-10)" in str(caught.value.message_dict)
    assert list(caught.value.message_dict) == ["effective_from"]
    price.effective_from = TODAY
    price.full_clean()


def test_a_scheduled_price_cannot_be_moved_into_the_past() -> None:
    price = ServicePriceFactory(effective_from=TODAY + DAY * 10)
    price.effective_from = TODAY - DAY * 10
    with pytest.raises(ValidationError) as caught:
        price.full_clean()
    assert "cannot start before today" in str(caught.value.message_dict["effective_from"])


def test_the_starter_catalog_still_loads_its_opening_prices(starter_catalog: Any) -> None:
    assert ServicePrice.objects.filter(effective_from__lt=TODAY).exists()
    assert AddOnPrice.objects.filter(effective_from__lt=TODAY).exists()


# ---- admin -----------------------------------------------------------------------------------


def test_admin_delete_page_explains_and_deletes_nothing(staff_client: Any) -> None:
    price = ServicePriceFactory(effective_from=TODAY - DAY)
    url = reverse("admin:estimator_serviceprice_delete", args=[price.pk])
    page = staff_client.get(url).content.decode()
    assert "cannot be deleted. Set its last day instead." in page
    response = staff_client.post(url, {"post": "yes"})
    assert response.status_code in (200, 403)
    assert ServicePrice.objects.filter(pk=price.pk).exists()


@pytest.mark.parametrize("model", [ServicePrice, AddOnPrice], ids=lambda m: m.__name__)
def test_admin_delete_selected_refuses_applied_prices(staff_client: Any, model: Any) -> None:
    factory: Any = ServicePriceFactory if model is ServicePrice else AddOnPriceFactory
    applied = factory(effective_from=TODAY - DAY)
    url = reverse(f"admin:estimator_{model._meta.model_name}_changelist")
    response = staff_client.post(
        url, {"action": "delete_selected", "_selected_action": [applied.pk], "post": "yes"}
    )
    assert response.status_code == 200
    assert "Set its last day instead" in response.content.decode()
    assert model.objects.filter(pk=applied.pk).exists()


def test_admin_deletes_a_scheduled_price(staff_client: Any) -> None:
    scheduled = ServicePriceFactory(effective_from=TODAY + DAY)
    url = reverse("admin:estimator_serviceprice_delete", args=[scheduled.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not ServicePrice.objects.filter(pk=scheduled.pk).exists()


def test_admin_add_backdated_price_is_an_error_beside_the_start(staff_client: Any) -> None:
    price = ServicePriceFactory(effective_from=TODAY - DAY * 60, effective_to=TODAY + DAY * 5)
    response = staff_client.post(
        reverse("admin:estimator_serviceprice_add"),
        {
            "clinic": price.clinic.pk,
            "service": price.service.pk,
            "duration_minutes": "30",
            "amount_0": "95.00",
            "amount_1": "USD",
            "effective_from": (TODAY - DAY).isoformat(),
            "effective_to": "",
        },
    )
    assert response.status_code == 200
    assert "cannot start before today" in response.content.decode()
    assert ServicePrice.objects.count() == 1


def _inline_post(price: ServicePrice, **row: str) -> dict[str, Any]:
    service = price.service
    data = {
        "name": service.name,
        "code": service.code,
        "description": service.description,
        "billing_code": service.billing_code,
        "billing_basis": service.billing_basis,
        "durations": "15, 30",
        "order": "0",
        "active": "on",
        "prices-TOTAL_FORMS": "1",
        "prices-INITIAL_FORMS": "1",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
        "prices-0-id": str(price.pk),
        "prices-0-service": str(service.pk),
        "prices-0-clinic": str(price.clinic.pk),
        "prices-0-duration_minutes": "30",
        "prices-0-amount_0": "85.00",
        "prices-0-amount_1": "USD",
        "prices-0-effective_from": price.effective_from.isoformat(),
        "prices-0-effective_to": "",
    }
    data.update({f"prices-0-{k}": v for k, v in row.items()})
    return data


def test_inline_delete_of_an_applied_price_is_an_error_not_a_500(staff_client: Any) -> None:
    price = ServicePriceFactory(effective_from=TODAY - DAY)
    url = reverse("admin:estimator_servicetype_change", args=[price.service.pk])
    response = staff_client.post(url, _inline_post(price, DELETE="on"))
    assert response.status_code == 200
    assert "Set its last day instead" in response.content.decode()
    assert ServicePrice.objects.filter(pk=price.pk).exists()


def test_inline_delete_of_a_scheduled_price_goes_through(staff_client: Any) -> None:
    price = ServicePriceFactory(effective_from=TODAY + DAY)
    url = reverse("admin:estimator_servicetype_change", args=[price.service.pk])
    response = staff_client.post(url, _inline_post(price, DELETE="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not ServicePrice.objects.filter(pk=price.pk).exists()


def test_inline_edit_cannot_backdate_a_scheduled_price(staff_client: Any) -> None:
    price = ServicePriceFactory(effective_from=TODAY + DAY)
    url = reverse("admin:estimator_servicetype_change", args=[price.service.pk])
    response = staff_client.post(url, _inline_post(price, effective_from=(TODAY - DAY).isoformat()))
    assert response.status_code == 200
    assert "cannot start before today" in response.content.decode()
    price.refresh_from_db()
    assert price.effective_from == TODAY + DAY
    assert price.amount == Money("85.00", "USD")


def _two_row_post(
    price: ServicePrice, ended: dt.date, start: dt.date, amount: str
) -> dict[str, Any]:
    """End the current row on `ended` and add a new one from `start`, in one submit."""
    data = _inline_post(price, effective_to=ended.isoformat())
    data.update(
        {
            "prices-TOTAL_FORMS": "2",
            "prices-1-id": "",
            "prices-1-service": str(price.service.pk),
            "prices-1-clinic": str(price.clinic.pk),
            "prices-1-duration_minutes": "30",
            "prices-1-amount_0": amount,
            "prices-1-amount_1": "USD",
            "prices-1-effective_from": start.isoformat(),
            "prices-1-effective_to": "",
        }
    )
    return data


def test_a_price_increase_is_one_save_on_the_session_type(staff_client: Any) -> None:
    price = ServicePriceFactory(effective_from=TODAY - DAY * 30)
    url = reverse("admin:estimator_servicetype_change", args=[price.service.pk])
    response = staff_client.post(url, _two_row_post(price, TODAY, TODAY + DAY, "95.00"))
    assert response.status_code == 302, response.content.decode()[:3000]
    price.refresh_from_db()
    assert price.effective_to == TODAY
    new = ServicePrice.objects.get(effective_from=TODAY + DAY)
    assert new.amount == Money("95.00", "USD") and new.effective_to is None


def test_rows_that_still_overlap_after_the_save_are_refused(staff_client: Any) -> None:
    price = ServicePriceFactory(effective_from=TODAY - DAY * 30)
    url = reverse("admin:estimator_servicetype_change", args=[price.service.pk])
    response = staff_client.post(url, _two_row_post(price, TODAY + DAY * 5, TODAY + DAY, "95.00"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "covers some of these days" in page or "Two prices cover the same days" in page
    price.refresh_from_db()
    assert price.effective_to is None and ServicePrice.objects.count() == 1
