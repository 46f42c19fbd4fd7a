"""Every method on every /api/ address answers problem+json when it is an error; 405 says Allow."""

from __future__ import annotations

import pytest
from django.test import Client

from estimator.models import IntegrationKey
from tests.api.conftest import auth

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"]
# Each address with the methods it answers (HEAD and OPTIONS come with GET; OPTIONS with POST).
KNOWN = {
    "/api/v1/clinics": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/services": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/add-ons": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/payers": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/plans": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/quotes": {"POST", "OPTIONS"},
    "/api/v1/quotes/summary": {"POST", "OPTIONS"},
    "/api/v1/estimates": {"GET", "HEAD", "POST", "OPTIONS"},
    "/api/v1/estimates/EST-NOTHERE": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/estimates/EST-NOTHERE/emails": {"POST", "OPTIONS"},
    "/api/v1/estimates/EST-NOTHERE/billed-charges": {"POST", "OPTIONS"},
    "/api/v1/estimates/EST-NOTHERE/fhir": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/schema/": {"GET", "HEAD", "OPTIONS"},
    "/api/v1/docs/": {"GET", "HEAD", "OPTIONS"},
}
UNKNOWN = ["/api/", "/api/v1/", "/api/v1/nothing-here", "/api/v2/quotes", "/api/v1/quotes/"]


@pytest.fixture
def keys(db):
    """A read_write and a read key; no catalog is needed to refuse a method."""
    return [
        auth(str(IntegrationKey.objects.create_key(name=scope, scope=scope)[1]))
        for scope in ("read_write", "read")
    ]


def _is_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    if response.request["REQUEST_METHOD"] != "HEAD":
        assert response.json()["status"] == status


def test_the_table_covers_every_documented_operation(api):
    paths = api.get("/api/v1/schema/?format=json").json()["paths"]
    documented = {path.replace("{reference}", "EST-NOTHERE") for path in paths}
    assert documented <= set(KNOWN)
    for path, operations in paths.items():
        allowed = KNOWN[path.replace("{reference}", "EST-NOTHERE")]
        assert {method.upper() for method in operations} <= allowed, path


def test_a_method_an_address_lacks_is_a_405_problem_with_allow(keys):
    # Anonymous and with a key alike: the method is refused before the key is looked at.
    for headers in ({}, *keys):
        client = Client(enforce_csrf_checks=True, **headers)
        for path, method in [(path, method) for path in KNOWN for method in METHODS]:
            if method in KNOWN[path]:
                continue
            response = client.generic(method, path)
            _is_problem(response, 405)
            assert set(response["Allow"].split(", ")) == KNOWN[path], (path, method)


def test_every_method_on_an_unknown_address_is_a_404_problem(db):
    client = Client(enforce_csrf_checks=True)
    for path in UNKNOWN:
        for method in METHODS:
            _is_problem(client.generic(method, path), 404)


def test_errors_on_the_methods_an_address_has_are_problems_too(keys):
    anonymous, reader = Client(enforce_csrf_checks=True), Client(**keys[1])
    for method in ("GET", "HEAD", "POST", "OPTIONS"):
        _is_problem(anonymous.generic(method, "/api/v1/estimates"), 401)
    _is_problem(reader.post("/api/v1/estimates", {}, content_type="application/json"), 403)
    _is_problem(reader.get("/api/v1/estimates/EST-NOTHERE"), 404)
    _is_problem(reader.head("/api/v1/estimates/EST-NOTHERE"), 404)
    _is_problem(anonymous.post("/api/v1/quotes", "{", content_type="application/json"), 400)
    _is_problem(anonymous.get("/api/v1/plans?payer=x"), 400)
