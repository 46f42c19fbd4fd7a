"""An issued, void or superseded estimate is a record: no path changes or deletes what it said."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from estimator.models import Estimate, IntegrationKey, ServiceType
from estimator.models.base import RecordLocked
from estimator.services import estimate_issue, estimate_void

from .factories import priced_estimate

pytestmark = pytest.mark.django_db

LOCKED = ["issued", "void"]


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 6, 15, 18, 0, tzinfo=dt.UTC), tick=False):
        yield


def make(status: str) -> Estimate:
    """A priced estimate moved to status by the services, as staff would."""
    estimate = priced_estimate(diagnosis_codes=("M54.50",), email="pat@example.com")
    if status in ("issued", "void"):
        estimate = estimate_issue(estimate=estimate, by="test")
    if status == "void":
        estimate = estimate_void(estimate=estimate, by="test", reason="Patient moved away")
    return estimate


def stored(estimate: Estimate) -> dict[str, Any]:
    """Everything the database holds for estimate, to compare before and after an attempt."""
    return dict(Estimate._base_manager.filter(pk=estimate.pk).values().get())


PRINTED_CHANGES: dict[str, Any] = {
    "patient_name": "Someone Else",
    "patient_date_of_birth": dt.date(1990, 1, 1),
    "diagnosis_codes": ["M79.18"],
    "patient_email": "other@example.com",
    "patient_phone": "503-555-0000",
    "external_reference": "CHART-9",
    "sessions": 9,
    "request_data": {},
    "result_data": {},
}


# ---- ORM ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", LOCKED)
def test_saving_a_changed_printed_field_of_a_locked_estimate_is_refused(
    starter_catalog: Any, status: str
) -> None:
    estimate = make(status)
    before = stored(estimate)
    for field, value in PRINTED_CHANGES.items():
        changed = Estimate.objects.get(pk=estimate.pk)
        setattr(changed, field, value)
        with pytest.raises(RecordLocked) as caught:
            changed.save()
        assert list(caught.value.message_dict) == [field]
        assert "supersedes" in caught.value.message_dict[field][0]
        with pytest.raises(ValidationError):
            changed.full_clean()
    assert stored(estimate) == before


@pytest.mark.parametrize("status", LOCKED)
def test_a_locked_estimate_never_goes_back_to_draft(starter_catalog: Any, status: str) -> None:
    estimate = make(status)
    estimate.status = "draft"
    with pytest.raises(RecordLocked):
        estimate.save()
    assert stored(estimate)["status"] == status


def test_a_void_estimate_stays_void(starter_catalog: Any) -> None:
    estimate = make("void")
    estimate.void_reason = "Something else"
    with pytest.raises(RecordLocked):
        estimate.save()
    with pytest.raises(ValidationError):
        estimate_void(estimate=estimate, by="test", reason="again")


@pytest.mark.parametrize("status", LOCKED)
def test_internal_notes_stay_editable(starter_catalog: Any, status: str) -> None:
    estimate = make(status)
    estimate.notes = "Patient called; copy sent by post."
    estimate.save()
    Estimate.objects.filter(pk=estimate.pk).update(notes="Second call.")
    assert stored(estimate)["notes"] == "Second call."


def test_a_draft_stays_editable(starter_catalog: Any) -> None:
    estimate = make("draft")
    estimate.patient_name = "Pat Corrected"
    estimate.save()
    Estimate.objects.filter(pk=estimate.pk).update(patient_name="Pat Again")
    assert stored(estimate)["patient_name"] == "Pat Again"
    estimate.delete()
    assert not Estimate.objects.exists()


@pytest.mark.parametrize("status", LOCKED)
@pytest.mark.parametrize(
    "change", [{"patient_name": "X"}, {"status": "draft"}, {"diagnosis_codes": []}]
)
def test_queryset_update_of_a_locked_estimate_is_refused(
    starter_catalog: Any, status: str, change: dict[str, Any]
) -> None:
    estimate = make(status)
    draft = make("draft")
    before = stored(estimate)
    with pytest.raises(RecordLocked):
        Estimate.objects.filter(pk__in=[estimate.pk, draft.pk]).update(**change)
    assert stored(estimate) == before


@pytest.mark.parametrize("status", LOCKED)
def test_delete_of_a_locked_estimate_is_refused(starter_catalog: Any, status: str) -> None:
    estimate = make(status)
    with pytest.raises(RecordLocked, match="cannot be deleted"):
        estimate.delete()
    with pytest.raises(RecordLocked):
        Estimate.objects.all().delete()
    assert Estimate.objects.filter(pk=estimate.pk).exists()


# ---- the database itself -----------------------------------------------------------------------


def _refused_by_database(action: Callable[[], Any]) -> None:
    refused = pytest.raises(IntegrityError, match="estimator: an issued, void or superseded")
    with refused, transaction.atomic():
        action()


def _sql(statement: str, *params: Any) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    return run


RAW_CHANGES: dict[str, Any] = {
    "patient_name": "Someone Else",
    "patient_date_of_birth": dt.date(1990, 1, 1),
    "diagnosis_codes": '["M79.18"]',
    "total_charge": "1.00",
    "status": "draft",
    "issued_at": None,
}


@pytest.mark.parametrize("status", LOCKED)
def test_raw_sql_update_of_a_locked_estimate_is_refused(starter_catalog: Any, status: str) -> None:
    estimate = make(status)
    before = stored(estimate)
    for column, value in RAW_CHANGES.items():
        statement = f"UPDATE estimator_estimate SET {column} = %s WHERE id = %s"  # noqa: S608
        _refused_by_database(_sql(statement, value, estimate.pk))
    assert stored(estimate) == before


@pytest.mark.parametrize("status", LOCKED)
def test_raw_sql_delete_of_a_locked_estimate_is_refused(starter_catalog: Any, status: str) -> None:
    estimate = make(status)
    _refused_by_database(_sql("DELETE FROM estimator_estimate WHERE id = %s", estimate.pk))
    assert Estimate.objects.filter(pk=estimate.pk).exists()


@pytest.mark.parametrize("status", LOCKED)
def test_the_session_types_of_a_locked_estimate_cannot_change(
    starter_catalog: Any, status: str
) -> None:
    estimate = make(status)
    before = set(estimate.services.values_list("code", flat=True))
    other = ServiceType.objects.exclude(code__in=before).first()
    _refused_by_database(lambda: estimate.services.add(other))
    _refused_by_database(lambda: estimate.services.clear())
    table = "estimator_estimate_services"
    _refused_by_database(_sql(f"DELETE FROM {table} WHERE estimate_id = %s", estimate.pk))  # noqa: S608
    assert set(estimate.services.values_list("code", flat=True)) == before
    make("draft").services.clear()  # a draft's may


@pytest.mark.parametrize("status", LOCKED)
def test_orm_paths_around_the_model_reach_the_database_guard(
    starter_catalog: Any, status: str
) -> None:
    estimate = make(status)
    plain = Estimate._base_manager.filter(pk=estimate.pk)  # a QuerySet without the model's rules
    _refused_by_database(lambda: plain.update(patient_name="Someone Else"))
    _refused_by_database(lambda: plain._raw_delete(using="default"))
    assert stored(estimate)["patient_name"] == "Pat Example"


def test_the_database_lets_drafts_change_and_issued_estimates_be_voided(
    starter_catalog: Any,
) -> None:
    draft = make("draft")
    _sql("UPDATE estimator_estimate SET patient_name = %s WHERE id = %s", "Pat B", draft.pk)()
    issued = make("issued")
    estimate_void(estimate=issued, by="test", reason="Wrong clinic")
    _sql("UPDATE estimator_estimate SET notes = %s WHERE id = %s", "Filed", issued.pk)()
    assert stored(issued)["status"] == "void"
    draft.services.clear()
    _sql("DELETE FROM estimator_estimate WHERE id = %s", draft.pk)()


def test_deleting_the_key_that_created_an_issued_estimate_keeps_the_estimate(
    starter_catalog: Any,
) -> None:
    key, _ = IntegrationKey.objects.create_key(name="old integration", scope="read_write")
    estimate = make("issued")
    Estimate.objects.filter(pk=estimate.pk).update(api_key=key)
    key.delete()
    assert stored(estimate)["api_key_id"] is None


# ---- admin -------------------------------------------------------------------------------------


def change_url(estimate: Estimate) -> str:
    return reverse("admin:estimator_estimate_change", args=[estimate.pk])


@pytest.mark.parametrize("status", LOCKED)
def test_admin_change_form_shows_a_locked_estimate_read_only_but_for_notes(
    staff_client: Any, starter_catalog: Any, status: str
) -> None:
    estimate = make(status)
    page = staff_client.get(change_url(estimate)).content.decode()
    assert 'name="patient_name"' not in page
    assert 'name="notes"' in page
    response = staff_client.post(
        change_url(estimate),
        {"patient_name": "Someone Else", "diagnosis_codes": "M79.18", "notes": "Called."},
    )
    assert response.status_code == 302
    after = stored(estimate)
    assert after["patient_name"] == "Pat Example"
    assert after["diagnosis_codes"] == ["M54.50"]
    assert after["notes"] == "Called."


def test_admin_change_form_still_edits_a_draft(staff_client: Any, starter_catalog: Any) -> None:
    estimate = make("draft")
    response = staff_client.post(
        change_url(estimate),
        {"patient_name": "Pat Corrected", "diagnosis_codes": "M79.18", "notes": ""},
    )
    assert response.status_code == 302
    assert stored(estimate)["patient_name"] == "Pat Corrected"


@pytest.mark.parametrize("status", LOCKED)
def test_admin_delete_view_of_a_locked_estimate_is_refused(
    staff_client: Any, starter_catalog: Any, status: str
) -> None:
    estimate = make(status)
    url = reverse("admin:estimator_estimate_delete", args=[estimate.pk])
    assert "Delete</a>" not in staff_client.get(change_url(estimate)).content.decode()
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert Estimate.objects.filter(pk=estimate.pk).exists()


@pytest.mark.parametrize("status", LOCKED)
def test_admin_delete_selected_refuses_a_locked_estimate_and_says_why(
    staff_client: Any, starter_catalog: Any, status: str
) -> None:
    estimate = make(status)
    draft = make("draft")
    response = staff_client.post(
        reverse("admin:estimator_estimate_changelist"),
        {"action": "delete_selected", "_selected_action": [estimate.pk, draft.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert f"Estimate {estimate.reference} is" in response.content.decode()
    assert Estimate.objects.count() == 2


def test_admin_delete_selected_deletes_drafts(staff_client: Any, starter_catalog: Any) -> None:
    draft = make("draft")
    staff_client.post(
        reverse("admin:estimator_estimate_changelist"),
        {"action": "delete_selected", "_selected_action": [draft.pk], "post": "yes"},
    )
    assert not Estimate.objects.exists()


@pytest.mark.parametrize("status", LOCKED)
def test_history_revert_of_a_locked_estimate_is_refused_but_history_is_shown(
    staff_client: Any, starter_catalog: Any, status: str
) -> None:
    estimate = make(status)
    draft_version = estimate.history.filter(status="draft").earliest("history_date")
    history = reverse("admin:estimator_estimate_history", args=[estimate.pk])
    version = reverse(
        "admin:estimator_estimate_simple_history", args=[estimate.pk, draft_version.history_id]
    )
    assert staff_client.get(history).status_code == 200
    page = staff_client.get(version)
    assert page.status_code == 200
    assert "Press the 'Revert' button" not in page.content.decode()
    response = staff_client.post(
        version, {"patient_name": "Pat Example", "diagnosis_codes": "M54.50", "notes": ""}
    )
    assert response.status_code == 302
    assert stored(estimate)["status"] == status
    followed = staff_client.get(response["Location"]).content.decode()
    assert "cannot be reverted" in followed


# ---- API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_offers_no_way_to_change_or_delete_an_estimate(
    starter_catalog: Any, method: str
) -> None:
    estimate = make("issued")
    _, raw = IntegrationKey.objects.create_key(name="billing", scope="read_write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    url = reverse("api:estimate-detail", args=[estimate.reference])
    response = getattr(client, method)(url, {"patient": {"name": "X"}}, format="json")
    assert response.status_code == 405
    assert stored(estimate)["patient_name"] == "Pat Example"
    assert client.get(url).json()["status"] == "issued"
