"""The quote as a PDF: same figures as the page, readable text, and no server error."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from estimator.documents.base import printable
from estimator.formatting import date_text, money_text
from tests.support.pdf import pdf_read

from .conftest import SELF_PAY, engine_quote, url

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The text of every page, as a PDF reader extracts it (pypdf)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages)


def test_pdf_download_has_the_engines_total_and_per_session_figures(client, cascade):
    response = client.get(url(answers=SELF_PAY, page="estimate.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="estimate-Q-[2-9A-Z]{8}\.pdf"', response["Content-Disposition"]
    )
    data = response.content
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    quote = engine_quote(cascade)
    total = money_text(quote.estimate.primary.totals.patient_pays, "USD")
    assert f"You would pay {total} in total." in text
    session = quote.estimate.primary.sessions[0]
    assert money_text(session.totals.patient_pays, "USD") in text
    assert "Cascade Needling & Physical Therapy" in text
    assert "2145 NE Broadway St" in text
    assert "Prepaid package" in text
    assert "Dry needling is often not covered" in text
    assert "This is an estimate, not a bill" in text
    assert "Self-pay discount of 10%: $2.00 off." in text


def test_pdf_of_an_unsure_patient_shows_both_ends(client, cascade):
    answers = {**SELF_PAY, "coverage": "unknown"}
    text = pdf_text(client.get(url(answers=answers, page="estimate.pdf")).content)
    quote = engine_quote(cascade, mode="unknown")
    assert quote.estimate.best is not None
    assert money_text(quote.estimate.best.totals.patient_pays, "USD") in text
    assert money_text(quote.estimate.primary.totals.patient_pays, "USD") in text
    assert "Best case" in text and "Worst case" in text


def test_pdf_of_invalid_or_missing_answers_goes_back_to_the_page(client, cascade):
    response = client.get(url(answers={**SELF_PAY, "sessions": "0"}, page="estimate.pdf"))
    assert response.status_code == 302
    assert response["Location"].startswith("/quote/cascade/?")
    assert "sessions=0" in response["Location"]
    assert client.get("/quote/cascade/estimate.pdf").status_code == 302


def test_characters_the_font_lacks_become_their_base_letter_or_a_question_mark():
    glyphs = {ord(c) for c in "Six-minute sessions(12)—“great” ≥ o"}
    assert printable("Six–minute sessions (1–2) — “great” ≥ ő 漢", glyphs) == (
        "Six?minute sessions (1?2) — “great” ≥ o ?"
    )


def test_names_beyond_latin1_are_shown_as_typed(client, cascade):
    cascade.name = "Łódź Needling — “Zdrowie” Ελλάς 漢方"
    cascade.save()
    response = client.get(url(answers=SELF_PAY, page="estimate.pdf"))
    assert response.status_code == 200
    text = pdf_text(response.content)
    # DejaVu Sans has Polish, Greek and typographic quotes; it has no Han characters.
    assert "Łódź Needling — “Zdrowie” Ελλάς ??" in text


def test_pdf_is_titled_in_english_with_its_reference_validity_and_web_version(
    client, cascade, settings
):
    settings.ESTIMATOR_ESTIMATE_VALID_DAYS = 30
    response = client.get(url(answers=SELF_PAY, page="estimate.pdf"))
    found = re.search(r"estimate-(Q-[2-9A-Z]{8})\.pdf", response["Content-Disposition"])
    assert found is not None
    reference = found[1]
    pdf = pdf_read(response.content)
    assert pdf.title == f"Cost estimate {reference} – {cascade.name}"
    assert (pdf.lang, pdf.author, pdf.shows_title) == ("en-US", cascade.name, True)
    valid_until = cascade.today() + dt.timedelta(days=30)
    assert f"Reference {reference}" in pdf.text
    assert f"Valid until {date_text(valid_until)}" in pdf.text
    # The same answers the same day give the same reference (staff can bring the quote back).
    again = client.get(url(answers=SELF_PAY, page="estimate.pdf"))
    assert again["Content-Disposition"] == response["Content-Disposition"]
    other = client.get(url(answers={**SELF_PAY, "sessions": "5"}, page="estimate.pdf"))
    assert other["Content-Disposition"] != response["Content-Disposition"]
    assert any(link.startswith("http://testserver/quote/cascade/?") for link in pdf.links)
