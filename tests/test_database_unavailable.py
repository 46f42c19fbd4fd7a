"""A database error answers 503 with Retry-After (problem+json in the API), never a 500.

tests/test_faults.py cuts a real PostgreSQL under a running server; these check the same
answers in-process on any database.
"""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def _fail(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_api_answers_503_problem_when_the_database_fails(
    client, starter_catalog, monkeypatch, error
):
    def fail(*args, **kwargs):
        raise error("connection already closed")

    monkeypatch.setattr("estimator.api.selectors.clinics_list", fail)
    response = client.get("/api/v1/clinics")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:problem-type:estimator:unavailable"
    assert response["Retry-After"] == "5"


def test_the_quote_page_answers_a_readable_503(client, starter_catalog, monkeypatch):
    monkeypatch.setattr("estimator.web.views.quote_options_current", _fail)
    response = client.get("/quote/cascade/")
    assert response.status_code == 503
    assert b"Back in a moment" in response.content
    assert response["Retry-After"] == "5"


def test_other_errors_are_still_500s(client, starter_catalog, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("estimator.api.selectors.clinics_list", broken)
    client.raise_request_exception = False
    assert client.get("/api/v1/clinics").status_code == 500
