"""Any byte in an address or query string gets a 4xx, never a 500 (PostgreSQL refuses NUL)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

# Every control byte, the bytes that mean something in an address, and invalid UTF-8,
# percent-encoded, in each place a value reaches a database lookup.
SPECIAL = [0x20, 0x22, 0x23, 0x25, 0x26, 0x27, 0x2F, 0x3B, 0x3F, 0x5C, 0x7F, 0x80, 0xC3, 0xFF]
BYTES = [f"%{byte:02X}" for byte in [*range(0x20), *SPECIAL]]
PLACES = [
    "/api/v1/estimates/EST-{b}AAA",
    "/api/v1/estimates?reference={b}",
    "/api/v1/services?clinic=a{b}b",
    "/api/v1/plans?clinic={b}&payer=1",
    "/api/v1/add-ons?clinic={b}",
    "/api/v1/nowhere{b}",
    "/quote/cascade{b}/",
    "/quote/cascade/?service=dry{b}needling&minutes=30&sessions=1&start=2026-12-01",
    "/admin/estimator/estimate/{b}/change/",
    "/admin/estimator/estimate/?q={b}",
    "/admin/estimator/servicetype/?q=a{b}",
]


@pytest.mark.parametrize("place", PLACES)
def test_no_byte_in_an_address_makes_a_server_error(admin_client, starter_catalog, place):
    for encoded in BYTES:
        response = admin_client.get(place.format(b=encoded))
        assert response.status_code < 500, (place.format(b=encoded), response.status_code)


def test_a_nul_in_an_api_address_is_a_problem_404(client, starter_catalog):
    response = client.get("/api/v1/estimates/EST-%00AAA")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_nul_in_a_query_is_a_400(client, starter_catalog):
    response = client.get("/api/v1/services?clinic=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
