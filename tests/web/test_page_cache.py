"""The quote page asked again: answered from memory, with a CSRF token of its own each time."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from estimator.models import Clinic, GoodFaithEstimateRequest, ServicePrice

from .conftest import SELF_PAY, url

pytestmark = pytest.mark.django_db

# A first visit far enough ahead that the page offers the Good Faith Estimate request form
# (and so carries a CSRF token).
ASKED = {**SELF_PAY, "start": "2026-12-14"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _token(html: str) -> str:
    found = TOKEN.search(html)
    assert found is not None
    return found.group(1)


def test_the_same_answers_again_cost_one_query_and_carry_a_fresh_csrf_token(
    client: Client, cascade: Clinic
) -> None:
    first = client.get(url(answers=ASKED)).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url(answers=ASKED)).content.decode()
    assert len(queries) == 1  # the catalog version's token
    assert _token(again) != _token(first)
    assert TOKEN.sub("", again) == TOKEN.sub("", first)
    assert "\x00" not in again


def test_a_request_sent_from_a_page_served_from_memory_passes_the_csrf_check(
    cascade: Clinic,
) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.get(url(answers=ASKED))
    page = strict.get(url(answers=ASKED)).content.decode()
    patient: dict[str, Any] = {
        "name": "Ada Lovelace",
        "date_of_birth": "1985-12-10",
        "email": "ada@example.com",
        "consent": "on",
        "website": "",
        "csrfmiddlewaretoken": _token(page),
    }
    response = strict.post("/quote/cascade/request/", {**ASKED, **patient})
    assert response.status_code == 302
    assert GoodFaithEstimateRequest.objects.count() == 1


def test_a_price_change_shows_on_the_next_page(client: Client, cascade: Clinic) -> None:
    before = client.get(url(answers=SELF_PAY)).content.decode()
    ServicePrice.objects.filter(
        clinic=cascade, service__code="dry-needling-1-2", duration_minutes=30
    ).update(amount=F("amount") + 11)
    after = client.get(url(answers=SELF_PAY)).content.decode()
    assert TOKEN.sub("", after) != TOKEN.sub("", before)
