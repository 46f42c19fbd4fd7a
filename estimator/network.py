"""Who is calling: the client's address, trusting only the proxies the deployment declares."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest


@functools.lru_cache(maxsize=1024)
def _address(value: str) -> str | None:
    """The value as a normalised IP address, or None if it is not one (a pure function of the
    text, asked on every rate-limited request: the last thousand answers are remembered)."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address rate limits and lockouts count by.

    With ESTIMATOR_TRUSTED_PROXIES = 0 (the default) it is the socket's address: a client can
    write anything into X-Forwarded-For, so the header is ignored. With N trusted proxies in
    front, each appending the address it was called from, the client is the N-th entry from
    the right; entries left of it were written by the client and are never read. A header
    too short for N proxies means the request did not come through them: the socket's
    address is used.
    """
    remote = _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104
    proxies: int = settings.ESTIMATOR_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote
