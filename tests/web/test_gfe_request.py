"""Requesting a formal Good Faith Estimate from the quote page."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.test import Client

from estimator.business_days import business_days_after
from estimator.models import GoodFaithEstimateRequest, RequestStatus

from .conftest import SELF_PAY, engine_quote, url

pytestmark = pytest.mark.django_db

# 12 business days after the suite's today (Thanksgiving, 2026-11-26, is not one): a GFE is
# owed within 3 business days, well before the visit.
GFE_START = "2026-12-14"
ASKED = {**SELF_PAY, "start": GFE_START}

PATIENT = {
    "name": "Ada  Lovelace",
    "date_of_birth": "1985-12-10",
    "email": "ada@example.com",
    "phone": "(503) 555-0199",
    "consent": "on",
    "website": "",
}


def post(client: Client, **changes: Any) -> Any:
    return client.post("/quote/cascade/request/", {**ASKED, **PATIENT, **changes})


def test_the_quote_page_offers_the_request_form_with_csrf(client, cascade):
    page = client.get(url(answers=ASKED)).content.decode()
    assert 'action="/quote/cascade/request/#gfe"' in page
    assert "csrfmiddlewaretoken" in page
    assert 'name="date_of_birth"' in page


def test_a_request_is_stored_with_the_quote_and_confirmed_without_details_in_the_url(
    client, cascade
):
    response = post(client)
    assert response.status_code == 302
    location = response["Location"]
    assert location == "/quote/cascade/request/sent/"
    stored = GoodFaithEstimateRequest.objects.get()
    assert stored.patient_name == "Ada Lovelace"
    assert stored.patient_date_of_birth == dt.date(1985, 12, 10)
    assert stored.patient_email == "ada@example.com"
    assert stored.status == RequestStatus.NEW and stored.consent
    quote = engine_quote(cascade, start=GFE_START)
    assert stored.patient_total.amount == quote.estimate.primary.totals.patient_pays
    assert stored.result_data == quote.result_data()
    assert stored.request_data["items"][0]["service"] == "dry-needling-1-2"
    sent = client.get(location)
    assert sent.status_code == 200
    page = sent.content.decode()
    assert stored.reference in page
    due = business_days_after(cascade.today(), 3)
    assert f"{due:%b} {due.day}, {due.year}" in page
    assert "Ada" not in page and "ada@example.com" not in page


def test_the_confirmation_needs_the_session_that_sent_the_request(client, cascade):
    post(client)
    stranger = Client()
    response = stranger.get("/quote/cascade/request/sent/")
    assert response.status_code == 302
    assert response["Location"] == "/quote/cascade/"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter your full name."),
        ({"date_of_birth": "2030-01-01"}, "date_of_birth", "must be in the past"),
        ({"date_of_birth": "2026-11-25"}, "date_of_birth", "must be in the past"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth", "Check the year"),
        ({"date_of_birth": "10/12/85x"}, "date_of_birth", "as a date"),
        ({"email": "ada@"}, "email", "Enter an email address"),
        ({"phone": "call me"}, "phone", "Enter a phone number"),
        ({"phone": "12-34"}, "phone", "Enter a phone number"),
        ({"consent": ""}, "consent", "Tick the box"),
    ],
)
def test_invalid_details_are_refused_beside_their_field(client, cascade, changes, field, message):
    response = post(client, **changes)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="gfe-error-summary"' in page
    assert f'id="g-{field}-error"' in page
    assert message in page.replace("&#x27;", "'")
    assert GoodFaithEstimateRequest.objects.count() == 0
    # The estimate stays on the page while the patient corrects their details.
    assert 'id="estimate"' in page


def test_invalid_quote_answers_are_refused_too(client, cascade):
    response = post(client, sessions="0")
    assert response.status_code == 400
    assert 'id="f-sessions-error"' in response.content.decode()
    assert GoodFaithEstimateRequest.objects.count() == 0


def test_honeypot_silently_rejects_bots(client, cascade):
    response = post(client, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == "/quote/cascade/"
    assert GoodFaithEstimateRequest.objects.count() == 0


def test_csrf_is_enforced(cascade):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/quote/cascade/request/", {**ASKED, **PATIENT})
    assert response.status_code == 403
    assert GoodFaithEstimateRequest.objects.count() == 0


def test_get_is_not_allowed_on_the_request_endpoint(client, cascade):
    assert client.get("/quote/cascade/request/").status_code == 405


def test_personal_details_are_not_logged(client, cascade, caplog):
    with caplog.at_level(logging.DEBUG):
        post(client)
        client.get("/quote/cascade/request/sent/")
    assert "Lovelace" not in caplog.text and "ada@example.com" not in caplog.text


def test_new_requests_come_first_in_admin(staff_client, client, cascade):
    post(client)
    post(client, name="Grace Hopper", email="grace@example.com")
    page = staff_client.get("/admin/estimator/goodfaithestimaterequest/").content.decode()
    assert page.index("Grace Hopper") < page.index("Ada Lovelace") or (
        page.index(GoodFaithEstimateRequest.objects.first().reference)
        < page.index(GoodFaithEstimateRequest.objects.last().reference)
    )
