"""Fixed-window rate counting in Django's cache, shared by every worker when it is Redis.

A worker that counts a hit in Redis may count a few more at once (a lease) and spend them on the
same caller's next requests without a round trip: an anonymous catalog read or quote then costs
no Redis trip most of the time. The leased hits are counted in Redis when they are leased, so
however many workers hold leases, no more than the rate get through in a window. A lease is at
most 1/LEASE_SHARE of what the window has left (and at most settings.ESTIMATOR_RATE_LEASE_MAX
hits), so near the limit leases are single hits and counting is exact; what a worker leased but
did not spend before the window ended is lost, so a caller spread over several workers may be
refused a few requests before the rate (README, "Client addresses and proxies").
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
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


@functools.lru_cache(maxsize=64)
def _rate(rate: str) -> tuple[int, int]:
    """A "N/period" rate as (N, seconds): the few rates in settings, parsed once each."""
    limit, duration = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
    assert limit is not None and duration is not None
    return limit, duration


def _window(name: str, rate: str) -> tuple[str, int, int, float]:
    """The cache key of the current window, the limit, the window's length and when it ends."""
    limit, duration = _rate(rate)
    now = time.time()
    window = int(now // duration)
    return f"rate:{name}:{window}", limit, duration, (window + 1) * duration - now


_NO_CLIENT = object()
LEASE_SHARE = 16
LEASE_KEYS = 4096  # windows with a lease this process remembers (each a few dozen bytes)


class _Lease:
    """One window's leases in this process: ranges of hits counted in Redis but not yet spent,
    each [hits left, the window's count the next one is], oldest first; and the highest count
    this process has seen in the window."""

    __slots__ = ("ranges", "seen")

    def __init__(self) -> None:
        self.ranges: deque[list[int]] = deque()
        self.seen = 0


class _Leases:
    """Hits this process counted in Redis ahead of time, per window: an LRU of LEASE_KEYS.

    Threads of one process may lease for the same window at once: each lease is kept as a range
    of its own, so none is dropped while hits it counted are still unspent."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, _Lease] = OrderedDict()

    def spend(self, key: str) -> tuple[int | None, int]:
        """The window's count for one more hit from a lease (None when none is left), and the
        most this process knows the window to have counted already."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None, 0
            self.entries.move_to_end(key)
            ranges = entry.ranges
            while ranges and ranges[0][0] < 1:
                ranges.popleft()
            if not ranges:
                return None, entry.seen
            first = ranges[0]
            first[0] -= 1
            first[1] += 1
            count = first[1] - 1
            entry.seen = max(entry.seen, count)
            return count, entry.seen

    def keep(self, key: str, left: int, next_count: int) -> None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                entry = self.entries[key] = _Lease()
            if left > 0:
                entry.ranges.append([left, next_count])
            entry.seen = max(entry.seen, next_count - 1)
            self.entries.move_to_end(key)
            while len(self.entries) > LEASE_KEYS:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_leases = _Leases()


def rate_leases_clear() -> None:
    """Forget this process's leases (when the counts they were taken from are gone)."""
    _leases.clear()


def _lease_size(limit: int, counted: int) -> int:
    """How many hits to count at once: a share of what is left, at least 1."""
    most: int = settings.ESTIMATOR_RATE_LEASE_MAX
    return max(1, min(most, (limit - counted) // LEASE_SHARE))


def window_hits(limits: list[tuple[str, str]]) -> list[WindowCount]:
    """Count a hit against each (name, rate). With Redis: from this worker's leases where it
    holds one, the rest in one round trip that leases a few more."""
    client = _redis_client()
    if client is None:
        return [window_hit(name=name, rate=rate) for name, rate in limits]
    windows = [_window(name, rate) for name, rate in limits]
    spent = [_leases.spend(key) for key, _, _, _ in windows]
    sizes = [
        None if count is not None else _lease_size(limit, known)
        for (_, limit, _, _), (count, known) in zip(windows, spent, strict=True)
    ]
    wanted = [
        (key, duration + 1, size)
        for (key, _, duration, _), size in zip(windows, sizes, strict=True)
        if size is not None
    ]
    counted = iter(_redis_counts(client, wanted) if wanted else [])
    hits = []
    for (key, limit, _, resets_in), (count, _), size in zip(windows, spent, sizes, strict=True):
        if size is not None:
            total = next(counted)
            if total == 0:  # Redis out of reach: fail open, lease nothing
                hits.append(WindowCount(0, limit, resets_in))
                continue
            count = total - size + 1  # this hit's place in the window
            # The leased hits within the limit, this one included; those past it are not spent.
            granted = max(0, min(size, limit - count + 1))
            _leases.keep(key, granted - 1, count + 1)
        assert count is not None
        hits.append(WindowCount(count, limit, resets_in))
    return hits


def window_hit(*, name: str, rate: str, increment: bool = True) -> WindowCount:
    """Count a hit (or, without increment, look) in the current window of a "N/period" rate."""
    key, limit, duration, resets_in = _window(name, rate)
    if not increment:
        return WindowCount(int(cache.get(key, 0) or 0), limit, resets_in)
    client = _redis_client()
    if client is not None:
        return WindowCount(_redis_counts(client, [(key, duration + 1, 1)])[0], limit, resets_in)
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
    """The raw Redis client when the cache is django-redis, else None (local memory).

    Looked up once per cache backend (Django keeps one per thread), not on every request."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    found = backend.__dict__.get("_estimator_redis", _NO_CLIENT)
    if found is _NO_CLIENT:
        client: Any = getattr(backend, "client", None)
        found = client.get_client(write=True) if hasattr(client, "get_client") else None
        backend.__dict__["_estimator_redis"] = found
    return found


def _redis_counts(client: Any, keys: list[tuple[str, int, int]]) -> list[int]:
    """Count each (key, timeout, hits): create the window if new, then add the hits, all in one
    round trip (SET NX EX, then INCRBY, pipelined: any Redis since 2.6.12). The counts after;
    0s if Redis is out of reach, so limits fail open as everywhere else
    (settings.RATELIMIT_FAIL_OPEN)."""
    try:
        pipe = client.pipeline(transaction=False)
        for key, timeout, hits in keys:
            full = cache.make_key(key)
            pipe.set(full, 0, ex=timeout, nx=True)
            pipe.incrby(full, hits)
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
