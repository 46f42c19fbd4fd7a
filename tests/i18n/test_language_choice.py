"""Which language answers: the switch's cookie, else the browser's; API and admin stay English."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_the_browser_language_is_honoured_on_patient_pages(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")
    assert response.headers["Content-Language"] == "fr"
    assert "Accept-Language" in response.headers["Vary"]


def test_an_unoffered_language_falls_back_to_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.headers["Content-Language"] == "en"


def test_the_switch_sets_a_cookie_that_outranks_the_browser(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.headers["Content-Language"] == "es"


def test_the_switch_refuses_a_next_address_elsewhere(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/api/v1/clinics", "/healthz"])
def test_the_api_answers_in_english_whatever_the_browser_asks(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="es")
    assert response.headers.get("Content-Language") is None
    assert "Accept-Language" not in response.headers.get("Vary", "")


def test_admin_login_stays_english(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert b"Log in" in response.content
