"""Renewing issued estimates in bulk: each superseded by a new, issued one at today's prices."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from estimator.business_days import business_days_before
from estimator.formatting import date_text
from estimator.models import Clinic, Estimate, EstimateEmail, EstimateRepricing, PatientLink
from estimator.renewals import renewal_due, renewal_run
from estimator.repricing import repricing_run
from estimator.roles import BILLING_MANAGER, FRONT_DESK, roles_ensure
from estimator.services import estimate_issue, estimate_void

from .factories import priced_estimate
from .test_repricing import _issue, _raise_price, cascade  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

REPRICINGS = "admin:estimator_estimaterepricing_changelist"


def test_each_estimate_is_superseded_by_a_new_issued_one_at_todays_prices(
    cascade: Clinic,  # noqa: F811
) -> None:
    olds = _issue(2)
    _raise_price(cascade)
    repricing_run(clinic_ids=[cascade.pk], cause="rise")
    result = renewal_run(estimate_ids=[e.pk for e in olds])
    assert set(result.renewed) == {e.reference for e in olds}
    assert (result.skipped, result.problems) == (0, {})
    for old in olds:
        old.refresh_from_db()
        new = Estimate.objects.get(reference=result.renewed[old.reference])
        assert (old.status, new.status) == ("superseded", "issued")
        assert new.supersedes == old and old.superseded_by == new  # linked both ways
        assert new.issued_at is not None and new.patient_name == old.patient_name
        # Two sessions, each $10.00 more before the self-pay discount of 10 %.
        assert new.patient_total == old.patient_total + Money("18.00", "USD")
        assert (new.start_date, new.end_date) == (old.start_date, old.end_date)
        assert list(new.services.all()) == list(old.services.all())
        reason = old.history.first().history_change_reason
        assert reason.startswith(f"Superseded by {new.reference}")
        created, issued = new.history.order_by("history_id")
        assert created.history_change_reason.startswith(f"Renewal of {old.reference}")
        assert (created.status, issued.status) == ("draft", "issued")
    assert not EstimateRepricing.objects.exists()  # off the affected list


def test_running_again_or_on_a_void_estimate_renews_nothing(cascade: Clinic) -> None:  # noqa: F811
    (old,) = _issue(1)
    (void,) = _issue(1)
    estimate_void(estimate=void, by="test", reason="Entered twice")
    first = renewal_run(estimate_ids=[old.pk, void.pk])
    again = renewal_run(estimate_ids=[old.pk, void.pk])
    assert (len(first.renewed), first.skipped) == (1, 1)
    assert (again.renewed, again.skipped) == ({}, 2)
    assert Estimate.objects.filter(supersedes=old).count() == 1


def test_the_queries_do_not_grow_with_the_number_of_estimates(cascade: Clinic) -> None:  # noqa: F811
    one = _issue(1)
    five = _issue(5)
    _raise_price(cascade)
    with CaptureQueriesContext(connection) as for_one:
        renewal_run(estimate_ids=[e.pk for e in one])
    with CaptureQueriesContext(connection) as for_five:
        assert len(renewal_run(estimate_ids=[e.pk for e in five]).renewed) == 5
    assert len(for_five) == len(for_one)


def test_a_gfe_is_due_for_renewal_a_business_day_before_its_next_session(
    cascade: Clinic,  # noqa: F811
) -> None:
    (estimate,) = _issue(1)  # weekly sessions from a week after today; a GFE applies
    first = dt.date.fromisoformat(estimate.result_data["schedule"][0])
    due = renewal_due(estimate=estimate, today=cascade.today())
    assert due == business_days_before(first, 1) and due < first
    uninsured = priced_estimate(date_of_birth=None)  # no GFE without a date of birth
    assert renewal_due(estimate=uninsured, today=cascade.today()) is None


def test_the_renewal_date_skips_weekends_and_federal_holidays(cascade: Clinic) -> None:  # noqa: F811
    (estimate,) = _issue(1)
    first = dt.date.fromisoformat(estimate.result_data["schedule"][0])
    assert first == dt.date(2026, 12, 2)  # a Wednesday, a week after the suite's today
    assert renewal_due(estimate=estimate, today=cascade.today()) == dt.date(2026, 12, 1)
    # Sessions after a holiday: Friday Dec 25 (Christmas) is skipped, and the weekend.
    holiday = dt.date(2026, 12, 28)
    assert business_days_before(holiday, 1) == dt.date(2026, 12, 24)


def _login(client: Any, django_user_model: Any, role: str) -> Any:
    roles_ensure()
    user = django_user_model.objects.create_user(role, password="pw-role-123", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def test_billing_manager_renews_from_the_affected_list_and_patients_get_the_renewal(
    cascade: Clinic,  # noqa: F811
    client: Any,
    django_user_model: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    (old,) = _issue(1)
    _raise_price(cascade)
    repricing_run(clinic_ids=[cascade.pk], cause="rise")
    manager = _login(client, django_user_model, BILLING_MANAGER)
    page = client.get(reverse(REPRICINGS)).content.decode()
    due = renewal_due(estimate=old, today=cascade.today())
    assert due is not None
    assert "renew_selected" in page and "Renew GFE by" in page and date_text(due) in page
    row = EstimateRepricing.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(REPRICINGS), {"action": "renew_clinic", "_selected_action": [row.pk]})
    new = Estimate.objects.get(supersedes=old)
    assert new.created_by == manager and new.status == "issued"
    assert not EstimateRepricing.objects.exists()
    assert not EstimateEmail.objects.exists()  # renewed without email


def test_renew_and_email_sends_each_patient_the_new_estimate_with_a_link(
    cascade: Clinic,  # noqa: F811
    client: Any,
    django_user_model: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    old = estimate_issue(estimate=priced_estimate(email="pat@example.com"), by="test")
    _raise_price(cascade)
    repricing_run(clinic_ids=[cascade.pk], cause="rise")
    _login(client, django_user_model, BILLING_MANAGER)
    row = EstimateRepricing.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse(REPRICINGS),
            {"action": "renew_selected_and_email", "_selected_action": [row.pk]},
        )
    new = Estimate.objects.get(supersedes=old)
    (message,) = mail.outbox
    assert new.reference in message.subject and message.to == ["pat@example.com"]
    assert EstimateEmail.objects.get().status == "sent"
    assert PatientLink.objects.get().estimate == new


def test_front_desk_sees_the_list_but_cannot_renew(
    cascade: Clinic,  # noqa: F811
    client: Any,
    django_user_model: Any,
) -> None:
    (old,) = _issue(1)
    _raise_price(cascade)
    repricing_run(clinic_ids=[cascade.pk], cause="rise")
    _login(client, django_user_model, FRONT_DESK)
    page = client.get(reverse(REPRICINGS))
    assert page.status_code == 200 and b"renew_selected" not in page.content
    row = EstimateRepricing.objects.get()
    client.post(reverse(REPRICINGS), {"action": "renew_selected", "_selected_action": [row.pk]})
    assert not Estimate.objects.filter(supersedes=old).exists()
