"""Idempotency-Key on POST /api/v1/estimates: replay, mismatch, and concurrent duplicates."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from estimator.models import Estimate, IdempotencyRecord, IntegrationKey
from tests.api.conftest import auth


def _post(client, body, key):
    return client.post("/api/v1/estimates", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response(writer, plan_request):
    first = _post(writer, plan_request, "order-1")
    again = _post(writer, plan_request, "order-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert Estimate.objects.count() == 1


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_422(writer, plan_request):
    assert _post(writer, plan_request, "order-2").status_code == 201
    changed = dict(plan_request, sessions_per_week=2)
    response = _post(writer, changed, "order-2")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "different" in response.json()["detail"]
    assert Estimate.objects.count() == 1


@pytest.mark.django_db
def test_key_order_and_whitespace_do_not_make_a_body_different(writer, plan_request):
    assert _post(writer, plan_request, "order-3").status_code == 201
    reordered = dict(reversed(list(plan_request.items())))
    assert _post(writer, reordered, "order-3").status_code == 201
    assert Estimate.objects.count() == 1


@pytest.mark.django_db
def test_different_keys_create_different_estimates(writer, plan_request):
    _post(writer, plan_request, "a")
    _post(writer, plan_request, "b")
    assert Estimate.objects.count() == 2


@pytest.mark.django_db
def test_keys_are_per_caller(writer, plan_request):
    _, other_raw = IntegrationKey.objects.create_key(name="other", scope="read_write")
    other = APIClient()
    other.credentials(**auth(other_raw))
    assert _post(writer, plan_request, "shared").status_code == 201
    assert _post(other, dict(plan_request, sessions_per_week=3), "shared").status_code == 201
    assert Estimate.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_request_does_not_use_up_the_key(writer, plan_request):
    bad = dict(plan_request, items=[dict(plan_request["items"][0], duration_minutes=45)])
    assert _post(writer, bad, "retry-me").status_code == 422
    assert IdempotencyRecord.objects.count() == 0
    assert _post(writer, plan_request, "retry-me").status_code == 201


@pytest.mark.django_db
def test_invalid_idempotency_key_is_a_400(writer, plan_request):
    response = _post(writer, plan_request, "x" * 256)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_exactly_one_estimate(write_key, plan_request):
    # PostgreSQL runs the requests truly at once (the unique constraint decides); SQLite cannot
    # write from two connections at once, so there the requests take turns.
    serialise = threading.Lock() if connection.vendor == "sqlite" else None
    barrier = threading.Barrier(4)
    results: list[tuple[int, dict]] = []

    def send() -> None:
        try:
            client = APIClient()
            client.credentials(**auth(write_key))
            barrier.wait()
            if serialise is not None:
                with serialise:
                    response = _post(client, plan_request, "race")
            else:
                response = _post(client, plan_request, "race")
            results.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in results] == [201] * 4, results
    assert len({body["reference"] for _, body in results}) == 1
    assert Estimate.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
