"""Admin for stored estimates, Good Faith Estimate requests and API keys."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from estimator.admin_forms import EstimateForm
from estimator.formatting import date_text
from estimator.models import (
    LOCKED_STATUSES,
    Estimate,
    EstimateStatus,
    GoodFaithEstimateRequest,
    IntegrationKey,
    RequestStatus,
)
from estimator.selectors import gfe_request_is_overdue, notice_for_estimate
from estimator.services import gfe_request_due

from .common import PageFlags, RefuseRecordDeletes, money_column
from .dashboard import ENDING_SOON_DAYS, estimates_ending_soon, gfe_requests_due
from .estimate_builder import estimate_builder_view
from .good_faith_estimate import estimate_pdf_view, good_faith_estimate_view, request_summary
from .history import ReadableHistoryAdmin
from .reconciliation import BillingStatus
from .report import estimate_report_view


class EndsSoonFilter(admin.SimpleListFilter):
    """Issued estimates whose plan of care ends soon: the patient needs a new one to go on."""

    title = "care ends"
    parameter_name = "ends"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [("soon", f"Within {ENDING_SOON_DAYS} days")]

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() == "soon":
            return estimates_ending_soon(queryset)
        return queryset


@admin.register(Estimate)
class EstimateAdmin(PageFlags, RefuseRecordDeletes, ReadableHistoryAdmin):
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
        "created_on",
    ]
    list_filter = [
        "status",
        BillingStatus,
        EndsSoonFilter,
        "source",
        "coverage_mode",
        "clinic",
        "created_at",
    ]
    search_fields = ["reference", "patient_name", "patient_email", "external_reference"]
    list_select_related = ["clinic", "plan", "plan__payer"]
    date_hierarchy = "created_at"
    patient_text = money_column("patient_total", "patient pays")
    actions = [
        "issue_selected",
        "void_selected",
        "supersede_selected",
        "good_faith_estimate",
        "email_to_patient",
    ]
    form = EstimateForm

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
        "supersedes_link",
        "superseded_by_link",
        "notice",
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
                    "language",
                ]
            },
        ),
        (
            "Plan of care",
            {
                "fields": [
                    "coverage_mode",
                    "plan",
                    ("start_date", "end_date"),
                    "sessions",
                    "notice",
                ]
            },
        ),
        (
            "Totals",
            {"fields": ["total_charge", "patient_total", "patient_total_best", "plan_total"]},
        ),
        ("Line by line", {"fields": ["breakdown"]}),
        (
            "Status",
            {
                "fields": [
                    "issued_at",
                    "voided_at",
                    "void_reason",
                    ("supersedes_link", "superseded_by_link"),
                    "notes",
                ]
            },
        ),
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

    def has_issue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.issue_estimate")

    def has_void_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.void_estimate")

    def has_supersede_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.supersede_estimate")

    def has_email_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.send_estimateemail")

    def has_price_permission(self, request: HttpRequest) -> bool:
        """May use the estimate builder: price a plan and save it as a draft."""
        return request.user.has_perm("estimator.add_estimate")

    def page_flags(self, request: HttpRequest) -> dict[str, bool]:
        return {
            "can_price": self.has_price_permission(request),
            "can_correct": self.has_supersede_permission(request),
        }

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None and obj.is_locked:
            # What was issued stays as issued; only internal notes (never printed) and the
            # language it is printed and emailed in change.
            fields += [f for f in EstimateForm.Meta.fields if f not in ("notes", "language")]
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_locked:
            return False
        return super().has_delete_permission(request, obj)

    def _is_locked(self, object_id: str) -> bool:
        return Estimate.objects.filter(pk=object_id, status__in=LOCKED_STATUSES).exists()

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        # obj may be a past version; what matters is the estimate as it stands now.
        if obj is not None and obj.pk and self._is_locked(str(obj.pk)):
            return True
        return bool(super().revert_disabled(request, obj))

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and self._is_locked(object_id):
            messages.error(
                request,
                "An issued, void or superseded estimate cannot be reverted to an earlier "
                "version: correct it with a new estimate that supersedes it.",
            )
            return HttpResponseRedirect(
                reverse("admin:estimator_estimate_history", args=[object_id])
            )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_urls(self) -> list[URLPattern]:
        builder = self.admin_site.admin_view(partial(estimate_builder_view, self))
        gfe = self.admin_site.admin_view(partial(good_faith_estimate_view, self))
        correct = self.admin_site.admin_view(partial(estimate_correct_view, self))
        report = self.admin_site.admin_view(partial(estimate_report_view, self))
        pdf = self.admin_site.admin_view(partial(estimate_pdf_view, self))
        return [
            path("<path:object_id>/estimate.pdf", pdf, name="estimator_estimate_pdf"),
            path("new/", builder, name="estimator_estimate_builder"),
            path("report/", report, name="estimator_estimate_report"),
            path("<path:object_id>/correct/", correct, name="estimator_estimate_correct"),
            path(
                "<path:object_id>/good-faith-estimate.pdf",
                gfe,
                name="estimator_estimate_good_faith_estimate",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="created", ordering="created_at")
    def created_on(self, obj: Estimate) -> str:
        from django.utils import timezone

        from estimator.formatting import date_text

        return date_text(timezone.localdate(obj.created_at))

    @admin.display(description="corrects")
    def supersedes_link(self, obj: Estimate) -> str:
        return _estimate_link(obj.supersedes)

    @admin.display(description="corrected by")
    def superseded_by_link(self, obj: Estimate) -> str:
        return _estimate_link(getattr(obj, "superseded_by", None))

    @admin.display(description="breakdown")
    @admin.display(description="notice owed")
    def notice(self, obj: Estimate) -> str:
        if obj.pk is None:
            return "-"
        found = notice_for_estimate(estimate=obj)
        deadline = f" {found.deadline.text}" if found.deadline else ""
        return f"{found.title}: {found.what_you_get}{deadline}"

    def breakdown(self, obj: Estimate) -> str:
        if not obj.result_data:
            return "—"
        return render_to_string(
            "admin/estimator/estimate/breakdown.html", {"result": obj.result_data}
        )

    @admin.action(
        description="Issue selected draft estimates to the patient", permissions=["issue"]
    )
    def issue_selected(self, request: HttpRequest, queryset: QuerySet[Estimate]) -> None:
        from estimator.services import estimate_issue

        issued = 0
        for estimate in queryset.filter(status=EstimateStatus.DRAFT):
            estimate_issue(estimate=estimate, by=request.user)
            issued += 1
        self.message_user(request, f"Issued {issued} estimate(s).", messages.SUCCESS)

    @admin.action(description="Download Good Faith Estimate (PDF)", permissions=["view"])
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

    @admin.action(
        description="Correct (new estimate superseding this one)", permissions=["supersede"]
    )
    def supersede_selected(
        self, request: HttpRequest, queryset: QuerySet[Estimate]
    ) -> HttpResponseRedirect | None:
        if queryset.count() != 1:
            self.message_user(request, "Select one issued estimate to correct.", messages.ERROR)
            return None
        return _correct(request, queryset.get())

    @admin.action(description="Email to patient", permissions=["email"])
    def email_to_patient(self, request: HttpRequest, queryset: QuerySet[Estimate]) -> None:
        # The address on the estimate; one without is named, for the API or a correction.
        from estimator.emails import estimate_email_send

        queued = 0
        for estimate in queryset:
            try:
                estimate_email_send(estimate=estimate, by=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{estimate}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                queued += 1
        self.message_user(request, f"Queued {queued} email(s) to patients.", messages.SUCCESS)

    @admin.action(description="Void selected estimates", permissions=["void"])
    def void_selected(self, request: HttpRequest, queryset: QuerySet[Estimate]) -> None:
        from estimator.services import estimate_void

        voided = 0
        for estimate in queryset.filter(status__in=[EstimateStatus.DRAFT, EstimateStatus.ISSUED]):
            estimate_void(estimate=estimate, by=request.user, reason="Voided in admin")
            voided += 1
        self.message_user(request, f"Voided {voided} estimate(s).", messages.SUCCESS)


def _estimate_link(estimate: Estimate | None) -> str:
    if estimate is None:
        return "—"
    url = reverse("admin:estimator_estimate_change", args=[estimate.pk])
    return format_html('<a href="{}">{}</a>', url, estimate.reference)


def _correct(request: HttpRequest, estimate: Estimate) -> HttpResponseRedirect | None:
    """Supersede estimate with a draft copy and open the draft, where staff fix the details."""
    from estimator.services import estimate_supersede

    try:
        draft = estimate_supersede(estimate=estimate, by=request.user, reason="Corrected in admin")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    messages.success(
        request,
        f"{estimate.reference} is superseded by the draft {draft.reference}: correct its "
        "details, save, then issue it.",
    )
    return HttpResponseRedirect(reverse("admin:estimator_estimate_change", args=[draft.pk]))


def estimate_correct_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    """POST from the estimate's page: correct it with a superseding draft."""
    estimate = model_admin.get_object(request, object_id)
    if estimate is None:
        raise Http404("No such estimate.")
    if request.method != "POST" or not model_admin.has_supersede_permission(request):
        raise PermissionDenied
    back = reverse("admin:estimator_estimate_change", args=[estimate.pk])
    return _correct(request, estimate) or HttpResponseRedirect(back)


class NewRequestsFirst(admin.SimpleListFilter):
    """Opens on the requests nobody has picked up yet."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [*RequestStatus.choices, ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        overdue = DueFilter.parameter_name in changelist.params
        value = self.value() or ("all" if overdue else RequestStatus.NEW)
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() is None and DueFilter.parameter_name in request.GET:
            return queryset  # overdue ones, new or in progress
        value = self.value() or RequestStatus.NEW
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class DueFilter(admin.SimpleListFilter):
    """Open requests by when the Good Faith Estimate is owed, in each clinic's own day."""

    title = "due"
    parameter_name = "due"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Overdue"), ("today", "Due today")]

    def queryset(self, request: Any, queryset: Any) -> Any:
        when = self.value()
        if when in ("overdue", "today"):
            return queryset.filter(pk__in=gfe_requests_due(when=when))
        return queryset


@admin.register(GoodFaithEstimateRequest)
class GoodFaithEstimateRequestAdmin(PageFlags, ReadableHistoryAdmin):
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
    list_filter = [NewRequestsFirst, DueFilter, "clinic", "created_at"]
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
        "language",
        "patient_total",
        "due_on",
        "renew_by",
        "created_at",
        "estimate_link",
        "handled_by_name",
        "due_by",
        "asked_for",
        "quote_seen",
    ]
    fieldsets = [
        (
            None,
            {"fields": [("reference", "created_at"), ("status", "due_by"), "renew_by", "clinic"]},
        ),
        (
            "Patient",
            {
                "fields": [
                    "patient_name",
                    "patient_date_of_birth",
                    ("patient_email", "patient_phone"),
                    ("consent", "consented_at"),
                    "language",
                ]
            },
        ),
        ("What the patient asked about", {"fields": ["asked_for", "patient_total", "quote_seen"]}),
        ("Answer", {"fields": [("estimate_link", "handled_by_name"), "staff_notes"]}),
    ]
    actions = ["mark_in_progress", "mark_sent"]

    class Media:
        css = {"all": ["estimator/admin.css"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_handle_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.handle_gfe_request")

    def page_flags(self, request: HttpRequest) -> dict[str, bool]:
        may_price = request.user.has_perm("estimator.add_estimate")
        return {"can_price": may_price and self.has_handle_permission(request)}

    @admin.display(description="due by", ordering="due_on")
    def due_by(self, obj: GoodFaithEstimateRequest) -> str:
        due = date_text(gfe_request_due(request=obj))
        if gfe_request_is_overdue(request=obj):
            return format_html('<strong class="overdue">{} — OVERDUE</strong>', due)
        return due

    @admin.display(description="estimate")
    def estimate_link(self, obj: GoodFaithEstimateRequest) -> str:
        return _estimate_link(obj.estimate)

    @admin.display(description="handled by")
    def handled_by_name(self, obj: GoodFaithEstimateRequest) -> str:
        user = obj.handled_by
        return (user.get_full_name() or user.get_username()) if user else "—"

    @admin.display(description="treatment asked about")
    def asked_for(self, obj: GoodFaithEstimateRequest) -> str:
        return request_summary(obj.request_data)

    @admin.display(description="quote the patient saw")
    def quote_seen(self, obj: GoodFaithEstimateRequest) -> str:
        if not obj.result_data:
            return "—"
        return render_to_string(
            "admin/estimator/estimate/breakdown.html", {"result": obj.result_data}
        )

    @admin.action(description="Mark as in progress (assign to me)", permissions=["handle"])
    def mark_in_progress(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        from estimator.services import gfe_request_set_status

        count = 0
        for item in queryset:
            gfe_request_set_status(request=item, status=RequestStatus.IN_PROGRESS, by=request.user)
            count += 1
        self.message_user(request, f"{count} request(s) marked in progress.", messages.SUCCESS)

    @admin.action(description="Mark as Good Faith Estimate sent", permissions=["handle"])
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
