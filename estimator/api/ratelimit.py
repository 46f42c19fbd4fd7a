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


def window_hit(*, name: str, rate: str, increment: bool = True) -> WindowCount:
    """Count a hit (or, without increment, look) in the current window of a "N/period" rate."""
    limit, duration = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
    assert limit is not None and duration is not None
    now = time.time()
    window = int(now // duration)
    key = f"rate:{name}:{window}"
    resets_in = (window + 1) * duration - now
    if not increment:
        return WindowCount(int(cache.get(key, 0) or 0), limit, resets_in)
    client = _redis_client()
    if client is not None:
        return WindowCount(_redis_count(client, key, duration + 1), limit, resets_in)
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


def _redis_count(client: Any, key: str, timeout: int) -> int:
    """add() and incr() in one round trip instead of two (SET NX EX, then INCR, pipelined: any
    Redis since 2.6.12); 0 if Redis is out of reach, so limits fail open as everywhere else
    (settings.RATELIMIT_FAIL_OPEN)."""
    full = cache.make_key(key)
    try:
        pipe = client.pipeline(transaction=False)
        pipe.set(full, 0, ex=timeout, nx=True)
        pipe.incr(full)
        _, count = pipe.execute()
    except RedisError:
        logger.warning("Rate limit not counted: Redis is out of reach")
        return 0
    return int(count)


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
