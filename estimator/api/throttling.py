"""Rate limits counted in Django's cache (Redis in production, so shared by all workers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .auth import is_staff, request_key


class _SettingsRateThrottle(SimpleRateThrottle):
    """Reads its rate from settings on every request, so override_settings and env both work."""

    setting_name = ""

    def get_rate(self) -> str | None:
        rate: str | None = getattr(settings, self.setting_name, None)
        return rate


class AnonThrottle(_SettingsRateThrottle):
    """Anonymous callers, by IP address."""

    scope = "anon"
    setting_name = "ESTIMATOR_RATE_ANON"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request_key(request) is not None or request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class QuoteAnonThrottle(AnonThrottle):
    """Anonymous quotes, by IP address: pricing is the costliest open call."""

    scope = "quotes_anon"
    setting_name = "ESTIMATOR_RATE_QUOTES_ANON"


class KeyThrottle(_SettingsRateThrottle):
    """Each API key (or staff user) on its own budget."""

    scope = "key"
    setting_name = "ESTIMATOR_RATE_KEY"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = request_key(request)
        if key is not None:
            ident = f"key-{key.prefix}"
        elif is_staff(request) or request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
