"""Rate limits: anonymous quotes, anonymous reads and each key; 429 with Retry-After."""

from __future__ import annotations

import threading

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from estimator.api.ratelimit import window_hit
from tests.api.conftest import auth

# Limits count in fixed windows of the clock: the clock starts each test at a window's start.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


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


@override_settings(ESTIMATOR_RATE_ANON="2/min")
def test_a_forged_x_forwarded_for_does_not_reset_the_anonymous_limit(api, starter_catalog):
    codes = [
        api.get("/api/v1/payers", HTTP_X_FORWARDED_FOR=forged).status_code
        for forged in ("x1", "x2", "198.51.100.1", "198.51.100.2, 198.51.100.3")
    ]
    assert codes == [200, 200, 429, 429]


@override_settings(ESTIMATOR_RATE_ANON="1/min", ESTIMATOR_TRUSTED_PROXIES=1)
def test_behind_one_trusted_proxy_the_address_it_saw_is_counted(api, starter_catalog):
    # The proxy appends the address it was called from; what the client wrote before it is noise.
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert api.get("/api/v1/payers", **first).status_code == 200
    forged = {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.7"}
    assert api.get("/api/v1/payers", **forged).status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.8"}
    assert api.get("/api/v1/payers", **other).status_code == 200


@override_settings(ESTIMATOR_RATE_BAD_KEY="3/min")
def test_wrong_keys_are_limited_per_address_and_then_even_a_right_key_waits(
    api, read_key, starter_catalog
):
    api.credentials(HTTP_AUTHORIZATION="Api-Key nope.wrong")
    codes = [api.get("/api/v1/estimates").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = api.get("/api/v1/estimates")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) >= 1
    # Guessing from this address stops, right guesses included; other addresses are not held up.
    api.credentials(**auth(read_key))
    assert api.get("/api/v1/estimates").status_code == 429
    assert api.get("/api/v1/estimates", REMOTE_ADDR="203.0.113.50").status_code == 200


@override_settings(ESTIMATOR_RATE_BAD_KEY="3/min")
def test_right_keys_do_not_count_against_the_wrong_key_limit(reader):
    assert [reader.get("/api/v1/estimates").status_code for _ in range(5)] == [200] * 5


def test_a_window_lets_exactly_its_rate_through_under_concurrency():
    start = threading.Barrier(20)
    allowed: list[bool] = []

    def hit() -> None:
        start.wait()
        allowed.append(window_hit(name="concurrency-test", rate="5/min").allowed)

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False] * 15 + [True] * 5


@override_settings(ESTIMATOR_RATE_QUOTES_ANON="2/min", ESTIMATOR_RATE_ANON="10/min")
def test_limited_responses_say_the_limit_what_is_left_and_when_it_resets(api, plan_request):
    first = api.post("/api/v1/quotes", plan_request, format="json")
    # The quote limit (2) is the nearer of the two that apply.
    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("2", "1")
    assert 1 <= int(first["RateLimit-Reset"]) <= 60
    second = api.post("/api/v1/quotes", plan_request, format="json")
    assert second["RateLimit-Remaining"] == "0"
    refused = api.post("/api/v1/quotes", plan_request, format="json")
    assert refused.status_code == 429
    assert refused["RateLimit-Remaining"] == "0"
    assert refused["RateLimit-Reset"] == refused["Retry-After"]


@override_settings(ESTIMATOR_RATE_QUOTES_ANON="10/min", ESTIMATOR_RATE_ANON="2/min")
def test_anonymous_quotes_count_against_the_general_anonymous_limit_too(api, plan_request):
    for _ in range(2):
        assert api.post("/api/v1/quotes", plan_request, format="json").status_code == 200
    refused = api.post("/api/v1/quotes", plan_request, format="json")
    assert refused.status_code == 429
    assert refused["RateLimit-Limit"] == "2"
    # The same address's catalog reads share that limit.
    assert api.get("/api/v1/clinics").status_code == 429


def _needs_redis() -> None:
    from django.core.cache import cache

    if not hasattr(cache, "client"):
        pytest.skip("counts and leases in Redis (TEST_REDIS_URL)")


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """One entry per Redis round trip the rate limits make."""
    _needs_redis()
    import redis.client

    made: list[str] = []
    execute = redis.client.Pipeline.execute

    def counted(self, *args, **kwargs):
        made.append("pipeline")
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    return made


def test_several_limits_are_counted_in_one_round_trip(trips):
    from estimator.api.ratelimit import window_hits

    hits = window_hits([("one-trip-a", "2/min"), ("one-trip-b", "5/min")])
    again = window_hits([("one-trip-a", "2/min"), ("one-trip-b", "5/min")])
    assert trips == ["pipeline", "pipeline"]
    assert [(h.count, h.limit) for h in hits] == [(1, 2), (1, 5)]
    assert [(h.count, h.remaining) for h in again] == [(2, 0), (2, 3)]


def test_a_worker_counts_a_callers_hits_in_redis_a_lease_at_a_time(trips):
    from estimator.api.ratelimit import window_hits

    hits = [window_hits([("lease-one", "10000/min")])[0] for _ in range(200)]
    # 10000/16 is over the most a lease holds (64): 200 hits are 4 round trips, not 200.
    assert len(trips) == 4
    # Each hit still knows its place in the window, as with a round trip each.
    assert [hit.count for hit in hits] == list(range(1, 201))
    assert hits[-1].remaining == 10000 - 200


def test_leases_held_by_two_workers_never_let_more_than_the_rate_through(monkeypatch):
    _needs_redis()
    from estimator.api import ratelimit

    workers = [ratelimit._Leases(), ratelimit._Leases()]
    allowed = []
    for i in range(400):
        # Two processes, each with its own leases, taking turns with the same caller's hits.
        monkeypatch.setattr(ratelimit, "_leases", workers[i % 2])
        allowed.append(ratelimit.window_hits([("lease-shared", "160/min")])[0].allowed)
    # Both keep asking, so every leased hit within the rate is spent: exactly the rate.
    assert allowed.count(True) == 160
    # Near the limit leases shrink to single hits: the refusals come after the last allowed.
    assert allowed.index(False) > 150


def test_a_lease_never_takes_more_than_a_share_of_what_is_left():
    from estimator.api.ratelimit import LEASE_SHARE, _lease_size

    assert _lease_size(60, 0) == 60 // LEASE_SHARE
    assert _lease_size(100_000, 0) == 64  # settings.ESTIMATOR_RATE_LEASE_MAX
    assert _lease_size(60, 55) == 1
    assert _lease_size(60, 70) == 1
    with override_settings(ESTIMATOR_RATE_LEASE_MAX=1):
        assert _lease_size(100_000, 0) == 1


def test_two_leases_taken_at_once_for_one_window_are_both_spent():
    from estimator.api.ratelimit import _Leases

    leases = _Leases()
    # Two threads missed at once and each leased in Redis: hits 1-4 and 5-7 of the window.
    leases.keep("w", 3, 2)  # hit 1 was the first thread's own; 2, 3, 4 are left
    leases.keep("w", 2, 6)  # hit 5 the second's; 6, 7 are left
    spent = [leases.spend("w") for _ in range(6)]
    assert [count for count, _ in spent] == [2, 3, 4, 6, 7, None]
    # Out of hits, it still knows how far the window has counted (the next lease's size).
    assert spent[-1] == (None, 7)


def test_leases_under_concurrency_stay_within_the_rate():
    _needs_redis()
    from estimator.api.ratelimit import window_hits

    start = threading.Barrier(20)
    allowed: list[bool] = []

    def hits() -> None:
        start.wait()
        for _ in range(10):
            allowed.append(window_hits([("lease-threads", "100/min")])[0].allowed)

    threads = [threading.Thread(target=hits) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) <= 100
    # At most the last lease taken can be left unspent when the hits stop.
    assert allowed.count(True) >= 100 - 100 // 16
