"""Per-IP limits on quote and request submissions, kept in the cache, with a friendly 429."""

from __future__ import annotations

import pytest

from estimator.models import GoodFaithEstimateRequest

from .conftest import SELF_PAY, url
from .test_gfe_request import PATIENT

pytestmark = pytest.mark.django_db


def test_quote_submissions_past_the_limit_get_a_friendly_429(client, cascade, settings):
    settings.ESTIMATOR_QUOTE_RATE = "3/m"
    for _ in range(3):
        assert client.get(url(answers=SELF_PAY)).status_code == 200
    response = client.get(url(answers=SELF_PAY))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert b"Please wait a moment" in response.content
    # The PDF counts against the same limit.
    assert client.get(url(answers=SELF_PAY, page="estimate.pdf")).status_code == 429


def test_the_blank_form_is_never_limited(client, cascade, settings):
    settings.ESTIMATOR_QUOTE_RATE = "1/m"
    for _ in range(3):
        assert client.get(url()).status_code == 200


def test_limits_are_per_address(client, cascade, settings):
    settings.ESTIMATOR_QUOTE_RATE = "1/m"
    assert client.get(url(answers=SELF_PAY)).status_code == 200
    assert client.get(url(answers=SELF_PAY)).status_code == 429
    other = client.get(url(answers=SELF_PAY), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


def test_a_forged_x_forwarded_for_does_not_reset_the_limit(client, cascade, settings):
    settings.ESTIMATOR_QUOTE_RATE = "1/m"
    assert client.get(url(answers=SELF_PAY), HTTP_X_FORWARDED_FOR="x1").status_code == 200
    for forged in ("x2", "198.51.100.4", "198.51.100.5, 198.51.100.6"):
        response = client.get(url(answers=SELF_PAY), HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 429


def test_gfe_requests_past_the_limit_get_a_429_and_nothing_is_stored(client, cascade, settings):
    settings.ESTIMATOR_GFE_REQUEST_RATE = "2/h"
    for _ in range(2):
        response = client.post(
            "/quote/cascade/request/", {**SELF_PAY, "start": "2026-12-14", **PATIENT}
        )
        assert response.status_code == 302
    response = client.post(
        "/quote/cascade/request/", {**SELF_PAY, "start": "2026-12-14", **PATIENT}
    )
    assert response.status_code == 429
    assert GoodFaithEstimateRequest.objects.count() == 2
