"""Billed charges from integrations, the estimates they flag, and how close estimates came."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from estimator.models import BilledCharges, BilledLine, BilledProvider
from estimator.reconciliation import BillStatus, billing_accuracy, estimates_by_billing

from .common import money_column
from .jobs import ReadOnly


class BillingStatus(admin.SimpleListFilter):
    """Estimates by their current bill: over the GFE by $400 or more, within it, not billed."""

    title = "billed charges"
    parameter_name = "billing"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (BillStatus.OVER_THRESHOLD, "$400 or more over (dispute possible)"),
            (BillStatus.WITHIN, "Within $400"),
            (BillStatus.NOT_BILLED, "Not billed"),
        ]

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() in BillStatus.choices:
            return estimates_by_billing(queryset=queryset, status=str(self.value()))
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BilledProviderInline(ReadOnlyInline):
    model = BilledProvider
    fields = readonly_fields = (
        "npi",
        "name",
        "billed",
        "expected",
        "over_by",
        "flagged",
        "dispute_deadline",
    )
    show_change_link = True


class BilledLineInline(ReadOnlyInline):
    model = BilledLine
    fields = readonly_fields = ("code", "service_date", "units", "amount")


@admin.register(BilledProvider)
class BilledProviderAdmin(ReadOnly, admin.ModelAdmin):
    """One provider's bill with its lines (read only: integrations report bills)."""

    list_display = ["bill", "npi", "name", "billed_text", "expected_text", "flagged"]
    list_filter = ["flagged"]
    list_select_related = ["bill__estimate"]
    readonly_fields = [
        "bill",
        "npi",
        "name",
        "billed",
        "expected",
        "over_by",
        "flagged",
        "dispute_deadline",
    ]
    inlines = [BilledLineInline]
    billed_text = money_column("billed", "billed")
    expected_text = money_column("expected", "expected (GFE)")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False  # reached from a bill


@admin.register(BilledCharges)
class BilledChargesAdmin(ReadOnly, admin.ModelAdmin):
    """Bills reported by integrations (read only), and the estimate accuracy report."""

    list_display = ["estimate", "bill_date", "replaced", "created_at"]
    list_filter = ["replaced", "bill_date"]
    search_fields = ["estimate__reference", "providers__npi", "providers__name"]
    list_select_related = ["estimate"]
    fields = readonly_fields = ("estimate", "bill_date", "replaced", "api_key", "created_at")
    inlines = [BilledProviderInline]

    def get_urls(self) -> list[URLPattern]:
        report = self.admin_site.admin_view(self.report_view)
        return [
            path("report/", report, name="estimator_billedcharges_report"),
            *super().get_urls(),
        ]

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """How close estimates came to bills, per service and per plan (current bills only)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "How close estimates came to bills",
            "by_service": billing_accuracy(by="service"),
            "by_plan": billing_accuracy(by="plan"),
        }
        return TemplateResponse(request, "admin/estimator/billedcharges/report.html", context)
