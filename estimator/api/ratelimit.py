"""Fixed-window rate counting in Django's cache, shared by every worker when it is Redis."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import SimpleRateThrottle


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
