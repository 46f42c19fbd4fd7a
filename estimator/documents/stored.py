"""A stored estimate's document, as issued: the Good Faith Estimate where one applies, else the
itemised estimate, both from the frozen record (never priced again), with their file names."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation

from estimator.formatting import date_text
from estimator.models import EmailKind, Estimate
from estimator.web.display import stored_estimate_view


@dataclass(frozen=True)
class StoredDocument:
    """A PDF ready to attach or download."""

    name: str
    content: bytes


def estimate_issued_on(*, estimate: Estimate) -> dt.date:
    """The day the estimate was issued where the clinic is (today for a draft)."""
    if estimate.issued_at is None:
        return estimate.clinic.today()
    zone = zoneinfo.ZoneInfo(estimate.clinic.time_zone)
    return timezone.localtime(estimate.issued_at, zone).date()


def estimate_valid_until(*, estimate: Estimate) -> dt.date:
    """The day an itemised estimate's prices hold until (ESTIMATOR_ESTIMATE_VALID_DAYS)."""
    return estimate_issued_on(estimate=estimate) + dt.timedelta(
        days=settings.ESTIMATOR_ESTIMATE_VALID_DAYS
    )


def stored_document_name(*, estimate: Estimate, kind: str) -> str:
    """The file name, carrying the reference: estimate-EST-7K3M9Q2X.pdf."""
    if kind == EmailKind.GOOD_FAITH_ESTIMATE:
        return f"good-faith-estimate-{estimate.reference}.pdf"
    return f"estimate-{estimate.reference}.pdf"


def stored_document(
    *, estimate: Estimate, kind: str, html_url: str = "", language: str = ""
) -> StoredDocument:
    """The estimate's PDF of this kind (the GFE raises GoodFaithEstimateRefused if none), in
    language: by default the estimate's, the patient's recorded when they asked."""
    # Imported when a PDF is made: fpdf2, with fontTools and Pillow, is ≈ 15 MB in each worker
    # that the pages and the API never need (README, "Speed").
    from .gfe_pdf import gfe_pdf_bytes
    from .quote_pdf import quote_pdf_bytes

    language = language or estimate.language
    if kind == EmailKind.GOOD_FAITH_ESTIMATE:
        content = gfe_pdf_bytes(estimate=estimate, html_url=html_url, language=language)
    else:
        with translation.override(language):
            view = stored_estimate_view(estimate=estimate)
            content = quote_pdf_bytes(
                view=view,
                reference=estimate.reference,
                valid_until=estimate_valid_until(estimate=estimate),
                html_url=html_url,
                prepared=date_text(estimate_issued_on(estimate=estimate)),
            )
    return StoredDocument(stored_document_name(estimate=estimate, kind=kind), content)
