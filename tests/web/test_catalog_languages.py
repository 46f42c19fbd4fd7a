"""The clinic's own catalog text on the quote page in the reader's language: its treatments,
complaints, add-ons, packages and visit limits in Spanish or French where the clinic entered
them, inside the engine's sentences too, and its English where it did not."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from estimator.catalog_text import Text, name_in_language
from estimator.models import Clinic, InsurancePlan, Package, ServiceType
from estimator.sentences import say

from .conftest import SELF_PAY, url

pytestmark = pytest.mark.django_db

_TAG = re.compile(r"<[^>]+>")
_NOTICE = re.compile(r'<section id="notice".*?</section>', re.S)


def page_text(client: Client, answers: dict[str, Any], language: str, slug: str = "cascade") -> str:
    response = client.get(url(slug, answers=answers), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return " ".join(html.unescape(_TAG.sub(" ", response.content.decode())).split())


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "es",
            [
                "Punción seca, 1 o 2 músculos",  # the treatment, in the form and the result
                "Punción seca, 1 o 2 músculos (30 min)",  # the engine's line name
                "Agujas finas y sólidas colocadas en los puntos gatillo",  # its description
                "Una sesión suele incluir unos 15 minutos de punción.",  # what to expect
                "Parte baja de la espalda",  # a complaint
                "Electroestimulación (sin supervisión)",  # an add-on
                "mientras usted descansa, para relajar el músculo",  # its description
                "Seis sesiones de punción seca de 30 minutos (1–2 músculos)",  # the package
                "Si su factura supera en $400 o más su Estimación de buena fe",  # clinic contact
            ],
        ),
        (
            "fr",
            [
                "Puncture sèche, 1 ou 2 muscles",
                "Puncture sèche, 1 ou 2 muscles (30 min)",
                "De fines aiguilles pleines placées dans les points gâchettes",
                "Une séance comprend habituellement environ 15 minutes de puncture.",
                "Bas du dos",
                "Électrostimulation (sans supervision)",
                "pendant que vous vous reposez, pour détendre le muscle",
                "Six séances de puncture sèche de 30 minutes (1–2 muscles)",
                "Si votre facture dépasse de 400 $ US ou plus votre Estimation de bonne foi",
            ],
        ),
    ],
)
def test_the_quote_page_shows_the_clinics_catalog_in_the_readers_language(
    client: Client, starter_catalog: Any, language: str, expected: list[str]
) -> None:
    text = page_text(client, SELF_PAY, language)
    missing = [words for words in expected if words not in text]
    assert not missing
    for english in ("Dry needling, 1 or 2 muscles", "Low back", "Six 30-minute dry-needling"):
        assert english not in text


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("es", "Punción seca, 1 o 2 músculos (30 min) no tiene cobertura porque"),
        ("fr", "Puncture sèche, 1 ou 2 muscles (30 min) n"),
    ],
)
def test_the_engines_sentences_name_the_treatment_in_the_readers_language(
    client: Client, starter_catalog: Any, language: str, sentence: str
) -> None:
    plan = InsurancePlan.objects.get(name="Choice POS II (PPO)")
    answers = {**SELF_PAY, "coverage": "insured", "plan": plan.pk, "add_on": []}
    text = page_text(client, answers, language)
    assert sentence in text
    assert "Dry needling, 1 or 2 muscles" not in text


def test_a_visit_limits_name_is_said_in_the_readers_language(
    client: Client, starter_catalog: Any
) -> None:
    plan = InsurancePlan.objects.get(name="Part B")
    answers = {
        **SELF_PAY,
        "service": "acupuncture",
        "add_on": [],
        "sessions": "16",
        "per_week": "3",
        "start": "2027-01-04",
        "coverage": "insured",
        "plan": plan.pk,
    }
    assert re.search(r"\d+ acupuncture visits", page_text(client, answers, "en"))
    spanish = page_text(client, answers, "es")
    assert re.search(r"\bacupuntura\b", spanish)
    assert not re.search(r"\d+ acupuncture visits", spanish)
    # The plan's own note on acupuncture, as the clinic wrote it in Spanish.
    assert "Acupuntura (30 min): Solo para el dolor crónico de la parte baja" in spanish
    assert "Only for chronic low-back pain" not in spanish


def test_a_blank_translation_shows_the_english(client: Client, starter_catalog: Any) -> None:
    ServiceType.objects.filter(code="dry-needling-1-2").update(
        name_es="", description_es="", what_to_expect_es=""
    )
    Package.objects.filter(code="dn-6x30").update(name_es="")
    text = page_text(client, SELF_PAY, "es")
    assert "Dry needling, 1 or 2 muscles (30 min)" in text
    assert "Fine, solid needles placed into trigger points" in text
    assert "Six 30-minute dry-needling sessions (1–2 muscles)" in text
    # What the clinic did translate is still in Spanish.
    assert "Electroestimulación (sin supervisión)" in text
    assert "Punción seca, 3 o más músculos" in text


def test_english_pages_keep_the_english(client: Client, starter_catalog: Any) -> None:
    text = page_text(client, SELF_PAY, "en")
    assert "Dry needling, 1 or 2 muscles (30 min)" in text
    assert "Punción" not in text and "Puncture" not in text


def test_a_changed_translation_is_on_the_next_page_and_a_warm_page_is_one_query(
    client: Client, starter_catalog: Any
) -> None:
    assert "Parte baja de la espalda" in page_text(client, SELF_PAY, "es")
    with CaptureQueriesContext(connection) as queries:
        page_text(client, SELF_PAY, "es")
    assert len(queries) == 1  # the catalog version's token
    service = ServiceType.objects.get(code="dry-needling-1-2")
    service.name_es = "Punción seca de uno o dos músculos"
    service.save()
    text = page_text(client, SELF_PAY, "es")
    assert "Punción seca de uno o dos músculos (30 min)" in text
    Clinic.objects.filter(slug="cascade").update(good_faith_estimate_contact_es="Llámenos.")
    assert "Llámenos." in page_text(client, SELF_PAY, "es")


def test_say_swaps_only_the_names_it_is_given() -> None:
    sentence = (
        "Dry needling, 1 or 2 muscles (30 min) is not covered because insurance is not "
        "verified; you pay for it."
    )
    names = {"Dry needling, 1 or 2 muscles": "Punción seca, 1 o 2 músculos"}
    with translation.override("es"):
        assert say(sentence, "USD", names).startswith("Punción seca, 1 o 2 músculos (30 min) ")
        assert say(sentence, "USD").startswith("Dry needling, 1 or 2 muscles (30 min) ")


def test_names_in_lists_and_with_a_length_are_each_said() -> None:
    names = {"Acupuncture": "Acupuntura", "Manual therapy": "Terapia manual"}
    assert name_in_language("Acupuncture (30 min)", names) == "Acupuntura (30 min)"
    assert name_in_language("Acupuncture, Manual therapy", names) == "Acupuntura, Terapia manual"
    assert name_in_language("Heat", names) == "Heat"
    assert name_in_language("Acupuncture", {}) == "Acupuncture"


def test_a_text_says_the_active_language_and_falls_back_to_english() -> None:
    text = Text(en="Neck", es="Cuello", fr="")
    with translation.override("es"):
        assert str(text) == "Cuello"
    with translation.override("fr"):
        assert str(text) == "Neck"
    with translation.override("en"):
        assert str(text) == "Neck"
    assert not Text(en="")


@pytest.mark.parametrize(
    ("language", "service"),
    [("es", "Punción seca, 1 o 2 músculos"), ("fr", "Puncture sèche, 1 ou 2 muscles")],
)
def test_the_notice_names_the_uncovered_treatment_in_the_readers_language(
    client: Client, starter_catalog: Any, language: str, service: str
) -> None:
    response = client.get(
        url(answers={**SELF_PAY, "coverage": "unknown"}), HTTP_ACCEPT_LANGUAGE=language
    )
    notice = _NOTICE.search(response.content.decode())
    assert notice is not None
    text = " ".join(html.unescape(_TAG.sub(" ", notice.group(0))).split())
    assert service in text
    assert "Dry needling" not in text
