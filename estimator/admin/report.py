"""The admin's report of estimates per month and clinic, as a page and as CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from estimator.formatting import money_text
from estimator.reports import estimates_per_month

CSV_HEADER = [
    "month",
    "clinic",
    "currency",
    "issued",
    "issued total",
    "void",
    "void total",
    "superseded",
    "superseded total",
]


def estimate_report_view(model_admin: ModelAdmin[Any], request: HttpRequest) -> HttpResponse:
    """GET: the table; ?format=csv: the same rows as a spreadsheet file."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    rows = estimates_per_month()
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="estimates-per-month.csv"'},
        )
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        for row in rows:
            writer.writerow(
                [
                    f"{row.month:%Y-%m}",
                    row.clinic,
                    row.currency,
                    row.issued,
                    f"{row.issued_total:.2f}",
                    row.void,
                    f"{row.void_total:.2f}",
                    row.superseded,
                    f"{row.superseded_total:.2f}",
                ]
            )
        return response
    table = [
        {
            "month": f"{row.month:%B %Y}",
            "clinic": row.clinic,
            "currency": row.currency,
            "counts": [
                (row.issued, money_text(row.issued_total, row.currency)),
                (row.void, money_text(row.void_total, row.currency)),
                (row.superseded, money_text(row.superseded_total, row.currency)),
            ],
        }
        for row in rows
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Estimates per month and clinic",
        "opts": model_admin.model._meta,
        "rows": table,
    }
    return TemplateResponse(request, "admin/estimator/estimate/report.html", context)
