"""Documents, notices and emails in the patient's language: the quote PDF, the Good Faith
Estimate, the ABN and Canadian notices and the estimate email in Spanish and French, with that
language's amounts and dates, and the language recorded when the patient asked, so a job run
later (no request, no active language) still writes in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core import mail
from django.utils import translation
from fontTools.ttLib import TTFont

from estimator import emails
from estimator.documents.base import FONT_DIR, printable
from estimator.documents.estimate_email import estimate_email_message
from estimator.documents.gfe_pdf import gfe_pdf_bytes
from estimator.documents.stored import estimate_valid_until, stored_document
from estimator.formatting import date_text, money_text
from estimator.models import EmailKind, Estimate, GoodFaithEstimateRequest, ServiceType
from estimator.notices import NoticeFacts, NoticeKind, notice_decide
from estimator.services import (
    PatientDetails,
    estimate_issue,
    estimate_supersede,
    gfe_request_link_estimate,
)
from estimator.web.display import stored_estimate_view
from tests.conftest import TODAY
from tests.factories import priced_estimate
from tests.support.pdf import pdf_read

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("es", "fr")
# What each language calls the Good Faith Estimate and its dispute process (CMS's Spanish
# model notice; the French used in Canada).
GFE = {"es": "Estimación de buena fe", "fr": "Estimation de bonne foi"}
DISPUTE = {
    "es": "proceso federal de resolución de disputas entre paciente y proveedor",
    "fr": "processus fédéral de règlement des différends entre patient et fournisseur",
}
ESTIMATE_HEADING = {
    "es": "Presupuesto de costos de un tratamiento",
    "fr": "Estimation des coûts d'un traitement",
}
LANG_TAGS = {"es": "es", "fr": "fr"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%%")


def words(text: str) -> str:
    """Text with every run of spaces (also no-break and narrow no-break) as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def my_catalogs(language: str) -> list[Path]:
    """The catalogs holding the documents', notices' and emails' words."""
    return [
        ROOT / "estimator" / "documents" / "locale" / language / "LC_MESSAGES" / "django.po",
        ROOT / "estimator" / "locale" / language / "LC_MESSAGES" / "django.po",
    ]


def english_fragments(language: str) -> set[str]:
    """Runs of English words (between placeholders) that a translated document must not show:
    those of every entry whose translation does not itself contain them."""
    fragments: set[str] = set()
    for path in my_catalogs(language):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            translated = words(" ".join(strings))
            for msgid in ids:
                for piece in PLACEHOLDER.split(re.sub(r"<[^>]+>", " ", msgid)):
                    piece = words(piece).strip(" .,:;()–")
                    if len(piece) >= 12 and piece not in translated:
                        fragments.add(piece)
    return fragments


def untranslated_in(text: str, language: str, *, besides: tuple[str, ...] = ()) -> list[str]:
    """The catalogs' English left in text, once the words written elsewhere (besides: the
    clinic's own text, the display model's, which estimator/web translates) are taken out."""
    flat = words(text)
    for other in sorted((words(b) for b in besides if b), key=len, reverse=True):
        flat = flat.replace(other, " ")
    return sorted(piece for piece in english_fragments(language) if piece in flat)


def strings_of(value: Any) -> tuple[str, ...]:
    """Every string inside a display model (dataclasses, tuples, lists), to set aside."""
    if isinstance(value, str):
        return (value,)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(
            s for field in dataclasses.fields(value) for s in strings_of(getattr(value, field.name))
        )
    if isinstance(value, list | tuple):
        return tuple(s for item in value for s in strings_of(item))
    return ()


@pytest.fixture
def issued(starter_catalog: Any, clock: Any) -> Estimate:
    estimate = priced_estimate(
        name="Renée Núñez", email="renee@example.com", diagnosis_codes=("M54.50",)
    )
    return estimate_issue(estimate=estimate, by="test")


def _in(language: str, estimate: Estimate) -> Estimate:
    estimate.language = language
    estimate.save(update_fields=["language"])
    return estimate


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_good_faith_estimate_pdf_is_in_the_estimates_language(
    issued: Estimate, language: str
) -> None:
    read = pdf_read(gfe_pdf_bytes(estimate=_in(language, issued)))
    text = words(read.text)
    assert read.lang == LANG_TAGS[language]
    assert read.title.startswith(GFE[language])
    assert GFE[language] in text and DISPUTE[language] in text
    with translation.override(language):
        total = money_text(issued.patient_total)
        born = date_text(dt.date(1980, 5, 17))
        last = date_text(issued.end_date)
    assert words(total) in text and born in text and last in text
    assert "Renée Núñez" in text
    if language == "es":
        assert "$400" in text and "no es un contrato" in text and "Aviso legal" in text
    else:
        assert "400 $ US" in text and "n'est pas un contrat" in text and "Sessions" not in text
    contact = (issued.clinic.good_faith_estimate_contact,)
    assert untranslated_in(read.text, language, besides=contact) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_itemised_estimate_pdf_is_in_the_estimates_language(
    issued: Estimate, language: str
) -> None:
    document = stored_document(estimate=_in(language, issued), kind=EmailKind.QUOTE)
    read = pdf_read(document.content)
    text = words(read.text)
    assert read.lang == LANG_TAGS[language]
    assert ESTIMATE_HEADING[language] in text
    with translation.override(language):
        valid = date_text(estimate_valid_until(estimate=issued))
        total = money_text(issued.patient_total)
    assert valid in text and words(total) in text
    # The breakdown's own words come from the display model the quote page shares
    # (estimator/web/display.py, translated there); everything this document adds is checked.
    with translation.override(language):
        view = stored_estimate_view(estimate=issued)
    besides = (*strings_of(view), issued.clinic.good_faith_estimate_contact)
    assert untranslated_in(read.text, language, besides=besides) == []


def test_a_canadian_estimate_in_french_shows_canadian_dollars_the_french_way(
    starter_catalog: Any, clock: Any
) -> None:
    estimate = _in("fr", priced_estimate(clinic_slug="harbour"))
    assert estimate.patient_total.currency.code == "CAD"
    text = words(pdf_read(stored_document(estimate=estimate, kind=EmailKind.QUOTE).content).text)
    with translation.override("fr"):
        total = money_text(estimate.patient_total)
        notice = notice_decide(
            facts=NoticeFacts(
                country="CA", coverage_mode="self_pay", payer_kind=None, first_visit=TODAY
            ),
            today=TODAY,
            clinic_name="Harbour",
        )
    # "1 234,50 $": comma decimals, a (no-break) space before the dollar sign.
    assert re.fullmatch(r"[\d\u202f\u00a0 ]+,\d\d\u00a0\$", total)
    assert words(total) in text
    assert notice.kind is NoticeKind.ITEMISED_ESTIMATE
    assert notice.title == "Estimation détaillée, puis reçus pour votre régime"
    assert "reçu que votre régime d'assurance complémentaire santé accepte" in notice.what_you_get


@pytest.mark.parametrize(
    ("language", "title", "signed"),
    [
        ("es", "Aviso Anticipado al Beneficiario (ABN)", "Se firma antes del servicio"),
        ("fr", "Avis préalable au bénéficiaire (ABN)", "Signé avant le service"),
    ],
)
def test_the_abn_notice_is_in_the_active_language_with_its_dates(
    language: str, title: str, signed: str
) -> None:
    facts = NoticeFacts(
        country="US",
        coverage_mode="insured",
        payer_kind="medicare",
        first_visit=dt.date(2026, 12, 2),
        abn=("Dry needling",),
    )
    with translation.override(language):
        notice = notice_decide(facts=facts, today=TODAY, clinic_name="Cascade")
        first_visit = date_text(dt.date(2026, 12, 2))
    assert notice.kind is NoticeKind.ABN and notice.title == title
    assert notice.deadline is not None
    assert notice.deadline.text.startswith(signed) and first_visit in notice.deadline.text
    assert "CMS-R-131" in notice.what_you_get and "Medicare" in notice.what_you_get
    assert untranslated_in(f"{notice.title} {notice.what_you_get}", language) == []
    # The API and admin ask with no language active: English, as before.
    english = notice_decide(facts=facts, today=TODAY, clinic_name="Cascade")
    assert english.title == "Advance Beneficiary Notice (ABN)"


@pytest.mark.parametrize(
    ("language", "deadline"),
    [("es", "A más tardar el"), ("fr", "Au plus tard le")],
)
def test_the_good_faith_estimate_deadline_is_said_in_the_active_language(
    language: str, deadline: str
) -> None:
    facts = NoticeFacts(
        country="US", coverage_mode="self_pay", payer_kind=None, first_visit=dt.date(2026, 12, 14)
    )
    with translation.override(language):
        notice = notice_decide(facts=facts, today=TODAY, clinic_name="Cascade")
    assert notice.title == GFE[language]
    assert notice.deadline is not None and notice.deadline.text.startswith(deadline)
    assert untranslated_in(notice.deadline.text + notice.what_you_get, language) == []


@pytest.mark.parametrize(
    ("language", "subject", "hello", "you_pay"),
    [
        ("es", "Su Estimación de buena fe", "Hola:", "Usted paga:"),
        ("fr", "Votre Estimation de bonne foi", "Bonjour,", "Vous payez :"),
    ],
)
def test_the_email_text_html_and_pdf_are_in_the_language_asked(
    issued: Estimate, language: str, subject: str, hello: str, you_pay: str
) -> None:
    message = estimate_email_message(
        estimate=issued,
        to="renee@example.com",
        kind=EmailKind.GOOD_FAITH_ESTIMATE,
        link="https://estimates.example/estimate/abc/",
        link_expires="LINK-EXPIRES",
        language=language,
    )
    html = str(message.alternatives[0][0])
    with translation.override(language):
        total = money_text(issued.patient_total)
        first = date_text(issued.start_date)
    assert message.subject.startswith(subject) and issued.reference in message.subject
    for body in (message.body, html):
        assert hello in body and first in body and words(total) in words(body)
        assert untranslated_in(body, language) == []
    assert words(you_pay) in words(message.body)
    assert f'<html lang="{language}">' in html
    read = pdf_read(message.attachments[0][1])
    assert read.lang == LANG_TAGS[language] and GFE[language] in words(read.text)
    # Nothing leaks: the language is back to what it was after the message is built.
    assert translation.get_language() == settings.LANGUAGE_CODE


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_itemised_estimate_email_is_translated_too(
    starter_catalog: Any, clock: Any, language: str
) -> None:
    estimate = estimate_issue(estimate=priced_estimate(clinic_slug="harbour"), by="test")
    message = estimate_email_message(
        estimate=estimate, to="p@example.com", kind=EmailKind.QUOTE, language=language
    )
    with translation.override(language):
        valid = date_text(estimate_valid_until(estimate=estimate))
    for body in (message.body, str(message.alternatives[0][0])):
        assert valid in body and untranslated_in(body, language) == []
    assert ESTIMATE_HEADING[language] in words(pdf_read(message.attachments[0][1]).text)


@pytest.mark.parametrize(
    ("headers", "language"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"}, "es"),
        ({"HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=fr"}, "fr"),
        ({"HTTP_ACCEPT_LANGUAGE": "en-US"}, "en"),
    ],
)
def test_a_request_from_the_page_gets_its_gfe_and_email_in_that_language_when_the_job_runs(
    client: Any,
    starter_catalog: Any,
    clock: Any,
    django_capture_on_commit_callbacks: Any,
    headers: dict[str, str],
    language: str,
) -> None:
    from tests.web.test_gfe_request import ASKED, PATIENT

    response = client.post("/quote/cascade/request/", {**ASKED, **PATIENT}, **headers)
    assert response.status_code == 302
    request = GoodFaithEstimateRequest.objects.get()
    assert request.language == language
    # Staff price it in admin (English) and issue it; the job sends it with no request at all.
    estimate = priced_estimate(name="Ada Lovelace", email="ada@example.com")
    gfe_request_link_estimate(request=request, estimate=estimate, by="test")
    estimate.refresh_from_db()
    assert estimate.language == language
    estimate = estimate_issue(estimate=estimate, by="test")
    with django_capture_on_commit_callbacks(execute=True):
        email = emails.estimate_email_send(estimate=estimate, by="test")
    email.refresh_from_db()
    assert (email.status, email.language) == ("sent", language)
    (message,) = mail.outbox
    read = pdf_read(message.attachments[0][1])
    title = GFE.get(language, "Good Faith Estimate")
    assert title in message.subject and title in words(read.text)
    assert read.lang == {"en": "en-US", **LANG_TAGS}[language]


def test_an_email_may_be_sent_in_another_language_and_a_correction_keeps_the_language(
    issued: Estimate, django_capture_on_commit_callbacks: Any
) -> None:
    _in("es", issued)
    with django_capture_on_commit_callbacks(execute=True):
        email = emails.estimate_email_send(estimate=issued, by="test", language="fr")
    assert email.language == "fr"
    assert mail.outbox[0].subject.startswith("Votre Estimation de bonne foi")
    correction = estimate_supersede(
        estimate=issued, by="test", reason="Typo in the name", patient=PatientDetails(name="R N")
    )
    assert correction.language == "es"


def test_every_translated_character_is_in_the_pdf_fonts() -> None:
    """No accented letter, guillemet or no-break space of a translation or of Babel's French and
    Spanish amounts is reduced to a base letter or '?' (base.printable) in a document."""
    samples = []
    for language in LANGUAGES:
        for path in my_catalogs(language):
            with path.open("rb") as handle:
                for message in read_po(handle):
                    strings = (
                        message.string if isinstance(message.string, tuple) else (message.string,)
                    )
                    samples += [s for s in strings if s]
        with translation.override(language):
            samples += [money_text("1234.5", "USD"), money_text("1234.5", "CAD")]
            samples.append(date_text(dt.date(2026, 2, 1)))
    samples.append("« » é è ê ë à â ç ñ ¿ ¡ ü ó í ú É À Ç \u00a0 \u202f")
    assert any("\u202f" in s for s in samples) and any("\u00a0" in s for s in samples)
    for font in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"):
        glyphs = set(TTFont(FONT_DIR / font).getBestCmap())
        missing = {
            char
            for sample in samples
            for char in unicodedata.normalize("NFC", sample)
            if printable(char, glyphs) != char
        }
        assert not missing, f"{font} lacks {sorted(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_quote_pages_pdf_is_in_the_pages_language(
    client: Any, starter_catalog: Any, clock: Any, language: str
) -> None:
    from tests.web.conftest import SELF_PAY, url

    response = client.get(
        url(answers=SELF_PAY, page="estimate.pdf"),
        HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}={language}",
    )
    assert response.status_code == 200
    read = pdf_read(response.content)
    assert read.lang == LANG_TAGS[language]
    assert ESTIMATE_HEADING[language] in words(read.text)
    with translation.override(language):
        today = date_text(TODAY)
    assert today in words(read.text)


def test_staff_may_change_an_issued_estimates_language_in_admin(
    staff_client: Any, issued: Estimate
) -> None:
    from django.urls import reverse

    url = reverse("admin:estimator_estimate_change", args=[issued.pk])
    assert 'name="language"' in staff_client.get(url).content.decode()
    response = staff_client.post(url, {"language": "es", "notes": "Asked for Spanish."})
    assert response.status_code == 302
    issued.refresh_from_db()
    assert (issued.language, issued.status, issued.patient_name) == ("es", "issued", "Renée Núñez")
    # The admin's download prints it in that language.
    pdf = staff_client.get(
        reverse("admin:estimator_estimate_good_faith_estimate", args=[issued.pk])
    )
    assert pdf.status_code == 200 and GFE["es"] in words(pdf_read(pdf.content).text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_good_faith_estimate_names_the_clinics_treatments_in_the_estimates_language(
    issued: Estimate, language: str
) -> None:
    """The clinic's own words (treatment names and description, the contact paragraph) as the
    clinic translated them; the engine's stored figures keep their English names."""
    read = pdf_read(gfe_pdf_bytes(estimate=_in(language, issued)))
    text = words(read.text)
    line = issued.result_data["scenarios"]["primary"]["sessions"][0]["lines"][0]
    service = ServiceType.objects.get(name=line["name"].rsplit(" (", 1)[0])
    translated = getattr(service, f"name_{language}")
    assert translated and translated != service.name
    assert words(translated) in text
    assert words(service.name) not in text
    contact = getattr(issued.clinic, f"good_faith_estimate_contact_{language}")
    assert contact and words(contact)[:60] in text
