"""The quote as a PDF (fpdf2, pure Python): the same breakdown as the page, to keep or print."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from fpdf.enums import XPos, YPos

from estimator.catalog_text import localized
from estimator.formatting import date_text
from estimator.models.estimates import REFERENCE_ALPHABET
from estimator.web.display import EstimateView, ScenarioView

from .base import FONT, INK, MUTED, DocumentPDF, printable

__all__ = ["printable", "quote_pdf_bytes", "quote_reference"]

DISCLAIMER = gettext_lazy(
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
    for _digit in range(8):
        number, index = divmod(number, len(REFERENCE_ALPHABET))
        letters.append(REFERENCE_ALPHABET[index])
    return "Q-" + "".join(letters)


class _QuotePDF(DocumentPDF):
    """The quote's page: the clinic's name in the footer says it is an estimate, not a bill."""

    def __init__(self, clinic_name: str) -> None:
        super().__init__(_("%(clinic)s – estimate, not a bill") % {"clinic": clinic_name})
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
    phone = _("Phone %(phone)s") % {"phone": clinic.phone}
    contact = " · ".join(x for x in (phone, clinic.email, clinic.website) if x)
    pdf.text_block(contact, size=9.5, gap=0)
    if clinic.npi:
        pdf.text_block(f"NPI {clinic.npi}", size=9.5, gap=0)
    pdf.ln(3)
    pdf.set_text_color(*INK)
    pdf.text_block(_("Cost estimate for a course of treatment"), size=14, style="B", gap=0)
    pdf.set_text_color(*MUTED)
    pdf.text_block(
        _("Prepared %(date)s. Amounts in %(currency_name)s (%(currency)s).")
        % {"date": prepared, "currency_name": view.currency_name, "currency": view.currency},
        size=9.5,
    )
    pdf.set_text_color(*INK)
    pdf.labelled(
        [
            (_("Reference"), reference),
            (
                _("Valid until"),
                _("%(date)s (prices may change after this date)")
                % {"date": date_text(valid_until)},
            ),
        ]
    )
    if html_url:
        pdf.link_line(_("The same estimate as a web page (for screen readers):"), html_url)
    pdf.rule()
    pdf.text_block(view.headline, size=12, style="B", gap=2)


def _plan(pdf: _QuotePDF, view: EstimateView) -> None:
    plan = view.plan
    pdf.heading(pgettext("the treatment plan, as a heading", "Your plan"))
    rows = [
        (_("Treatment"), f"{plan.treatment}, {plan.length}"),
        (_("Add-ons"), ", ".join(plan.add_ons) or pgettext("add-ons", "None")),
        (_("Sessions"), plan.sessions),
        (
            _("Visits"),
            _("%(first)s to %(last)s") % {"first": view.first_visit, "last": view.last_visit},
        ),
        (_("Paying"), plan.coverage),
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
            _(
                "Prepaid package: %(name)s, %(price)s for %(count)s sessions (sessions "
                "%(numbers)s), use by %(date)s. Single sessions would cost %(singles)s: you save "
                "%(savings)s."
            )
            % {
                "name": package.name,
                "price": package.price,
                "count": package.sessions,
                "numbers": package.session_numbers,
                "date": package.valid_until,
                "singles": package.singles_cost,
                "savings": package.savings,
            },
            size=9.5,
            style="B",
        )
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for group in scenario.groups:
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.set_font(FONT, style="B", size=9.5)
        pdf.cell(
            width - 75,
            5.5,
            pdf.safe(
                _("%(sessions)s (%(dates)s), each:")
                % {"sessions": group.label, "dates": group.dates}
            ),
            new_x=XPos.RIGHT,
        )
        for text in (_("Price"), _("Insurance"), _("You pay")):
            pdf.cell(25, 5.5, pdf.safe(text), align="R")
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
        pdf.cell(width - 75, 5.5, pdf.safe(_("Session total")))
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
        title=_("Cost estimate %(reference)s – %(clinic)s")
        % {"reference": reference, "clinic": view.clinic.name},
        subject=_("Estimate of treatment costs, %(first)s to %(last)s, valid until %(valid_until)s")
        % {
            "first": view.first_visit,
            "last": view.last_visit,
            "valid_until": date_text(valid_until),
        },
        author=view.clinic.name,
        keywords=_("estimate %(reference)s") % {"reference": reference},
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
        best = _("Best case: %(scenario)s") % {"scenario": view.best.title}
        worst = _("Worst case: %(scenario)s") % {"scenario": view.primary.title}
        pdf.heading(_("Your range"))
        pdf.figures(
            [(best, view.best.patient_pays), (worst, view.primary.patient_pays)],
            bold_last=False,
        )
        _scenario(pdf, view.primary, worst)
        _scenario(pdf, view.best, best)
    else:
        _scenario(pdf, view.primary, _("Cost per session and in total"))
    if view.warnings:
        pdf.heading(_("Please note"))
        pdf.bullets(view.warnings)
    pdf.heading(_("What to expect"))
    pdf.text_block(
        _("Each session lasts about %(minutes)s minutes.") % {"minutes": view.plan.session_minutes},
        size=9.5,
    )
    if view.plan.what_to_expect:
        pdf.text_block(view.plan.what_to_expect, size=9.5)
    pdf.heading(_("How this estimate was worked out"))
    pdf.bullets(view.assumptions, size=9)
    pdf.heading(_("Important"))
    pdf.bullets([*view.notes, str(DISCLAIMER)])
    if view.clinic.good_faith_estimate_contact:
        pdf.text_block(localized(view.clinic, "good_faith_estimate_contact"), size=9)
    return bytes(pdf.output())
