"""The quote page offers only the notice that applies, and refuses a GFE request that does not."""

from __future__ import annotations

from typing import Any

import pytest

from estimator.models import Clinic, GoodFaithEstimateRequest, InsurancePlan

from .conftest import SELF_PAY, url

pytestmark = pytest.mark.django_db

PATIENT = {
    "name": "Ada Lovelace",
    "date_of_birth": "1985-12-10",
    "email": "ada@example.com",
    "consent": "on",
    "website": "",
}
FAR = {**SELF_PAY, "start": "2026-12-14"}  # 12 business days after the suite's today


def answers(clinic: Clinic, plan: str | None = None, **changes: Any) -> dict[str, Any]:
    if plan is None:
        return {**FAR, **changes}
    chosen = InsurancePlan.objects.get(clinic=clinic, name=plan)
    return {**FAR, "coverage": "insured", "plan": chosen.pk, **changes}


def notice_kind(page: str) -> str:
    return page.split('data-notice="', 1)[1].split('"', 1)[0]


def test_self_pay_is_offered_the_gfe_due_before_the_first_visit(client, cascade):
    page = client.get(url(answers=answers(cascade))).content.decode()
    assert notice_kind(page) == "good_faith_estimate"
    assert 'id="g-form"' in page
    # Wednesday + 3 business days, Thanksgiving skipped: Tuesday 1 December.
    assert '<strong data-testid="gfe-due">Dec 1, 2026</strong>' in page


def test_a_visit_3_to_9_business_days_ahead_is_promised_within_1_business_day(client, cascade):
    page = client.get(url(answers=answers(cascade, start="2026-12-03"))).content.decode()
    assert '<strong data-testid="gfe-due">Nov 27, 2026</strong>' in page


def test_a_visit_fewer_than_3_business_days_ahead_says_no_gfe_is_required(client, cascade):
    page = client.get(url(answers=answers(cascade, start="2026-11-30"))).content.decode()
    assert notice_kind(page) == "good_faith_estimate"
    assert "no Good Faith Estimate is required before it" in page
    assert 'id="g-form"' not in page
    response = client.post(
        "/quote/cascade/request/", {**answers(cascade, start="2026-11-30"), **PATIENT}
    )
    assert response.status_code == 409
    assert not GoodFaithEstimateRequest.objects.exists()


@pytest.mark.parametrize(
    ("slug", "plan", "kind", "says"),
    [
        ("cascade", "Preferred PPO", "check_with_plan", "Check it with your plan"),
        ("cascade", "Part B", "abn", "Advance Beneficiary Notice"),
        ("harbour", None, "itemised_estimate", "a receipt your extended-health plan accepts"),
    ],
)
def test_patients_not_owed_a_gfe_see_what_they_get_instead_and_cannot_request_one(
    client, starter_catalog, slug, plan, kind, says
):
    clinic = Clinic.objects.get(slug=slug)
    chosen = answers(clinic, plan)
    if slug == "harbour":
        chosen = {**chosen, "service": "ims", "add_on": []}
    page = client.get(url(slug, answers=chosen)).content.decode()
    assert notice_kind(page) == kind
    assert says in page.replace("&#x27;", "'")
    assert 'id="g-form"' not in page and "within 3 business days" not in page
    response = client.post(f"/quote/{slug}/request/", {**chosen, **PATIENT})
    assert response.status_code == 409
    refused = response.content.decode()
    assert 'id="gfe-refusal"' in refused
    assert "A Good Faith Estimate does not apply" in refused
    assert not GoodFaithEstimateRequest.objects.exists()


def test_the_confirmation_promises_the_stored_due_date_and_the_renewal(client, cascade):
    response = client.post("/quote/cascade/request/", {**answers(cascade), **PATIENT})
    assert response.status_code == 302
    stored = GoodFaithEstimateRequest.objects.get()
    assert str(stored.due_on) == "2026-12-01" and str(stored.renew_by) == "2026-12-11"
    page = client.get(response["Location"]).content.decode()
    assert "by <strong>Dec 1, 2026</strong>, before your first visit" in page
    assert "by <strong>Dec 11, 2026</strong>, at least 1 business day before it" in page


def test_overdue_requests_stand_out_in_admin(staff_client, cascade, clock):
    staff_client.post("/quote/cascade/request/", {**answers(cascade), **PATIENT})
    stored = GoodFaithEstimateRequest.objects.get()
    listing = "/admin/estimator/goodfaithestimaterequest/"
    assert stored.reference not in staff_client.get(listing + "?due=overdue").content.decode()
    clock.move_to("2026-12-02T20:00:00Z")  # the day after it was due
    page = staff_client.get(listing).content.decode()
    assert "Dec 1, 2026 — OVERDUE" in page
    stored.status = "in_progress"
    stored.save()
    overdue = staff_client.get(listing + "?due=overdue").content.decode()
    assert stored.reference in overdue  # new or in progress
    stored.status = "sent"
    stored.save()
    answered = staff_client.get(listing + "?due=overdue&status=all").content.decode()
    assert stored.reference not in answered
