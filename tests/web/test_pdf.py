"""The quote as a PDF: same figures as the page, readable text, and no server error."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from estimator.documents.base import printable
from estimator.formatting import money_text

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
    assert (
        response["Content-Disposition"] == 'attachment; filename="estimate-cascade-2026-11-26.pdf"'
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
