"""The quote as a PDF (fpdf2, pure Python): the same breakdown as the page, to keep or print."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from fpdf.enums import XPos, YPos

from estimator.formatting import date_text
from estimator.models.estimates import REFERENCE_ALPHABET
from estimator.web.display import EstimateView, ScenarioView

from .base import FONT, INK, MUTED, DocumentPDF, printable

__all__ = ["printable", "quote_pdf_bytes", "quote_reference"]

DISCLAIMER = (
    "Other services may be recommended during your care and would be estimated separately. "
    "This estimate is not a contract and does not require you to receive the services listed. "
    "Keep a copy of it."
)


def quote_reference(*, clinic_slug: str, answers: Iterable[tuple[str, str]], day: dt.date) -> str:
    """A reference for a quote from the page, which is not stored: the same answers on the same
    day give the same reference, so staff can bring the quote back from what the patient reads
    out (Q-, never EST-: no estimate record has it)."""
    text = "\n".join([clinic_slug, day.isoformat(), *(f"{k}={v}" for k, v in sorted(answers))])
    number = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    letters = []
    for _ in range(8):
        number, index = divmod(number, len(REFERENCE_ALPHABET))
        letters.append(REFERENCE_ALPHABET[index])
    return "Q-" + "".join(letters)


class _QuotePDF(DocumentPDF):
    """The quote's page: the clinic's name in the footer says it is an estimate, not a bill."""

    def __init__(self, clinic_name: str) -> None:
        super().__init__(f"{clinic_name} – estimate, not a bill")
        self.clinic_name = clinic_name


def _header(
    pdf: _QuotePDF,
    view: EstimateView,
    prepared: str,
    reference: str,
    valid_until: dt.date,
    html_url: str,
) -> None:
    clinic = view.clinic
    pdf.set_text_color(*INK)
    pdf.text_block(clinic.name, size=16, style="B", gap=0)
    pdf.set_text_color(*MUTED)
    pdf.text_block(clinic.address_text, size=9.5, gap=0)
    contact = " · ".join(x for x in (f"Phone {clinic.phone}", clinic.email, clinic.website) if x)
    pdf.text_block(contact, size=9.5, gap=0)
    if clinic.npi:
        pdf.text_block(f"NPI {clinic.npi}", size=9.5, gap=0)
    pdf.ln(3)
    pdf.set_text_color(*INK)
    pdf.text_block("Cost estimate for a course of treatment", size=14, style="B", gap=0)
    pdf.set_text_color(*MUTED)
    pdf.text_block(
        f"Prepared {prepared}. Amounts in {view.currency_name} ({view.currency}).",
        size=9.5,
    )
    pdf.set_text_color(*INK)
    pdf.labelled(
        [
            ("Reference", reference),
            ("Valid until", f"{date_text(valid_until)} (prices may change after this date)"),
        ]
    )
    if html_url:
        pdf.link_line("The same estimate as a web page (for screen readers):", html_url)
    pdf.rule()
    pdf.text_block(view.headline, size=12, style="B", gap=2)


def _plan(pdf: _QuotePDF, view: EstimateView) -> None:
    plan = view.plan
    pdf.heading("Your plan")
    rows = [
        ("Treatment", f"{plan.treatment}, {plan.length}"),
        ("Add-ons", ", ".join(plan.add_ons) or "None"),
        ("Sessions", plan.sessions),
        ("Visits", f"{view.first_visit} to {view.last_visit}"),
        ("Paying", plan.coverage),
    ]
    pdf.labelled(rows)


def _scenario(pdf: _QuotePDF, scenario: ScenarioView, title: str) -> None:
    pdf.heading(title, size=12)
    pdf.set_text_color(*MUTED)
    for assumption in scenario.assumptions:
        pdf.text_block(assumption, size=9, style="I", gap=0.5)
    pdf.set_text_color(*INK)
    pdf.figures([(f.label, f.amount) for f in scenario.totals])
    for package in scenario.packages:
        pdf.text_block(
            f"Prepaid package: {package.name}, {package.price} for {package.sessions} sessions "
            f"(sessions {package.session_numbers}), use by {package.valid_until}. Single "
            f"sessions would cost {package.singles_cost}: you save {package.savings}.",
            size=9.5,
            style="B",
        )
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for group in scenario.groups:
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.set_font(FONT, style="B", size=9.5)
        pdf.cell(
            width - 75, 5.5, pdf.safe(f"{group.label} ({group.dates}), each:"), new_x=XPos.RIGHT
        )
        for text in ("Price", "Insurance", "You pay"):
            pdf.cell(25, 5.5, text, align="R")
        pdf.ln(5.5)
        for line in group.lines:
            pdf.set_font(FONT, size=9.5)
            pdf.cell(width - 75, 5, pdf.safe(f"{line.name} ({line.codes})"))
            for amount in (line.charge, line.plan_pays, line.patient_pays):
                pdf.cell(25, 5, pdf.safe(amount), align="R")
            pdf.ln(5)
            pdf.set_text_color(*MUTED)
            for reason in line.explanations:
                pdf.set_x(pdf.l_margin + 4)
                pdf.set_font(FONT, size=8.5)
                pdf.multi_cell(
                    0, 4.2, pdf.safe(reason), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
                )
            pdf.set_text_color(*INK)
        pdf.set_font(FONT, style="B", size=9.5)
        pdf.cell(width - 75, 5.5, "Session total")
        for amount in (group.charge, group.plan_pays, group.patient_pays):
            pdf.cell(25, 5.5, pdf.safe(amount), align="R")
        pdf.ln(7)


def quote_pdf_bytes(
    *,
    view: EstimateView,
    reference: str,
    valid_until: dt.date,
    html_url: str = "",
    prepared: str | None = None,
) -> bytes:
    """The estimate as a PDF document, with its reference, validity and HTML version."""
    pdf = _QuotePDF(view.clinic.name)
    pdf.describe(
        title=f"Cost estimate {reference} – {view.clinic.name}",
        subject=(
            f"Estimate of treatment costs, {view.first_visit} to {view.last_visit}, valid "
            f"until {date_text(valid_until)}"
        ),
        author=view.clinic.name,
        keywords=f"estimate {reference}",
    )
    pdf.add_page()
    _header(
        pdf,
        view,
        prepared or date_text(view.clinic.today()),
        reference,
        valid_until,
        html_url,
    )
    _plan(pdf, view)
    if view.best is not None:
        pdf.heading("Your range")
        pdf.figures(
            [
                (f"Best case: {view.best.title}", view.best.patient_pays),
                (f"Worst case: {view.primary.title}", view.primary.patient_pays),
            ],
            bold_last=False,
        )
        _scenario(pdf, view.primary, f"Worst case: {view.primary.title}")
        _scenario(pdf, view.best, f"Best case: {view.best.title}")
    else:
        _scenario(pdf, view.primary, "Cost per session and in total")
    if view.warnings:
        pdf.heading("Please note")
        pdf.bullets(view.warnings)
    pdf.heading("What to expect")
    pdf.text_block(f"Each session lasts about {view.plan.session_minutes} minutes.", size=9.5)
    if view.plan.what_to_expect:
        pdf.text_block(view.plan.what_to_expect, size=9.5)
    pdf.heading("How this estimate was worked out")
    pdf.bullets(view.assumptions, size=9)
    pdf.heading("Important")
    pdf.bullets([*view.notes, DISCLAIMER])
    if view.clinic.good_faith_estimate_contact:
        pdf.text_block(view.clinic.good_faith_estimate_contact, size=9)
    return bytes(pdf.output())
