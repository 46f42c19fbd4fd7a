"""Fixed-window rate counting in Django's cache, shared by every worker when it is Redis."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowCount:
    """One hit counted against a limit: how many so far in this window, and when it ends."""

    count: int
    limit: int
    resets_in: float

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


def _window(name: str, rate: str) -> tuple[str, int, int, float]:
    """The cache key of the current window, the limit, the window's length and when it ends."""
    limit, duration = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
    assert limit is not None and duration is not None
    now = time.time()
    window = int(now // duration)
    return f"rate:{name}:{window}", limit, duration, (window + 1) * duration - now


def window_hits(limits: list[tuple[str, str]]) -> list[WindowCount]:
    """Count a hit against each (name, rate): with Redis, all of them in one round trip."""
    client = _redis_client()
    if client is None or len(limits) < 2:
        return [window_hit(name=name, rate=rate) for name, rate in limits]
    windows = [_window(name, rate) for name, rate in limits]
    counts = _redis_counts(client, [(key, duration + 1) for key, _, duration, _ in windows])
    return [
        WindowCount(count, limit, resets_in)
        for count, (_, limit, _, resets_in) in zip(counts, windows, strict=True)
    ]


def window_hit(*, name: str, rate: str, increment: bool = True) -> WindowCount:
    """Count a hit (or, without increment, look) in the current window of a "N/period" rate."""
    key, limit, duration, resets_in = _window(name, rate)
    if not increment:
        return WindowCount(int(cache.get(key, 0) or 0), limit, resets_in)
    client = _redis_client()
    if client is not None:
        return WindowCount(_redis_counts(client, [(key, duration + 1)])[0], limit, resets_in)
    # add() is a no-op when the key exists; incr() is atomic in Redis and in local memory.
    cache.add(key, 0, timeout=duration + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 0, timeout=duration + 1)
        count = cache.incr(key)
    if count is None:
        # Redis unreachable (django-redis answers None and logs it): fail open, as the quote
        # page's limits do (RATELIMIT_FAIL_OPEN), so an outage does not stop pricing.
        return WindowCount(0, limit, resets_in)
    return WindowCount(count, limit, resets_in)


def _redis_client() -> Any:
    """The raw Redis client when the cache is django-redis, else None (local memory)."""
    if not hasattr(cache, "client") or not hasattr(cache.client, "get_client"):
        return None
    return cache.client.get_client(write=True)


def _redis_counts(client: Any, keys: list[tuple[str, int]]) -> list[int]:
    """add() and incr() of each (key, timeout), all in one round trip (SET NX EX, then INCR,
    pipelined: any Redis since 2.6.12); 0s if Redis is out of reach, so limits fail open as
    everywhere else (settings.RATELIMIT_FAIL_OPEN)."""
    try:
        pipe = client.pipeline(transaction=False)
        for key, timeout in keys:
            full = cache.make_key(key)
            pipe.set(full, 0, ex=timeout, nx=True)
            pipe.incr(full)
        replies = pipe.execute()
    except RedisError:
        logger.warning("Rate limit not counted: Redis is out of reach")
        return [0] * len(keys)
    return [int(count) for count in replies[1::2]]


def limit_remember(request: HttpRequest, hit: WindowCount) -> None:
    """Keep, for the response headers, the limit this request is closest to."""
    current: WindowCount | None = getattr(request, "rate_limit", None)
    if current is None or hit.remaining < current.remaining:
        request.rate_limit = hit  # type: ignore[attr-defined]


class RateLimitHeaders:
    """RateLimit-Limit, -Remaining and -Reset (IETF httpapi draft) on rate-limited responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        hit: WindowCount | None = getattr(request, "rate_limit", None)
        if hit is not None:
            response["RateLimit-Limit"] = str(hit.limit)
            response["RateLimit-Remaining"] = str(hit.remaining)
            response["RateLimit-Reset"] = str(max(1, math.ceil(hit.resets_in)))
        return response
