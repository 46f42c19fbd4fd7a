"""Re-pricing issued estimates after a price change: what each would cost now, beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from estimator.models import Clinic, Estimate, EstimateRepricing, ServicePrice
from estimator.repricing import repricing_run, repricing_run_clinic
from estimator.selectors import in_effect
from estimator.services import estimate_issue, estimate_void

from .factories import priced_estimate

pytestmark = pytest.mark.django_db

SERVICE = "dry-needling-3-plus"


@pytest.fixture
def cascade(starter_catalog: Any, clock: Any) -> Clinic:
    return Clinic.objects.get(slug="cascade")


def _issue(count: int) -> list[Estimate]:
    return [estimate_issue(estimate=priced_estimate(), by="test") for _ in range(count)]


def _raise_price(clinic: Clinic, by: str = "10.00") -> ServicePrice:
    """From tomorrow to the end of today's price, the 30-minute session costs `by` more."""
    today = clinic.today()
    current = ServicePrice.objects.filter(
        clinic=clinic, service__code=SERVICE, duration_minutes=30
    ).get(in_effect(today))
    ServicePrice.objects.filter(pk=current.pk).update(effective_to=today)
    return ServicePrice.objects.create(
        clinic=clinic,
        service=current.service,
        duration_minutes=30,
        amount=current.amount + Money(Decimal(by), current.amount.currency),
        effective_from=today + dt.timedelta(days=1),
        effective_to=current.effective_to,
    )


def test_a_price_rise_shows_what_each_issued_estimate_would_cost_now_and_changes_none(
    cascade: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    issued = _issue(2)
    draft = priced_estimate()
    before = list(Estimate.objects.order_by("pk").values())
    with django_capture_on_commit_callbacks(execute=True):
        _raise_price(cascade)
    rows = {r.estimate_id: r for r in EstimateRepricing.objects.all()}
    assert set(rows) == {e.pk for e in issued}  # not the draft
    for estimate in issued:
        row = rows[estimate.pk]
        # Two sessions, each $10.00 more before the self-pay discount of 10 %.
        assert row.charge_difference == Money("20.00", "USD")
        assert row.patient_difference == Money("18.00", "USD")
        assert row.current_patient_total == estimate.patient_total + Money("18.00", "USD")
        assert "service price" in row.cause and row.problem == ""
    assert list(Estimate.objects.order_by("pk").values()) == before
    assert draft.pk not in rows


def test_running_again_replaces_the_row_and_a_price_back_to_as_issued_removes_it(
    cascade: Clinic,
) -> None:
    (estimate,) = _issue(1)
    rise = _raise_price(cascade)
    assert repricing_run(clinic_ids=[cascade.pk], cause="first") == 1
    assert repricing_run(clinic_ids=[cascade.pk], cause="second") == 1
    row = EstimateRepricing.objects.get()
    assert (row.estimate_id, row.cause) == (estimate.pk, "second")
    ServicePrice.objects.filter(pk=rise.pk).update(amount=rise.amount - Money("10.00", "USD"))
    assert repricing_run(clinic_ids=[cascade.pk], cause="back") == 0
    assert not EstimateRepricing.objects.exists()


def test_void_and_finished_estimates_are_left_out(cascade: Clinic, clock: Any) -> None:
    void, finished = _issue(2)
    estimate_void(estimate=void, by="test", reason="patient moved")
    _raise_price(cascade)
    clock.move_to(dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC))  # after the last session
    assert repricing_run(clinic_ids=[cascade.pk], cause="rise") == 0
    assert finished.end_date < cascade.today()


def test_the_queries_do_not_grow_with_the_number_of_estimates(cascade: Clinic) -> None:
    _issue(1)
    rise = _raise_price(cascade)
    with CaptureQueriesContext(connection) as one:
        repricing_run_clinic(clinic=cascade, cause="rise")
    _issue(4)
    ServicePrice.objects.filter(pk=rise.pk).update(amount=rise.amount + Money("5.00", "USD"))
    with CaptureQueriesContext(connection) as five:
        assert repricing_run_clinic(clinic=cascade, cause="rise") == 5
    assert len(five) == len(one)


def test_changes_in_one_transaction_make_one_job(
    cascade: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("estimator.tasks.estimates_reprice.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        _raise_price(cascade)
        cascade.self_pay_discount_percent = Decimal("15")
        cascade.save()
    delay.assert_called_once()
    clinic_ids, cause = delay.call_args.args
    # (The starter catalog, loaded in the test's own transaction, is part of the same batch.)
    assert cascade.pk in clinic_ids and "clinic" in cause and "service price" in cause


def test_admin_lists_the_affected_estimates_by_clinic(cascade: Clinic, staff_client: Any) -> None:
    (estimate,) = _issue(1)
    _raise_price(cascade)
    repricing_run(clinic_ids=[cascade.pk], cause="rise")
    url = reverse("admin:estimator_estimaterepricing_changelist")
    page = staff_client.get(url, {"clinic__id__exact": cascade.pk}).content.decode()
    assert estimate.reference in page and "$18.00" in page
    other = Clinic.objects.exclude(pk=cascade.pk).first()
    assert other is not None
    page = staff_client.get(url, {"clinic__id__exact": other.pk}).content.decode()
    assert estimate.reference not in page
