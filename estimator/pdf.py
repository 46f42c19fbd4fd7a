"""The quote as a PDF (fpdf2, pure Python): the same breakdown as the page, to keep or print."""

from __future__ import annotations

import unicodedata
from collections.abc import Container
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .quote_display import EstimateView, ScenarioView, date_text

# DejaVu Sans ships in estimator/fonts (free licence, LICENSE-DejaVu.txt beside it) so the PDF
# shows dashes, quotes, accents and Cyrillic or Greek names as typed; fpdf2 embeds only the
# glyphs used. A character the font lacks is reduced to its unaccented letter, or '?'.
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
DISCLAIMER = (
    "Other services may be recommended during your care and would be estimated separately. "
    "This estimate is not a contract and does not require you to receive the services listed. "
    "Keep a copy of it."
)
INK = (20, 20, 20)
MUTED = (70, 70, 70)
RULE = (160, 160, 160)


def printable(text: str, glyphs: Container[int]) -> str:
    """Text the PDF font can show: characters it lacks become their base letter or '?'."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if ord(char) in glyphs or char in "\n\t":
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) in glyphs)
        out.append(base or "?")
    return "".join(out)


class _QuotePDF(FPDF):
    """A Letter page with the clinic's name and page numbers in the footer."""

    def __init__(self, clinic_name: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="Letter")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.glyphs: Container[int] = getattr(self.fonts[FONT.lower()], "cmap", {})
        self.clinic_name = clinic_name
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        text = self.safe(f"{self.clinic_name} – estimate, not a bill – page {self.page_no()}")
        self.cell(0, 5, text, align="C")

    def safe(self, text: str) -> str:
        """Text this document's font can show."""
        return printable(text, self.glyphs)

    def text_block(self, text: str, *, size: float = 10, style: str = "", gap: float = 1) -> None:
        """A wrapped paragraph."""
        self.set_font(FONT, style=style, size=size)
        self.multi_cell(
            0, size * 0.5, self.safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(gap)

    def heading(self, text: str, size: float = 13) -> None:
        """A section heading, kept with at least a few lines of what follows."""
        if self.get_y() > self.h - 45:
            self.add_page()
        self.ln(2)
        self.set_text_color(*INK)
        self.text_block(text, size=size, style="B", gap=1)

    def bullets(self, items: tuple[str, ...] | list[str], size: float = 9.5) -> None:
        """A list, one item a paragraph."""
        for item in items:
            self.set_font(FONT, size=size)
            self.cell(4, size * 0.5, self.safe("·"))
            self.multi_cell(
                0, size * 0.5, self.safe(item), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.ln(0.6)

    def figures(self, rows: list[tuple[str, str]], *, bold_last: bool = True) -> None:
        """Label on the left, amount on the right."""
        width = self.w - self.l_margin - self.r_margin
        for index, (label, amount) in enumerate(rows):
            last = bold_last and index == len(rows) - 1
            self.set_font(FONT, style="B" if last else "", size=10)
            self.cell(width - 40, 6, self.safe(label))
            self.cell(40, 6, self.safe(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def rule(self) -> None:
        """A thin line across the page."""
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)


def _header(pdf: _QuotePDF, view: EstimateView, prepared: str) -> None:
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
    for label, value in rows:
        pdf.set_font(FONT, style="B", size=9.5)
        pdf.cell(28, 5, pdf.safe(label))
        pdf.set_font(FONT, size=9.5)
        pdf.multi_cell(0, 5, pdf.safe(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


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


def quote_pdf_bytes(*, view: EstimateView, prepared: str | None = None) -> bytes:
    """The estimate as a PDF document."""
    pdf = _QuotePDF(view.clinic.name)
    pdf.set_title(f"Cost estimate – {view.clinic.name}")
    pdf.set_author(view.clinic.name)
    pdf.add_page()
    _header(pdf, view, prepared or date_text(view.clinic.today()))
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
