"""Rate limits counted in Django's cache (Redis in production, so shared by all workers).

Each limit is a fixed window counted with the cache's atomic increment: however many requests
arrive at once, on however many workers, exactly the rate's number get through in a window.
(DRF's own throttles read a history, decide, then write it back, which lets concurrent
requests through together.) A burst of up to twice the rate can straddle two windows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from estimator.network import client_address

from .auth import is_staff, request_key
from .ratelimit import limit_remember, window_hits


class _WindowThrottle(BaseThrottle):
    """A DRF throttle over window_hit; its rate is read from settings on every request."""

    scope = ""
    setting_name = ""

    def __init__(self) -> None:
        self.resets_in = 0.0

    def get_rate(self) -> str | None:
        rate: str | None = getattr(settings, self.setting_name, None)
        return rate

    def get_ident(self, request: Any) -> str:
        return client_address(request._request if hasattr(request, "_request") else request)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        rate = self.get_rate()
        ident = self.get_cache_key(request, view) if rate else None
        if rate is None or ident is None:
            return True
        (hit,) = window_hits([(f"{self.scope}:{ident}", rate)])
        limit_remember(getattr(request, "_request", request), hit)
        self.resets_in = hit.resets_in
        return hit.allowed

    def wait(self) -> float:
        return self.resets_in


class AnonThrottle(_WindowThrottle):
    """Anonymous callers, by client address."""

    scope = "anon"
    setting_name = "ESTIMATOR_RATE_ANON"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request_key(request) is not None or request.user.is_authenticated:
            return None
        return self.get_ident(request)


class QuoteAnonThrottle(AnonThrottle):
    """Anonymous quotes, by client address: pricing is the costliest open call.

    Counts the general anonymous limit too (AnonThrottle's), in the same Redis round trip.
    """

    scope = "quotes_anon"
    setting_name = "ESTIMATOR_RATE_QUOTES_ANON"

    def allow_request(self, request: Any, view: Any) -> bool:
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        limits = [
            (f"{scope}:{ident}", rate)
            for scope, rate in (
                (self.scope, self.get_rate()),
                (AnonThrottle.scope, getattr(settings, AnonThrottle.setting_name, None)),
            )
            if rate
        ]
        hits = window_hits(limits)
        for hit in hits:
            limit_remember(getattr(request, "_request", request), hit)
        refused = [hit for hit in hits if not hit.allowed]
        self.resets_in = max((hit.resets_in for hit in refused), default=0.0)
        return not refused


class KeyThrottle(_WindowThrottle):
    """Each API key (or staff user) on its own budget."""

    scope = "key"
    setting_name = "ESTIMATOR_RATE_KEY"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = request_key(request)
        if key is not None:
            return f"key-{key.prefix}"
        if is_staff(request) or request.user.is_authenticated:
            return f"user-{request.user.pk}"
        return None
