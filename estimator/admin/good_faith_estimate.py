"""Admin page that downloads an estimate's Good Faith Estimate, or says why it cannot."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from estimator.documents.gfe import GoodFaithEstimateRefused
from estimator.documents.gfe_pdf import gfe_pdf_bytes


def good_faith_estimate_view(
    model_admin: ModelAdmin[Any], request: HttpRequest, object_id: str
) -> HttpResponse:
    """GET: the PDF as a download; when one cannot be given, back to the estimate with why."""
    estimate = model_admin.get_object(request, object_id)
    if estimate is None:
        raise Http404("No such estimate.")
    if not model_admin.has_view_permission(request, estimate):
        raise PermissionDenied
    try:
        data = gfe_pdf_bytes(estimate=estimate)
    except GoodFaithEstimateRefused as refused:
        for problem in refused.problems:
            messages.error(request, f"No Good Faith Estimate: {problem}")
        return HttpResponseRedirect(reverse("admin:estimator_estimate_change", args=[estimate.pk]))
    name = f"good-faith-estimate-{estimate.reference}.pdf"
    return HttpResponse(
        data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
