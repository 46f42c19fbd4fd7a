"""The patient's own estimate, opened by the link in its email: no account, no staff data.

Pages that name a patient are never cached or indexed; an unknown, expired or revoked link
gets a plain page saying what to do, with the status it deserves (404 unknown, 410 closed).
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from estimator.documents.estimate_email import estimate_email_kind
from estimator.documents.gfe import GoodFaithEstimateRefused
from estimator.documents.stored import estimate_valid_until, stored_document
from estimator.formatting import date_text
from estimator.models import EstimateStatus, PatientLink
from estimator.patient_links import patient_link_open

from .display import stored_estimate_view
from .views import _rate_limited

CLOSED_STATUS = {"unknown": 404, "expired": 410, "revoked": 410}


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)  # no-store, no-cache, private
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response


def _open(request: HttpRequest, token: str) -> HttpResponse | PatientLink:
    if limited := _rate_limited(request, "patient_link", settings.ESTIMATOR_PATIENT_LINK_RATE):
        return _private(limited)
    found = patient_link_open(token=token)
    if found.link is None:
        response = render(
            request,
            "estimator/patient_link_closed.html",
            {"problem": found.problem},
            status=CLOSED_STATUS[found.problem],
        )
        return _private(response)
    return found.link


def _kind(link: PatientLink) -> str:
    return (
        link.email.kind if link.email is not None else estimate_email_kind(estimate=link.estimate)
    )


def _link_view(
    view: Callable[[HttpRequest, str, PatientLink], HttpResponse],
) -> Callable[[HttpRequest, str], HttpResponse]:
    """A GET page of an open link: rate-limited, private; closed links get the closed page."""

    @transaction.non_atomic_requests  # reads, and one counter update
    @require_GET
    @functools.wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        opened = _open(request, token)
        if isinstance(opened, HttpResponse):
            return opened
        return _private(view(request, token, opened))

    return wrapped


@_link_view
def patient_estimate(request: HttpRequest, token: str, opened: PatientLink) -> HttpResponse:
    """The estimate as issued, to read or print, with its PDF a click away."""
    estimate = opened.estimate
    correction = getattr(estimate, "superseded_by", None)
    context = {
        "clinic": estimate.clinic,
        "reference": estimate.reference,
        "estimate": stored_estimate_view(estimate=estimate),
        "valid_until": date_text(estimate_valid_until(estimate=estimate)),
        # The day it closes where the clinic is, as the email said.
        "link_expires": date_text(
            timezone.localdate(opened.expires_at, zoneinfo.ZoneInfo(estimate.clinic.time_zone))
        ),
        "superseded": estimate.status == EstimateStatus.SUPERSEDED,
        "correction": correction.reference if correction is not None else "",
        "pdf_url": reverse("estimator:patient_estimate_pdf", args=[token]),
    }
    return render(request, "estimator/patient_estimate.html", context)


@_link_view
def patient_estimate_pdf(request: HttpRequest, token: str, opened: PatientLink) -> HttpResponse:
    """The estimate's PDF, as emailed: the Good Faith Estimate where one applies."""
    page = request.build_absolute_uri(reverse("estimator:patient_estimate", args=[token]))
    kind = opened.email.kind if opened.email is not None else ""
    try:
        document = stored_document(
            estimate=opened.estimate,
            kind=kind or estimate_email_kind(estimate=opened.estimate),
            html_url=page,
        )
    except GoodFaithEstimateRefused:  # no longer one (superseded since): the itemised estimate
        document = stored_document(estimate=opened.estimate, kind="quote", html_url=page)
    response = HttpResponse(document.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.name}"'
    return response
