"""Every patient page in Spanish and French: its language declared, its headings translated,
its figures in the locale's formats, and no string of the app's catalog left in English."""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from estimator.api.errors import handler500
from estimator.catalog_text import localized
from estimator.formatting import money_text
from estimator.middleware import database_unavailable_response
from estimator.models import Clinic, InsurancePlan
from estimator.patient_links import patient_link_create
from estimator.services import estimate_issue
from tests.factories import priced_estimate
from tests.web.conftest import SELF_PAY, engine_quote, url
from tests.web.test_gfe_request import ASKED, PATIENT

pytestmark = pytest.mark.django_db

LANGUAGES = ("es", "fr")
CATALOG = Path(settings.BASE_DIR) / "estimator" / "locale"
HEADINGS = {
    "home": {"es": "¿Cuánto costará mi tratamiento?", "fr": "Combien coûtera mon traitement ?"},
    "form": {
        "es": "Calcule el costo de su tratamiento",
        "fr": "Estimez le coût de votre traitement",
    },
    "estimate": {"es": "Su estimación", "fr": "Votre estimation"},
    "glossary": {
        "es": "Las palabras de su estimación, en lenguaje sencillo",
        "fr": "Les mots de votre estimation, en langage simple",
    },
    "errors": {"es": "Revise sus respuestas", "fr": "Veuillez vérifier vos réponses"},
    "gfe_errors": {"es": "Revise sus datos", "fr": "Veuillez vérifier vos coordonnées"},
    "gfe_sent": {"es": "Su solicitud se ha enviado", "fr": "Votre demande a été envoyée"},
    "closed": {
        "es": "No encontramos esta estimación",
        "fr": "Nous n’avons pas trouvé cette estimation",
    },
    "rate_limited": {"es": "Espere un momento", "fr": "Veuillez patienter un instant"},
    "unavailable": {"es": "Volvemos en un momento", "fr": "De retour dans un instant"},
    "400": {"es": "No pudimos leer esa solicitud", "fr": "Nous n’avons pas pu lire cette demande"},
    "403": {"es": "No puede abrir esta página", "fr": "Vous ne pouvez pas ouvrir cette page"},
    "403_csrf": {"es": "Envíe el formulario de nuevo", "fr": "Veuillez renvoyer le formulaire"},
    "404": {"es": "No encontramos esa página", "fr": "Nous ne trouvons pas cette page"},
    "500": {"es": "Algo salió mal de nuestro lado", "fr": "Un problème est survenu de notre côté"},
}
# (clinic, coverage, plan name prefix or None, answers changed from SELF_PAY)
QUOTES = {
    "self_pay": ("cascade", "self_pay", None, {}),
    "insured": ("cascade", "insured", "Preferred PPO", {}),
    "not_sure": ("cascade", "unknown", None, {}),
    "not_listed": ("cascade", "not_listed", None, {}),
    "canadian": ("harbour", "insured", "Extended Health", {"service": "ims", "add_on": []}),
    "medicare": ("cascade", "insured", "Part B", {}),
}
# Words of the catalog that are also names in the starter catalog's data (kept as they are).
NAMES = {"Medicare", "Email"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
_TAG = re.compile(r"<[^>]+>")
# What other parts write (the engine's sentences through estimator.sentences.say, the notices):
# translated at their source and checked there, not against this catalog.
_ELSEWHERE = re.compile(r'<(ul|section|div)\b[^>]*data-i18n-source="[^"]*"[^>]*>.*?</\1>', re.S)
_JS_SENTENCES = re.compile(r'data-(?:length|price|too-long|fix)="([^"]*)"')


@cache
def english_left(language: str) -> tuple[tuple[str, str], ...]:
    """(msgid, a piece of it that only an untranslated page would show), for each entry of the
    app's catalog whose translation differs from its English."""
    with (CATALOG / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle)
    pieces = []
    for message in catalog:
        if not message.id or message.context == "glossary pattern":
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in map(str, ids):
            if msgid in strings or msgid in NAMES:
                continue
            # The text around the placeholders and tags: each run a reader would see as is.
            for run in _PLACEHOLDER.split(_TAG.sub(" ", msgid)):
                run = " ".join(run.split()).strip(" .,:;()–·+")
                # Short runs ("You pay", "min") are kept only where they are the whole message.
                whole = run == msgid.strip(" .")
                if len(run) >= 4 and (whole or len(run) >= 12):
                    pieces.append((msgid, run))
    return tuple(pieces)


def seen_text(page: str) -> str:
    """What a reader sees: the text without tags, plus the sentences the script shows."""
    body = _ELSEWHERE.sub(" ", page.split("<body", 1)[-1])
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    scripts = " ".join(_JS_SENTENCES.findall(body))
    text = _TAG.sub(" ", (title.group(1) if title else "") + " " + body + " " + scripts)
    return " ".join(html.unescape(text).split())


def _texts(texts: list[str]) -> list[str]:
    return sorted({" ".join(t.split()) for t in texts if t}, key=len, reverse=True)


def catalog_data(language: str) -> tuple[list[str], list[str]]:
    """The clinic's own words as a reader of the language sees them (its translations, else its
    English) with the proper names kept as written (clinic, address, plans); and the English
    of each text the clinic translated, which such a page must not show."""
    from estimator.models import AddOn, BodyArea, CodeSetLimit, CoverageRule, Package, ServiceType

    fields = {
        ServiceType: ("name", "description", "what_to_expect"),
        AddOn: ("name", "description"),
        BodyArea: ("name",),
        Package: ("name",),
        CodeSetLimit: ("name",),
        CoverageRule: ("note",),
        Clinic: ("good_faith_estimate_contact",),
    }
    shown: list[str] = [str(plan) for plan in InsurancePlan.objects.all()]
    english: list[str] = []
    with translation.override(language):
        for model, names in fields.items():
            for row in model._default_manager.all():
                for field in names:
                    shown.append(localized(row, field))
                    if localized(row, field) != getattr(row, field):
                        english.append(getattr(row, field))
    for clinic in Clinic.objects.all():
        shown += [clinic.name, clinic.address_text]
    return _texts(shown), _texts(english)


def assert_translated(page: str, language: str) -> None:
    text = seen_text(page)
    shown, english = catalog_data(language)
    for data in shown:
        text = text.replace(data, " ")
    left = [
        msgid
        for msgid, run in english_left(language)
        if re.search(rf"(?<!\w){re.escape(run)}(?!\w)", text)
    ]
    left += [data for data in english if re.search(rf"(?<!\w){re.escape(data)}(?!\w)", text)]
    assert not left, f"English left on a {language} page: {left[:5]}"


def assert_page(response: Any, language: str, heading: str, status: int = 200) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert HEADINGS[heading][language] in html.unescape(page)
    assert_translated(page, language)
    return page


def get(client: Client, path: str, language: str, **extra: Any) -> Any:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=language, **extra)
    assert response.headers["Content-Language"] == language
    return response


def _answers(case: str) -> tuple[Clinic, dict[str, Any], InsurancePlan | None]:
    slug, mode, plan_name, changes = QUOTES[case]
    clinic = Clinic.objects.get(slug=slug)
    plan = None
    if plan_name:
        plan = InsurancePlan.objects.filter(clinic=clinic, name__startswith=plan_name).first()
    answers = {**SELF_PAY, **changes, "coverage": mode}
    if plan is not None:
        answers["plan"] = plan.pk
    return clinic, answers, plan


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_page_and_glossary_are_translated(client, starter_catalog, language):
    assert_page(get(client, "/", language), language, "home")
    page = assert_page(get(client, reverse("estimator:glossary"), language), language, "glossary")
    assert {"es": "Deducible", "fr": "Franchise"}[language] in page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slug", ["cascade", "harbour"])
def test_the_quote_form_is_translated(client, starter_catalog, language, slug):
    page = assert_page(get(client, url(slug), language), language, "form")
    # The script's sentences come from the page, in its language.
    assert {"es": "Cada sesión dura unos", "fr": "Chaque séance dure environ"}[language] in page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", QUOTES)
def test_each_kind_of_quote_is_translated_with_the_locales_figures(
    client, starter_catalog, language, case
):
    clinic, answers, plan = _answers(case)
    mode = "self_pay" if answers["coverage"] == "not_listed" else answers["coverage"]
    quote = engine_quote(
        clinic,
        service=answers["service"],
        add_ons=tuple(answers["add_on"]),
        mode=mode,
        plan=plan,
    )
    page = assert_page(
        get(client, url(clinic.slug, answers=answers), language), language, "estimate"
    )
    with translation.override(language):
        total = money_text(quote.estimate.primary.totals.patient_pays, clinic.currency)
    assert total in html.unescape(page)
    if case == "insured":
        # The glossary links the page's words as written in this language ("deducible").
        assert re.search(r'href="/glossary/#deductible">(?i:deducible|franchise)<', page)
    if case == "not_listed":
        assert {"es": "qué preguntar a su aseguradora", "fr": "quoi demander à votre assureur"}[
            language
        ] in html.unescape(page)


def test_french_canadian_amounts_read_as_french_canadians_write_them(client, starter_catalog):
    clinic, answers, plan = _answers("canadian")
    page = get(client, url(clinic.slug, answers=answers), "fr").content.decode()
    quote = engine_quote(clinic, service="ims", add_ons=(), mode="insured", plan=plan)
    figure = quote.estimate.primary.totals.patient_pays
    with translation.override("fr"):
        shown = money_text(figure, "CAD")
    assert re.fullmatch(r"\d{1,3}(?:\u202f\d{3})*,\d\d\xa0\$", shown), shown
    assert shown in html.unescape(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_answers_with_errors_are_explained_in_the_language(client, starter_catalog, language):
    answers = {**SELF_PAY, "sessions": "0", "coverage": "insured", "deductible_met": "-5"}
    page = assert_page(get(client, url(answers=answers), language), language, "errors", status=200)
    expected = {
        "es": ("Número de sesiones: ingrese un número entero de 1 a 50.", "Elija su plan."),
        "fr": (
            "Nombre de séances : entrez un nombre entier de 1 à 50.",
            "Choisissez votre régime.",
        ),
    }[language]
    for message in expected:
        assert html.unescape(page).count(message) >= 2  # in the summary and beside the field


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_good_faith_estimate_request_in_the_language(client, starter_catalog, language):
    refused = client.post(
        "/quote/cascade/request/",
        {**ASKED, **PATIENT, "email": "not-an-email", "consent": ""},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    page = assert_page(refused, language, "gfe_errors", status=400)
    # Switching language here goes back to the quote and its answers, not to the POST address.
    back = re.findall(r'name="next" value="([^"]*)"', page)
    assert back == [html.escape(url(answers=ASKED))]
    assert {"es": "Marque la casilla", "fr": "Cochez la case"}[language] in page
    sent = client.post(
        "/quote/cascade/request/", {**ASKED, **PATIENT}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert sent.status_code == 302
    assert_page(get(client, sent["Location"], language), language, "gfe_sent")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_patient_link_pages_are_translated(client, starter_catalog, language):
    estimate = estimate_issue(estimate=priced_estimate(email="pat@example.com"), by="test")
    _, token = patient_link_create(estimate=estimate)
    path = reverse("estimator:patient_estimate", args=[token])
    page = assert_page(get(client, path, language), language, "estimate")
    assert {"es": "Válida hasta", "fr": "Valable jusqu’au"}[language] in html.unescape(page)
    unknown = reverse("estimator:patient_estimate", args=["x" * 43])
    assert_page(get(client, unknown, language), language, "closed", status=404)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_error_pages_are_translated(client, rf, starter_catalog, language, settings):
    assert_page(get(client, "/no-such-page/", language), language, "404", status=404)
    assert_page(get(client, "/quote/cascade/?area=%00", language), language, "400", status=400)
    csrf = Client(enforce_csrf_checks=True)
    refused = csrf.post("/quote/cascade/request/", {"name": "Ada"}, HTTP_ACCEPT_LANGUAGE=language)
    assert_page(refused, language, "403_csrf", status=403)
    with translation.override(language):
        assert_page(handler500(rf.get("/quote/cascade/")), language, "500", status=500)
        forbidden = defaults.permission_denied(rf.get("/quote/cascade/"), PermissionDenied())
        assert_page(forbidden, language, "403", status=403)
        unavailable = database_unavailable_response(rf.get("/quote/cascade/"))
        assert_page(unavailable, language, "unavailable", status=503)
    settings.ESTIMATOR_QUOTE_RATE = "1/m"
    get(client, url(answers=SELF_PAY), language)
    limited = get(client, url(answers=SELF_PAY), language)
    assert_page(limited, language, "rate_limited", status=429)


def test_every_page_offers_the_switch_in_each_language_named_in_itself(client, starter_catalog):
    page = get(client, "/", "fr").content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in page
    assert '<button type="submit" name="language" value="es" lang="es">Español</button>' in page
    assert '<span lang="fr" aria-current="true">Français</span>' in page


def test_the_switch_keeps_the_quote_answers(client, starter_catalog):
    clinic, answers, plan = _answers("insured")
    path = url(clinic.slug, answers=answers)
    spanish = get(client, path, "es").content.decode()
    nexts = re.findall(r'name="next" value="([^"]*)"', spanish)
    assert nexts == [html.escape(path)]
    switched = client.post("/i18n/setlang/", {"language": "fr", "next": html.unescape(nexts[0])})
    assert switched.status_code == 302
    assert switched["Location"] == path
    french = client.get(switched["Location"], HTTP_ACCEPT_LANGUAGE="es")  # the cookie wins
    page = assert_page(french, "fr", "estimate")
    quote = engine_quote(clinic, mode="insured", plan=plan)
    with translation.override("fr"):
        total = money_text(quote.estimate.primary.totals.patient_pays, clinic.currency)
    assert total in html.unescape(page)


def test_the_page_cache_keeps_each_language_apart(client, starter_catalog):
    path = url(answers=SELF_PAY)
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = client.get(path, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    again = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your estimate" in english and "Your estimate" in again
    assert "Su estimación" in spanish and "Your estimate" not in spanish


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_apps_catalog_wins_over_other_apps_for_each_of_its_entries(language):
    """An entry also in an earlier app's catalog (django.contrib.sessions' "Sessions") would be
    translated by that app instead: such entries need a context."""
    with (CATALOG / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle)
    lost = []
    with translation.override(language):
        for message in catalog:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                got = (
                    translation.npgettext(message.context, *message.id, 1)
                    if message.context
                    else (translation.ngettext(*message.id, 1))
                )
                wanted = message.string[0]
            elif message.context:
                got, wanted = translation.pgettext(message.context, message.id), message.string
            else:
                got, wanted = translation.gettext(message.id), message.string
            if got != wanted:
                lost.append(message.id)
    assert not lost


def test_the_check_would_catch_an_untranslated_string():
    """The strong check itself: an English sentence of the catalog on a page is found."""
    page = "<html><body><p>Ver mi estimación</p><p>Please check your answers</p></body></html>"
    with pytest.raises(AssertionError, match="Please check your answers"):
        assert_translated(page, "es")
    assert_translated(page.replace("Please check your answers", "Revise sus respuestas"), "es")


def test_the_check_would_catch_the_clinics_english_where_it_has_a_translation(starter_catalog):
    """Catalog text the clinic translated is caught in English; proper names are kept."""
    page = "<html><body><p>Cascade Needling &amp; Physical Therapy</p><p>{}</p></body></html>"
    with pytest.raises(AssertionError, match="Low back"):
        assert_translated(page.format("Low back"), "es")
    assert_translated(page.format("Parte baja de la espalda"), "es")
    assert_translated(page.format("Bas du dos"), "fr")
