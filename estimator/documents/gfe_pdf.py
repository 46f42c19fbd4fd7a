"""The Good Faith Estimate document as a PDF, on the same page and fonts as the quote PDF."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from fpdf.fonts import FontFace

from estimator.catalog_text import localized
from estimator.formatting import currency_words, date_text
from estimator.models import Estimate

from .base import FONT, INK, MUTED, DocumentPDF
from .gfe import GoodFaithEstimate, SessionRun, gfe_build

DRAFT_MARK = gettext_lazy("DRAFT — not yet issued")
DRAFT_RED = (170, 20, 20)
DISPUTE_PHONE = "1-800-985-3059"
DISPUTE_WEB = "www.cms.gov/nosurprises"
SEPARATE_SCHEDULING = gettext_lazy(
    "None known. Every item and service reasonably expected for this course of care is provided "
    "by the provider named above and is listed in this estimate. If another provider or facility "
    "becomes involved, you will receive a separate Good Faith Estimate for their services."
)


def disclaimers(document: GoodFaithEstimate) -> list[str]:
    """The notices 45 CFR 149.610 requires, in plain language."""
    return [
        _(
            "You are entitled to a Good Faith Estimate of what you will be charged for health "
            "care items and services if you do not have insurance or do not use it to pay for "
            "your care."
        ),
        _(
            "This Good Faith Estimate shows the costs of items and services that are reasonably "
            "expected for your health care needs, based on the information known to us when it "
            "was made. It does not include any unknown or unexpected costs that may arise during "
            "treatment."
        ),
        _(
            "Other items or services may be recommended as part of your care. They are not part "
            "of this estimate and would be estimated separately."
        ),
        _("This is an estimate: the actual items, services or charges may differ from it."),
        # The $400 and $25 are the rule's own (45 CFR 149.620), in US dollars in every language.
        _(
            "If you are billed at least $400 more than this Good Faith Estimate by %(clinic)s "
            "(the $400 is counted per provider or facility), you may start the federal "
            "patient-provider dispute resolution process. You must start it within 120 calendar "
            "days (about 4 months) of the date on the original bill, and there is a $25 fee. To "
            "start it, visit %(web)s or call %(phone)s; you will need a copy of this Good Faith "
            "Estimate and of the bill. Starting a dispute does not affect the quality of the "
            "care you receive or your access to it."
        )
        % {
            "clinic": document.clinic.name,
            "web": DISPUTE_WEB,
            "phone": DISPUTE_PHONE,
        },
        _(
            "This Good Faith Estimate is not a contract and does not require you to receive any "
            "of the items or services listed."
        ),
        _(
            "Keep a copy of this Good Faith Estimate in a safe place or take pictures of it; you "
            "may need it if you are billed more than the estimate."
        ),
    ]


class _GfePDF(DocumentPDF):
    """Every page names the estimate and, on a draft, says it is not yet issued."""

    def __init__(self, document: GoodFaithEstimate) -> None:
        note = _("%(clinic)s – Good Faith Estimate %(reference)s") % {
            "clinic": document.clinic.name,
            "reference": document.reference,
        }
        super().__init__(f"{note} – {DRAFT_MARK}" if document.is_draft else note)


def _header(pdf: _GfePDF, doc: GoodFaithEstimate, valid_until: dt.date, html_url: str) -> None:
    issued = date_text(doc.issued_on)
    pdf.set_text_color(*INK)
    pdf.text_block(_("Good Faith Estimate"), size=18, style="B", gap=0)
    pdf.set_text_color(*MUTED)
    pdf.text_block(
        _("For uninsured and self-pay patients (US No Surprises Act, 45 CFR 149.610)."),
        size=9.5,
    )
    if doc.is_draft:
        pdf.set_text_color(*DRAFT_RED)
        pdf.text_block(
            _("%(draft)s. Do not give this to the patient until the estimate is issued.")
            % {"draft": DRAFT_MARK},
            size=12,
            style="B",
        )
    pdf.set_text_color(*INK)
    pdf.labelled(
        [
            (_("Reference"), doc.reference),
            (_("Date issued"), issued + (f" ({DRAFT_MARK})" if doc.is_draft else "")),
            (
                _("Valid until"),
                _("%(date)s (the last scheduled session)") % {"date": date_text(valid_until)},
            ),
            (_("Amounts in"), f"{currency_words(doc.currency)} ({doc.currency})"),
        ],
        label_width=32,
    )
    if html_url:
        pdf.link_line(_("This estimate as a web page (for screen readers):"), html_url)
    pdf.rule()


def _parties(pdf: _GfePDF, doc: GoodFaithEstimate) -> None:
    clinic = doc.clinic
    pdf.heading(_("Patient"), size=12)
    pdf.labelled(
        [
            (_("Name"), doc.patient_name),
            (_("Date of birth"), date_text(doc.patient_date_of_birth)),
        ],
        label_width=32,
    )
    pdf.heading(_("Provider and facility"), size=12)
    pdf.labelled(
        [
            (_("Name"), clinic.name),
            (_("NPI"), clinic.npi),
            (_("TIN"), clinic.tin),
            (_("State"), clinic.region),
            (_("Office location"), clinic.address_text),
            (_("Phone"), clinic.phone),
        ],
        label_width=32,
    )


def _service(pdf: _GfePDF, doc: GoodFaithEstimate) -> None:
    pdf.heading(_("Primary service"), size=12)
    pdf.text_block(doc.primary_service, size=10, style="B", gap=0.5)
    if doc.primary_description:
        pdf.text_block(doc.primary_description, size=9.5)
    rows = [(_("Scheduled"), doc.schedule)]
    if doc.sessions > 1:
        rows += [(_("Frequency"), doc.frequency), (_("Total sessions"), str(doc.sessions))]
    codes = ", ".join(doc.diagnosis_codes) or pgettext("codes", "None recorded")
    rows.append((_("Diagnosis codes"), codes))
    if doc.other_services:
        rows.append((_("Also planned"), "; ".join(doc.other_services)))
    pdf.labelled(rows, label_width=32)


def _run(pdf: _GfePDF, run: SessionRun) -> None:
    if pdf.get_y() > pdf.h - 55:
        pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.text_block(
        _("%(sessions)s: %(dates)s") % {"sessions": run.label, "dates": run.dates},
        size=10,
        style="B",
        gap=0.5,
    )
    headings = (
        _("Item or service"),
        _("Service codes (CPT / HCPCS)"),
        _("Diagnosis codes (ICD-10)"),
        _("Charge each"),
        _("Discount each"),
        _("Expected each"),
        _("Expected for %(count)s") % {"count": run.count}
        if run.count > 1
        else _("Expected total"),
    )
    pdf.set_font(FONT, size=8.5)
    with pdf.table(
        col_widths=(41, 24, 29, 21, 21, 21, 23),
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=4.2,
        padding=1,
    ) as table:
        table.row([pdf.safe(h) for h in headings])
        for item in run.rows:
            table.row(
                [
                    pdf.safe(value)
                    for value in (
                        item.description,
                        item.service_codes,
                        item.diagnosis_codes,
                        item.charge_each,
                        item.discount_each,
                        item.expected_each,
                        item.expected_total,
                    )
                ]
            )
    pdf.ln(2)


def _items(pdf: _GfePDF, doc: GoodFaithEstimate) -> None:
    pdf.heading(_("Items and services reasonably expected"), size=12)
    pdf.set_text_color(*MUTED)
    pdf.text_block(
        _(
            "Expected charges are what you will be charged as an uninsured or self-pay patient: "
            "the clinic's charge less any discount. Identical sessions are shown once, with how "
            "many there are."
        ),
        size=9,
    )
    for run in doc.runs:
        _run(pdf, run)
    pdf.set_text_color(*INK)
    for package in doc.packages:
        pdf.text_block(package, size=9.5)
    pdf.figures(
        [
            (_("Total charges"), doc.total_charge),
            (_("Total discounts"), doc.total_discount),
            (_("Total expected charges (this Good Faith Estimate)"), doc.total_expected),
        ]
    )


def gfe_valid_until(document: GoodFaithEstimate) -> dt.date:
    """A Good Faith Estimate covers the care it lists, at most 12 months (45 CFR 149.610): it
    holds until the last scheduled session, unless scope or charges change before then."""
    return document.last_session


def gfe_pdf_document(*, document: GoodFaithEstimate, html_url: str = "") -> bytes:
    """A built Good Faith Estimate as a PDF."""
    pdf = _GfePDF(document)
    valid_until = gfe_valid_until(document)
    pdf.describe(
        title=_("Good Faith Estimate %(reference)s – %(clinic)s")
        % {"reference": document.reference, "clinic": document.clinic.name},
        subject=_("Good Faith Estimate for %(patient)s, valid until %(date)s")
        % {"patient": document.patient_name, "date": date_text(valid_until)},
        author=document.clinic.name,
        keywords=_("Good Faith Estimate %(reference)s") % {"reference": document.reference},
    )
    pdf.add_page()
    _header(pdf, document, valid_until, html_url)
    _parties(pdf, document)
    _service(pdf, document)
    _items(pdf, document)
    pdf.heading(_("Services that need separate scheduling"), size=12)
    pdf.text_block(str(SEPARATE_SCHEDULING), size=9.5)
    pdf.heading(_("Disclaimer"), size=12)
    pdf.bullets(disclaimers(document), size=9)
    if document.clinic.good_faith_estimate_contact:
        pdf.heading(_("Questions about this estimate or your bill"), size=12)
        pdf.text_block(localized(document.clinic, "good_faith_estimate_contact"), size=9.5)
    return bytes(pdf.output())


def gfe_pdf_bytes(*, estimate: Estimate, html_url: str = "", language: str = "") -> bytes:
    """The Good Faith Estimate of a stored estimate, in language (by default the estimate's:
    the patient's); raises GoodFaithEstimateRefused."""
    with translation.override(language or estimate.language):
        return gfe_pdf_document(document=gfe_build(estimate=estimate), html_url=html_url)
