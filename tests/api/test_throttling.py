"""Rate limits: anonymous quotes, anonymous reads and each key; 429 with Retry-After."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.api.conftest import auth

pytestmark = pytest.mark.django_db


@override_settings(ESTIMATOR_RATE_QUOTES_ANON="2/min")
def test_anonymous_quotes_over_the_limit_get_429_with_retry_after(api, plan_request):
    for _ in range(2):
        assert api.post("/api/v1/quotes", plan_request, format="json").status_code == 200
    response = api.post("/api/v1/quotes", plan_request, format="json")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= 60


@override_settings(ESTIMATOR_RATE_QUOTES_ANON="1/min")
def test_key_holders_are_not_on_the_anonymous_quote_limit(reader, plan_request):
    for _ in range(3):
        assert reader.post("/api/v1/quotes", plan_request, format="json").status_code == 200


@override_settings(ESTIMATOR_RATE_KEY="2/min")
def test_each_key_has_its_own_limit(read_key, write_key):
    first, second = APIClient(), APIClient()
    first.credentials(**auth(read_key))
    second.credentials(**auth(write_key))
    assert [first.get("/api/v1/estimates").status_code for _ in range(3)] == [200, 200, 429]
    assert second.get("/api/v1/estimates").status_code == 200


@override_settings(ESTIMATOR_RATE_ANON="1/min")
def test_anonymous_catalog_reads_are_limited(api, starter_catalog):
    assert api.get("/api/v1/payers").status_code == 200
    response = api.get("/api/v1/payers")
    assert response.status_code == 429
    assert "Retry-After" in response
