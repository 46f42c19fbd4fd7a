"""Errors outside /api/ are the site's own pages: its layout, a viewport, and a way back."""

from __future__ import annotations

import pytest
from django.test import Client

from estimator.api.errors import handler500

pytestmark = pytest.mark.django_db


def _branded(html: str) -> None:
    assert 'name="viewport"' in html
    assert "estimator/quote.css" in html
    assert 'href="/quote/"' in html


def test_unknown_page_is_a_branded_404_with_a_way_back(client, starter_catalog):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    _branded(response.content.decode())
    assert "We can't find that page" in response.content.decode()


def test_unknown_api_address_stays_problem_json(client, starter_catalog):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_server_error_page_is_branded(rf):
    response = handler500(rf.get("/quote/cascade/"))
    assert response.status_code == 500
    _branded(response.content.decode())


def test_refused_csrf_check_on_the_request_form_is_a_branded_page(starter_catalog):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/quote/cascade/request/", {"name": "Ada"})
    assert response.status_code == 403
    html = response.content.decode()
    _branded(html)
    assert "Please send the form again" in html
