"""The patient's link: their estimate and its PDF without an account, for a limited time."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.urls import reverse

from estimator.formatting import date_text, money_text
from estimator.models import Estimate, PatientLink
from estimator.patient_links import patient_link_create, patient_link_revoke, patient_link_url
from estimator.services import estimate_issue, estimate_supersede, estimate_void
from tests.factories import priced_estimate
from tests.support.pdf import pdf_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(starter_catalog: Any) -> Estimate:
    estimate = priced_estimate(email="pat@example.com", notes="Internal: prefers mornings")
    return estimate_issue(estimate=estimate, by="test")


def _link(estimate: Estimate) -> tuple[PatientLink, str]:
    link, token = patient_link_create(estimate=estimate)
    return link, reverse("estimator:patient_estimate", args=[token])


def test_the_link_shows_the_estimate_as_issued_privately(client: Any, issued: Estimate) -> None:
    link, page = _link(issued)
    response = client.get(page)
    assert response.status_code == 200
    body = response.content.decode()
    assert issued.reference in body and money_text(issued.patient_total) in body
    assert 'data-testid="valid-until"' in body
    # Nothing staff keep: internal notes, who made it, how it was created.
    assert "prefers mornings" not in body and "Pat Example" not in body
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    link.refresh_from_db()
    assert link.views == 1
    # Only a hash of the token is kept.
    token = page.split("/")[2]
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PatientLink.objects.values().get())


def test_the_pdf_is_the_emailed_document_named_by_its_reference(
    client: Any, issued: Estimate
) -> None:
    _, page = _link(issued)
    response = client.get(page + "pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # This patient gets a Good Faith Estimate (self-pay, date of birth on record).
    name = f"good-faith-estimate-{issued.reference}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert "no-store" in response["Cache-Control"]
    pdf = pdf_read(response.content)
    assert pdf.title.startswith(f"Good Faith Estimate {issued.reference}")
    assert (pdf.lang, pdf.shows_title) == ("en-US", True)
    assert f"Valid until {date_text(issued.end_date)}" in pdf.text
    # Its HTML version is the page the link opens.
    assert f"http://testserver{page}" in pdf.links


def test_unknown_expired_revoked_and_void_links_get_a_friendly_page(
    client: Any, issued: Estimate, clock: Any, settings: Any
) -> None:
    settings.ESTIMATOR_PATIENT_LINK_DAYS = 30
    assert client.get("/estimate/not-a-real-token/").status_code == 404
    assert client.get("/estimate/" + "x" * 500 + "/pdf").status_code == 404
    revoked, revoked_page = _link(issued)
    patient_link_revoke(link=revoked, by="test")
    response = client.get(revoked_page)
    assert response.status_code == 410 and b"This link has closed" in response.content
    assert "no-store" in response["Cache-Control"]
    _, page = _link(issued)
    clock.shift(dt.timedelta(days=30, seconds=1))
    assert client.get(page).status_code == 410
    assert client.get(page + "pdf").status_code == 410
    other = estimate_issue(estimate=priced_estimate(), by="test")
    _, void_page = _link(other)
    estimate_void(estimate=other, by="test", reason="Entered twice")
    assert client.get(void_page).status_code == 410


def test_a_superseded_estimate_says_which_one_replaces_it(client: Any, issued: Estimate) -> None:
    _, page = _link(issued)
    new = estimate_supersede(estimate=issued, by="test", reason="Renewed")
    body = client.get(page).content.decode()
    assert "This estimate has been replaced" in body and new.reference in body


def test_links_are_rate_limited_per_address(client: Any, issued: Estimate, settings: Any) -> None:
    settings.ESTIMATOR_PATIENT_LINK_RATE = "2/m"
    _, page = _link(issued)
    assert client.get(page).status_code == 200
    assert client.get("/estimate/guess/").status_code == 404
    response = client.get(page)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def test_the_url_is_on_the_public_host(issued: Estimate, settings: Any) -> None:
    settings.ESTIMATOR_PUBLIC_URL = "https://estimates.example.com"
    assert patient_link_url(token="abc") == "https://estimates.example.com/estimate/abc/"


def test_front_desk_revokes_a_link_in_admin(
    client: Any, issued: Estimate, django_user_model: Any
) -> None:
    from django.contrib.auth.models import Group

    from estimator.roles import FRONT_DESK, roles_ensure

    roles_ensure()
    desk = django_user_model.objects.create_user("desk", password="pw-desk-123", is_staff=True)
    desk.groups.add(Group.objects.get(name=FRONT_DESK))
    client.force_login(desk)
    link, page = _link(issued)
    changelist = reverse("admin:estimator_patientlink_changelist")
    assert b"revoke_selected" in client.get(changelist).content
    client.post(changelist, {"action": "revoke_selected", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == desk
    client.logout()
    assert client.get(page).status_code == 410
