"""The email that carries a stored estimate to its patient: plain text, HTML and the PDF."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from estimator.formatting import date_text, money_text
from estimator.models import EmailKind, Estimate

from .gfe import gfe_problems
from .stored import estimate_valid_until, stored_document


def estimate_email_kind(*, estimate: Estimate) -> str:
    """A Good Faith Estimate where one applies to this estimate, else the plain estimate."""
    return EmailKind.QUOTE if gfe_problems(estimate=estimate) else EmailKind.GOOD_FAITH_ESTIMATE


def estimate_email_message(
    *,
    estimate: Estimate,
    to: str,
    kind: str,
    link: str = "",
    link_expires: str = "",
    language: str = "",
) -> EmailMultiAlternatives:
    """The message, ready to send: the estimate's frozen figures, never today's prices, its PDF,
    and the patient's link to it (when given), all in language (by default the estimate's)."""
    with translation.override(language or estimate.language):
        return _message(estimate=estimate, to=to, kind=kind, link=link, link_expires=link_expires)


def _message(
    *, estimate: Estimate, to: str, kind: str, link: str, link_expires: str
) -> EmailMultiAlternatives:
    clinic = estimate.clinic
    is_gfe = kind == EmailKind.GOOD_FAITH_ESTIMATE
    context = {
        "clinic": clinic,
        "reference": estimate.reference,
        "is_gfe": is_gfe,
        "first_visit": date_text(estimate.start_date),
        "last_visit": date_text(estimate.end_date),
        "sessions": estimate.sessions,
        "patient_total": money_text(estimate.patient_total),
        "patient_total_best": money_text(estimate.patient_total_best),
        "is_range": estimate.is_range,
        # A Good Faith Estimate holds for the care it lists, not for a number of days.
        "valid_until": "" if is_gfe else date_text(estimate_valid_until(estimate=estimate)),
        "link": link,
        "link_expires": link_expires,
    }
    names = {"reference": estimate.reference, "clinic": clinic.name}
    if is_gfe:
        subject = _("Your Good Faith Estimate %(reference)s from %(clinic)s") % names
    else:
        subject = _("Your estimate %(reference)s from %(clinic)s") % names
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("estimator/emails/estimate.txt", context),
        # Sent from our own address (the mail server may send for it); answers go to the clinic.
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[clinic.email] if clinic.email else None,
    )
    message.attach_alternative(
        render_to_string("estimator/emails/estimate.html", context), "text/html"
    )
    document = stored_document(
        estimate=estimate, kind=kind, html_url=link, language=translation.get_language() or ""
    )
    message.attach(document.name, document.content, "application/pdf")
    return message
