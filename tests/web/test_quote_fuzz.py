"""No input makes the quote page or its PDF fail: garbage answers get errors, never a 500."""

from __future__ import annotations

import pytest

from .conftest import SELF_PAY, url

pytestmark = pytest.mark.django_db

GARBAGE = [
    "sessions=1e9",
    "sessions=-1",
    "sessions=" + "9" * 5000,
    "sessions=NaN",
    "per_week=0",
    "per_week=99999999999999999999999",
    "per_week=3.5",
    "minutes=-15",
    "minutes=abc",
    "minutes=" + "1" * 400,
    "service=../../etc/passwd",
    "service=%00",
    "add_on=estim-unattended&add_on=estim-unattended",
    "add_on=" + "x" * 3000,
    "start=0000-00-00",
    "start=9999-12-31",
    "start=0001-01-01",
    "start=2026-02-30",
    "start=tomorrow",
    "coverage=everything",
    "coverage=insured&plan=abc",
    "coverage=insured&plan=-1",
    "coverage=insured&plan=99999999999999999999999",
    "coverage=insured&plan=1&deductible_met=1e999999",
    "coverage=insured&plan=1&deductible_met=Infinity",
    "coverage=insured&plan=1&deductible_met=NaN",
    "coverage=insured&plan=1&deductible_met=12.345",
    "coverage=insured&plan=1&deductible_met=" + "9" * 100,
    "area=neck&area=foot&service=ims&service=acupuncture",
    "sessions=6&sessions=7&per_week=1&per_week=2",
    "service=%ff%fe%fd&area=%c3%28",
    "start=%e2%82",
    "%ff=%ff",
    "sessions[]=6",
]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.ESTIMATOR_QUOTE_RATE = "100000/m"


# One test per page rather than one per input: each test loads the starter catalog.
@pytest.mark.parametrize("page", ["", "estimate.pdf"])
def test_garbage_answers_never_cause_a_server_error(client, cascade, page):
    base = url(answers=SELF_PAY, page=page).split("?", 1)[1]
    for garbage in GARBAGE:
        response = client.get(f"/quote/cascade/{page}", QUERY_STRING=f"{base}&{garbage}")
        # A NUL is refused before any page (estimator.middleware.RefuseNulBytes): 400.
        expected = (400,) if "%00" in garbage else (200, 302)
        assert response.status_code in expected, garbage
        alone = client.get(f"/quote/cascade/{page}", QUERY_STRING=garbage)
        assert alone.status_code in expected, garbage


def test_garbage_in_a_gfe_request_never_causes_a_server_error(client, cascade):
    body = {**SELF_PAY, "sessions": "9" * 5000, "date_of_birth": "9999-99-99", "email": "@"}
    response = client.post("/quote/cascade/request/", body)
    assert response.status_code == 400
