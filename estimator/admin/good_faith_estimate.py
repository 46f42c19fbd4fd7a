"""Admin page that downloads an estimate's Good Faith Estimate, or says why it cannot."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from estimator.documents.gfe import GoodFaithEstimateRefused
from estimator.documents.stored import stored_document
from estimator.models import EmailKind


def _viewable(model_admin: ModelAdmin[Any], request: HttpRequest, object_id: str) -> Any:
    estimate = model_admin.get_object(request, object_id)
    if estimate is None:
        raise Http404("No such estimate.")
    if not model_admin.has_view_permission(request, estimate):
        raise PermissionDenied
    return estimate


def _download(name: str, content: bytes) -> HttpResponse:
    return HttpResponse(
        content,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def good_faith_estimate_view(
    model_admin: ModelAdmin[Any], request: HttpRequest, object_id: str
) -> HttpResponse:
    """GET: the PDF as a download; when one cannot be given, back to the estimate with why."""
    from estimator.documents.gfe_pdf import gfe_pdf_bytes  # a PDF only here: see documents/

    estimate = _viewable(model_admin, request, object_id)
    try:
        data = gfe_pdf_bytes(estimate=estimate)
    except GoodFaithEstimateRefused as refused:
        for problem in refused.problems:
            messages.error(request, f"No Good Faith Estimate: {problem}")
        return HttpResponseRedirect(reverse("admin:estimator_estimate_change", args=[estimate.pk]))
    return _download(f"good-faith-estimate-{estimate.reference}.pdf", data)


def estimate_pdf_view(
    model_admin: ModelAdmin[Any], request: HttpRequest, object_id: str
) -> HttpResponse:
    """GET: the itemised estimate as a PDF from its stored figures (any estimate, any payer)."""
    document = stored_document(
        estimate=_viewable(model_admin, request, object_id), kind=EmailKind.QUOTE
    )
    return _download(document.name, document.content)


def request_summary(data: dict[str, Any]) -> str:
    """A request's quote inputs in words: 'Dry needling, 45 min + E-stim, 4 sessions; 1 a
    week from Dec 2, 2026; self-pay'."""
    if not data or not data.get("items"):
        return "—"
    from estimator.formatting import date_text
    from estimator.models import AddOn, CoverageMode, ServiceType

    items = data["items"]
    services = dict(
        ServiceType.objects.filter(code__in=[i["service"] for i in items]).values_list(
            "code", "name"
        )
    )
    add_ons = dict(
        AddOn.objects.filter(code__in=[c for i in items for c in i.get("add_ons", [])]).values_list(
            "code", "name"
        )
    )
    parts = []
    for item in items:
        names = [services.get(item["service"], item["service"])]
        names += [add_ons.get(code, code) for code in item.get("add_ons", [])]
        sessions = item.get("sessions", 1)
        parts.append(
            f"{names[0]}, {item.get('duration_minutes')} min"
            + "".join(f" + {name}" for name in names[1:])
            + f", {sessions} session{'s' if sessions != 1 else ''}"
        )
    coverage = data.get("coverage", {}).get("mode", "")
    when = f"{data.get('sessions_per_week', 1)} a week from {date_text(data['start_date'])}"
    mode = str(dict(CoverageMode.choices).get(coverage, coverage)).lower()
    return "; ".join([*parts, when, mode])
