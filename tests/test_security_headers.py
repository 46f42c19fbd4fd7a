"""Every page under a Content-Security-Policy it can live with; patient details never cached."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from estimator.models import Estimate
from tests.web.conftest import SELF_PAY, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, style blocks and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names:
            self._script_without_src = True
        self.found += [f"{tag}[{name}]" for name in names if name == "style" or name[:2] == "on"]

    def handle_data(self, data: str) -> None:
        if self._script_without_src and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_without_src = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def stored(staff_client, starter_catalog) -> Estimate:
    response = staff_client.post(
        "/api/v1/estimates",
        {
            "clinic": "cascade",
            "items": [{"service": "dry-needling-1-2", "duration_minutes": 30, "sessions": 2}],
            "sessions_per_week": 1,
            "start_date": "2026-12-01",
            "coverage": {"mode": "self_pay"},
            "patient": {"name": "Alex Rivera", "date_of_birth": "1984-03-09"},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return Estimate.objects.get()


def test_the_inline_code_finder_finds_inline_code():
    html = '<script>go()</script><script src="/a.js"></script><style>p{}</style><p style="x">'
    assert inline_code(html + '<a onclick="x()">') == [
        "<script>go()",
        "<style>",
        "p[style]",
        "a[onclick]",
    ]


def test_pages_carry_a_strict_policy_and_no_inline_code(staff_client, stored):
    pages = [
        "/",
        url(),
        url(answers=SELF_PAY),
        "/admin/",
        "/admin/estimator/estimate/",
        f"/admin/estimator/estimate/{stored.pk}/change/",
        "/admin/estimator/estimate/new/",
        "/admin/estimator/servicetype/add/",
        "/api/v1/docs/",
    ]
    for page in pages:
        response = staff_client.get(page)
        assert response.status_code == 200, page
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert inline_code(response.content.decode()) == [], page


def test_the_api_docs_start_from_a_script_file(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "?script=" in page
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


def test_estimates_with_patient_details_are_never_cached(staff_client, stored):
    for address in ("/api/v1/estimates", f"/api/v1/estimates/{stored.reference}"):
        response = staff_client.get(address)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_a_gfe_request_form_returned_with_errors_is_never_cached(client, starter_catalog):
    response = client.post(
        "/quote/cascade/request/",
        {**SELF_PAY, "start": "2026-12-14", "name": "Alex Rivera", "email": "not-an-email"},
    )
    assert response.status_code in (200, 400)
    assert "no-store" in response["Cache-Control"]
