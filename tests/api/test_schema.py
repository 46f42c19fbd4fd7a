"""The OpenAPI schema and its docs pages: complete, documented errors, served offline."""

from __future__ import annotations

import re

import pytest

from estimator import pricing
from estimator.api import serializers

pytestmark = pytest.mark.django_db

OPERATIONS = [
    ("/api/v1/clinics", "get"),
    ("/api/v1/services", "get"),
    ("/api/v1/add-ons", "get"),
    ("/api/v1/payers", "get"),
    ("/api/v1/plans", "get"),
    ("/api/v1/quotes", "post"),
    ("/api/v1/estimates", "get"),
    ("/api/v1/estimates", "post"),
    ("/api/v1/estimates/{reference}", "get"),
]


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_every_operation_documents_problem_json_errors(schema):
    for path, method in OPERATIONS:
        responses = schema["paths"][path][method]["responses"]
        for code in ("400", "401", "403", "404", "429"):
            assert "application/problem+json" in responses[code]["content"], (path, code)
        if method == "post":
            for code in ("413", "422"):
                assert "application/problem+json" in responses[code]["content"], (path, code)


def test_api_key_security_scheme_is_documented(schema):
    scheme = schema["components"]["securitySchemes"]["ApiKeyAuth"]
    assert scheme == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": scheme["description"],
    }
    estimates = schema["paths"]["/api/v1/estimates"]["post"]
    assert {"ApiKeyAuth": []} in estimates["security"]


def test_idempotency_key_header_is_documented(schema):
    params = schema["paths"]["/api/v1/estimates"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)


def test_quote_request_has_examples(schema):
    content = schema["paths"]["/api/v1/quotes"]["post"]["requestBody"]["content"]
    assert content["application/json"]["examples"]


def test_documented_totals_match_the_engines_totals():
    assert set(serializers.TotalsOut().fields) == set(pricing.Totals.__slots__)


def test_swagger_ui_uses_only_local_static_files(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    assert all(url.startswith("/static/") or url.startswith("/api/") for url in urls), urls
    assert "cdn" not in html.lower()


def test_swagger_static_files_are_served(client):
    response = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert response.status_code == 200
