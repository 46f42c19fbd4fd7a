"""The client address that limits and lockouts count by: proxies trusted only as configured."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from estimator.network import client_address


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No trusted proxy: the header is the client's to write, so it is ignored.
        (0, "192.0.2.10", "", "192.0.2.10"),
        (0, "192.0.2.10", "203.0.113.5", "192.0.2.10"),
        (0, "192.0.2.10", "x1", "192.0.2.10"),
        # One proxy: the last entry is the address it was called from.
        (1, "10.0.0.2", "203.0.113.5", "203.0.113.5"),
        (1, "10.0.0.2", "198.51.100.1, 203.0.113.5", "203.0.113.5"),
        (1, "10.0.0.2", "203.0.113.5 ,", "203.0.113.5"),
        # Two proxies: the second entry from the right.
        (2, "10.0.0.2", "198.51.100.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        # Not enough entries: the request did not come through the proxies.
        (2, "10.0.0.2", "203.0.113.5", "10.0.0.2"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        # Not an address: the socket's address.
        (1, "10.0.0.2", "not-an-ip", "10.0.0.2"),
        # IPv6 written two ways is one client.
        (1, "10.0.0.2", "2001:DB8::0:1", "2001:db8::1"),
    ],
)
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.ESTIMATOR_TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **meta)) == expected
