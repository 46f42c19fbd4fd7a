"""A correction is a new estimate that supersedes the issued one, which stays as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from estimator.documents.gfe import gfe_problems
from estimator.models import Estimate, IntegrationKey
from estimator.models.base import RecordLocked
from estimator.services import (
    PatientDetails,
    estimate_issue,
    estimate_supersede,
    estimate_void,
)

from .factories import priced_estimate, self_pay_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 6, 15, 18, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def issued(starter_catalog: Any) -> Estimate:
    estimate = priced_estimate(name="Pat Exampel", diagnosis_codes=("M54.50",))
    return estimate_issue(estimate=estimate, by="test")


CORRECTED = PatientDetails(
    name="Pat Example", date_of_birth=dt.date(1980, 5, 17), diagnosis_codes=("M79.18",)
)


def test_correcting_makes_a_superseding_draft_and_keeps_the_old_one(issued: Estimate) -> None:
    before = dict(Estimate.objects.values().get(pk=issued.pk))
    draft = estimate_supersede(
        estimate=issued, by="front desk", reason="Name misspelt", patient=CORRECTED
    )
    old = Estimate.objects.get(pk=issued.pk)
    assert old.status == "superseded"
    assert old.superseded_by_reference == draft.reference
    assert (old.reference, old.patient_name) == (issued.reference, "Pat Exampel")
    after = dict(Estimate.objects.values().get(pk=issued.pk))
    assert {k for k in after if after[k] != before[k]} <= {"status", "updated_at"}
    assert after["status"] != before["status"]
    assert draft.status == "draft"
    assert draft.supersedes == old and draft.supersedes_reference == issued.reference
    assert (draft.patient_name, draft.diagnosis_codes) == ("Pat Example", ["M79.18"])
    assert draft.result_data == old.result_data and draft.patient_total == old.patient_total
    assert set(draft.services.all()) == set(old.services.all())
    assert "Name misspelt" in old.history.first().history_change_reason


def test_a_correction_without_new_details_copies_the_patient(issued: Estimate) -> None:
    draft = estimate_supersede(estimate=issued, by="test", reason="Reissue")
    assert (draft.patient_name, draft.patient_date_of_birth) == (
        issued.patient_name,
        issued.patient_date_of_birth,
    )


def test_a_correction_can_be_repriced(issued: Estimate) -> None:
    quote_input = self_pay_plan(issued.clinic, sessions=4, days=14)
    draft = estimate_supersede(
        estimate=issued, by="test", reason="Four sessions", quote_input=quote_input
    )
    assert draft.sessions == 4 and draft.supersedes_id == issued.pk
    assert draft.total_charge.amount == 2 * issued.total_charge.amount


def test_the_correction_is_issued_and_can_be_corrected_in_turn(issued: Estimate) -> None:
    draft = estimate_supersede(estimate=issued, by="test", reason="typo", patient=CORRECTED)
    second = estimate_supersede(
        estimate=estimate_issue(estimate=draft, by="test"), by="test", reason="another typo"
    )
    assert second.supersedes_id == draft.pk
    assert Estimate.objects.get(pk=draft.pk).status == "superseded"


@pytest.mark.parametrize("status", ["draft", "void", "superseded"])
def test_only_an_issued_estimate_is_corrected_this_way(issued: Estimate, status: str) -> None:
    if status == "draft":
        estimate = priced_estimate()
    elif status == "void":
        estimate = estimate_void(estimate=issued, by="test", reason="moved")
    else:
        estimate_supersede(estimate=issued, by="test", reason="typo")
        estimate = Estimate.objects.get(pk=issued.pk)
    with pytest.raises(ValidationError) as caught:
        estimate_supersede(estimate=estimate, by="test", reason="again")
    assert "status" in caught.value.message_dict
    assert Estimate.objects.filter(supersedes=estimate).count() == (status == "superseded")


def test_a_correction_needs_a_reason(issued: Estimate) -> None:
    with pytest.raises(ValidationError) as caught:
        estimate_supersede(estimate=issued, by="test", reason="  ")
    assert "reason" in caught.value.message_dict
    assert Estimate.objects.get(pk=issued.pk).status == "issued"


def test_a_superseded_estimate_is_locked(issued: Estimate) -> None:
    estimate_supersede(estimate=issued, by="test", reason="typo")
    old = Estimate.objects.get(pk=issued.pk)
    with pytest.raises(ValidationError):
        estimate_void(estimate=old, by="test", reason="no")
    old.status = "issued"
    with pytest.raises(RecordLocked):
        old.save()
    with pytest.raises(RecordLocked):
        Estimate.objects.get(pk=issued.pk).delete()


def test_a_superseded_estimate_points_to_its_correction_instead_of_a_gfe(
    issued: Estimate,
) -> None:
    draft = estimate_supersede(estimate=issued, by="test", reason="typo")
    problems = gfe_problems(estimate=Estimate.objects.get(pk=issued.pk))
    assert draft.reference in " ".join(problems)


# ---- admin -------------------------------------------------------------------------------------


def test_admin_action_corrects_and_opens_the_draft(staff_client: Any, issued: Estimate) -> None:
    response = staff_client.post(
        reverse("admin:estimator_estimate_changelist"),
        {"action": "supersede_selected", "_selected_action": [issued.pk]},
    )
    draft = Estimate.objects.get(supersedes=issued)
    assert response["Location"] == reverse("admin:estimator_estimate_change", args=[draft.pk])
    page = staff_client.get(response["Location"]).content.decode()
    assert f"{issued.reference} is superseded by the draft {draft.reference}" in page
    assert 'name="patient_name"' in page  # the draft is editable


def test_admin_correct_button_on_an_issued_estimate(staff_client: Any, issued: Estimate) -> None:
    change = reverse("admin:estimator_estimate_change", args=[issued.pk])
    correct = reverse("admin:estimator_estimate_correct", args=[issued.pk])
    assert (
        "Correct (new estimate superseding this one)" in staff_client.get(change).content.decode()
    )
    assert staff_client.get(correct).status_code == 403
    response = staff_client.post(correct)
    draft = Estimate.objects.get(supersedes=issued)
    assert response["Location"] == reverse("admin:estimator_estimate_change", args=[draft.pk])
    old_page = staff_client.get(change).content.decode()
    assert draft.reference in old_page
    assert "Correct (new estimate superseding this one)" not in old_page


def test_admin_correcting_a_draft_says_why_not(staff_client: Any, starter_catalog: Any) -> None:
    draft = priced_estimate()
    response = staff_client.post(
        reverse("admin:estimator_estimate_correct", args=[draft.pk]), follow=True
    )
    assert "edit a draft directly" in response.content.decode()
    assert not Estimate.objects.filter(supersedes=draft).exists()


# ---- API ---------------------------------------------------------------------------------------


def test_the_api_names_both_ends_of_a_correction(issued: Estimate) -> None:
    draft = estimate_supersede(estimate=issued, by="test", reason="typo")
    _, raw = IntegrationKey.objects.create_key(name="reader", scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    old = client.get(reverse("api:estimate-detail", args=[issued.reference])).json()
    new = client.get(reverse("api:estimate-detail", args=[draft.reference])).json()
    assert (old["status"], old["superseded_by"], old["supersedes"]) == (
        "superseded",
        draft.reference,
        None,
    )
    assert (new["status"], new["supersedes"], new["superseded_by"]) == (
        "draft",
        issued.reference,
        None,
    )
    listed = client.get(reverse("api:estimate-list"), {"status": "superseded"}).json()
    assert [e["superseded_by"] for e in listed["results"]] == [draft.reference]
