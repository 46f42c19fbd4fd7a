"""Admin for stored estimates, Good Faith Estimate requests and API keys."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin

from estimator.admin_forms import EstimateForm
from estimator.models import (
    Estimate,
    EstimateStatus,
    GoodFaithEstimateRequest,
    IntegrationKey,
    RequestStatus,
)

from .common import money_column
from .estimate_builder import estimate_builder_view
from .good_faith_estimate import good_faith_estimate_view


@admin.register(Estimate)
class EstimateAdmin(SimpleHistoryAdmin):
    """Stored estimates: find by reference, patient or date; issue or void them."""

    list_display = [
        "reference",
        "clinic",
        "patient_name",
        "status",
        "coverage_mode",
        "plan",
        "start_date",
        "sessions",
        "patient_text",
        "created_at",
    ]
    list_filter = ["status", "source", "coverage_mode", "clinic", "created_at"]
    search_fields = ["reference", "patient_name", "patient_email", "external_reference"]
    list_select_related = ["clinic", "plan", "plan__payer"]
    date_hierarchy = "created_at"
    patient_text = money_column("patient_total", "patient pays")
    actions = ["issue_selected", "void_selected", "good_faith_estimate"]
    form = EstimateForm

    class Media:
        css = {"all": ["estimator/admin.css"]}

    readonly_fields = [
        "reference",
        "status",
        "breakdown",
        "clinic",
        "source",
        "coverage_mode",
        "plan",
        "start_date",
        "end_date",
        "sessions",
        "total_charge",
        "patient_total",
        "patient_total_best",
        "plan_total",
        "request_data",
        "snapshot_data",
        "result_data",
        "created_by",
        "api_key",
        "issued_at",
        "voided_at",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "status", "clinic", "source", "created_at", "created_by"]}),
        (
            "Patient",
            {
                "fields": [
                    "patient_name",
                    "patient_date_of_birth",
                    ("patient_email", "patient_phone"),
                    "external_reference",
                    "diagnosis_codes",
                ]
            },
        ),
        (
            "Plan of care",
            {"fields": ["coverage_mode", "plan", ("start_date", "end_date"), "sessions"]},
        ),
        (
            "Totals",
            {"fields": ["total_charge", "patient_total", "patient_total_best", "plan_total"]},
        ),
        ("Line by line", {"fields": ["breakdown"]}),
        ("Status", {"fields": ["issued_at", "voided_at", "void_reason", "notes"]}),
        (
            "Frozen record",
            {
                "classes": ["collapse"],
                "fields": ["request_data", "snapshot_data", "result_data", "api_key"],
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Estimates are priced by the engine; staff create them with the estimate builder
        # ("Price a new estimate"), never by typing totals into a form.
        return False

    def get_urls(self) -> list[URLPattern]:
        builder = self.admin_site.admin_view(partial(estimate_builder_view, self))
        gfe = self.admin_site.admin_view(partial(good_faith_estimate_view, self))
        return [
            path("new/", builder, name="estimator_estimate_builder"),
            path(
                "<path:object_id>/good-faith-estimate.pdf",
                gfe,
                name="estimator_estimate_good_faith_estimate",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="breakdown")
    def breakdown(self, obj: Estimate) -> str:
        if not obj.result_data:
            return "—"
        return render_to_string(
            "admin/estimator/estimate/breakdown.html", {"result": obj.result_data}
        )

    @admin.action(description="Issue selected draft estimates to the patient")
    def issue_selected(self, request: HttpRequest, queryset: QuerySet[Estimate]) -> None:
        from estimator.services import estimate_issue

        issued = 0
        for estimate in queryset.filter(status=EstimateStatus.DRAFT):
            estimate_issue(estimate=estimate, by=request.user)
            issued += 1
        self.message_user(request, f"Issued {issued} estimate(s).", messages.SUCCESS)

    @admin.action(description="Download Good Faith Estimate (PDF)")
    def good_faith_estimate(
        self, request: HttpRequest, queryset: QuerySet[Estimate]
    ) -> HttpResponseRedirect | None:
        if queryset.count() != 1:
            self.message_user(
                request, "Select one estimate to download its Good Faith Estimate.", messages.ERROR
            )
            return None
        url = reverse("admin:estimator_estimate_good_faith_estimate", args=[queryset.get().pk])
        return HttpResponseRedirect(url)

    @admin.action(description="Void selected estimates")
    def void_selected(self, request: HttpRequest, queryset: QuerySet[Estimate]) -> None:
        from estimator.services import estimate_void

        voided = 0
        for estimate in queryset.exclude(status=EstimateStatus.VOID):
            estimate_void(estimate=estimate, by=request.user, reason="Voided in admin")
            voided += 1
        self.message_user(request, f"Voided {voided} estimate(s).", messages.SUCCESS)


class NewRequestsFirst(admin.SimpleListFilter):
    """Opens on the requests nobody has picked up yet."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [*RequestStatus.choices, ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        value = self.value() or RequestStatus.NEW
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: Any, queryset: Any) -> Any:
        value = self.value() or RequestStatus.NEW
        if value == "all":
            return queryset
        return queryset.filter(status=value)


@admin.register(GoodFaithEstimateRequest)
class GoodFaithEstimateRequestAdmin(SimpleHistoryAdmin):
    """Patients' requests for a formal Good Faith Estimate; new ones are shown first."""

    list_display = [
        "reference",
        "created_at",
        "patient_name",
        "clinic",
        "status",
        "patient_text",
        "due_by",
    ]
    list_filter = [NewRequestsFirst, "clinic", "created_at"]
    search_fields = ["reference", "patient_name", "patient_email", "patient_phone"]
    list_select_related = ["clinic"]
    patient_text = money_column("patient_total", "quoted to patient")
    readonly_fields = [
        "reference",
        "clinic",
        "patient_name",
        "patient_date_of_birth",
        "patient_email",
        "patient_phone",
        "consent",
        "consented_at",
        "request_data",
        "result_data",
        "patient_total",
        "created_at",
    ]
    fields = [
        "reference",
        "created_at",
        "status",
        "clinic",
        "patient_name",
        "patient_date_of_birth",
        ("patient_email", "patient_phone"),
        ("consent", "consented_at"),
        "patient_total",
        "estimate",
        "handled_by",
        "staff_notes",
        "request_data",
        "result_data",
    ]
    raw_id_fields = ["estimate", "handled_by"]
    actions = ["mark_in_progress", "mark_sent"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="due by")
    def due_by(self, obj: GoodFaithEstimateRequest) -> str:
        from estimator.services import business_days_after

        return f"{business_days_after(obj.created_at.date(), 3):%Y-%m-%d}"

    @admin.action(description="Mark as in progress (assign to me)")
    def mark_in_progress(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        from estimator.services import gfe_request_set_status

        count = 0
        for item in queryset:
            gfe_request_set_status(request=item, status=RequestStatus.IN_PROGRESS, by=request.user)
            count += 1
        self.message_user(request, f"{count} request(s) marked in progress.", messages.SUCCESS)

    @admin.action(description="Mark as Good Faith Estimate sent")
    def mark_sent(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        from estimator.services import gfe_request_set_status

        count = 0
        for item in queryset:
            gfe_request_set_status(request=item, status=RequestStatus.SENT, by=request.user)
            count += 1
        self.message_user(request, f"{count} request(s) marked sent.", messages.SUCCESS)


admin.site.unregister(APIKey)


@admin.register(IntegrationKey)
class IntegrationKeyAdmin(APIKeyModelAdmin):
    """API keys for billing integrations: shown once when created, stored hashed, revocable."""

    list_display = (  # type: ignore[assignment]
        "prefix",
        "name",
        "scope",
        "clinic",
        "created",
        "last_used_at",
        "expiry_date",
        "_has_expired",
        "revoked",
    )
    list_filter = ("scope", "revoked", "clinic", "created")  # type: ignore[assignment]
    list_select_related = ["clinic"]
    fields = ["name", "scope", "clinic", "expiry_date", "revoked", "prefix", "last_used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), "last_used_at")
