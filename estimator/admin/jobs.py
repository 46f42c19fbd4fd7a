"""Admin for what the background jobs keep: the estimate email outbox and the re-pricings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from estimator.emails import estimate_email_retry
from estimator.formatting import date_text, money_text
from estimator.models import EmailStatus, EstimateEmail, EstimateRepricing, PatientLink
from estimator.patient_links import patient_link_revoke
from estimator.renewals import renewal_due, renewal_schedule

from .common import money_column


class ReadOnly:
    """Rows written by jobs: staff look and act through actions, never edit or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def retry_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[Any],
    retry: Callable[..., Any],
    noun: str,
) -> None:
    """Queue each row again with its retry service; say why for those it refuses."""
    queued = 0
    for row in rows:
        try:
            retry(row, by=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, "; ".join(error.messages), messages.ERROR)
        else:
            queued += 1
    modeladmin.message_user(request, f"Queued {queued} {noun} again.", messages.SUCCESS)


OUTBOX_COLUMNS = (
    "estimate",
    "recipient",
    "kind",
    "language",
    "status",
    "attempts",
    "sent_at",
    "last_error",
    "created_at",
)


@admin.register(EstimateEmail)
class EstimateEmailAdmin(ReadOnly, admin.ModelAdmin):
    """The outbox: every estimate emailed to a patient, whether it went, and why not."""

    list_display = OUTBOX_COLUMNS
    list_filter = ["status", "kind", "estimate__clinic", "created_at"]
    search_fields = ["estimate__reference", "recipient"]
    list_select_related = ["estimate"]
    readonly_fields = [*OUTBOX_COLUMNS, "requested_by"]
    actions = ["retry_selected"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.retry_estimateemail")

    @admin.action(description="Retry sending the selected emails", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[EstimateEmail]) -> None:
        retry_each(
            self,
            request,
            queryset.exclude(status=EmailStatus.SENT),
            lambda email, by: estimate_email_retry(email=email, by=by),
            "email(s)",
        )


@admin.register(EstimateRepricing)
class EstimateRepricingAdmin(ReadOnly, admin.ModelAdmin):
    """Issued estimates a price or coverage change affects: what each would cost today."""

    list_display = [
        "estimate",
        "clinic",
        "issued_patient_text",
        "now_patient_text",
        "difference_text",
        "renew_by",
        "problem",
        "computed_at",
        "cause",
    ]
    list_filter = ["clinic", "computed_at"]
    search_fields = ["estimate__reference"]
    list_select_related = ["estimate__clinic", "estimate__plan__payer", "clinic"]
    actions = ["renew_selected", "renew_selected_and_email", "renew_clinic"]
    readonly_fields = [
        "estimate",
        "clinic",
        "computed_at",
        "cause",
        "current_total",
        "current_patient_total",
        "charge_difference",
        "patient_difference",
        "problem",
    ]
    now_patient_text = money_column("current_patient_total", "patient pays now")
    difference_text = money_column("patient_difference", "difference")

    @admin.display(description="patient pays as issued")
    def issued_patient_text(self, obj: EstimateRepricing) -> str:
        return money_text(obj.estimate.patient_total)

    @admin.display(description="renew GFE by")
    def renew_by(self, obj: EstimateRepricing) -> str:
        """A Good Faith Estimate must be renewed a business day before the next session."""
        due = renewal_due(estimate=obj.estimate, today=obj.clinic.today())
        return date_text(due) if due else "—"

    def has_supersede_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.supersede_estimate")

    def _renew(self, request: HttpRequest, ids: list[int], email: bool) -> None:
        renewal_schedule(estimate_ids=ids, by=request.user, email=email)
        self.message_user(
            request,
            f"Renewing {len(ids)} estimate(s) at today's prices in the background"
            + (", then emailing each patient that has an address" if email else "")
            + ". Each renewed estimate leaves this list when it is done.",
            messages.SUCCESS,
        )

    @admin.action(
        description="Renew selected (new estimates at today's prices)", permissions=["supersede"]
    )
    def renew_selected(self, request: HttpRequest, queryset: QuerySet[EstimateRepricing]) -> None:
        self._renew(request, list(queryset.values_list("estimate_id", flat=True)), email=False)

    @admin.action(description="Renew selected and email the patients", permissions=["supersede"])
    def renew_selected_and_email(
        self, request: HttpRequest, queryset: QuerySet[EstimateRepricing]
    ) -> None:
        self._renew(request, list(queryset.values_list("estimate_id", flat=True)), email=True)

    @admin.action(
        description="Renew all affected for the selected rows' clinic(s)", permissions=["supersede"]
    )
    def renew_clinic(self, request: HttpRequest, queryset: QuerySet[EstimateRepricing]) -> None:
        clinics = queryset.values("clinic_id")
        every = EstimateRepricing.objects.filter(clinic_id__in=clinics, problem="")
        self._renew(request, list(every.values_list("estimate_id", flat=True)), email=False)


LINK_COLUMNS = (
    "estimate",
    "email",
    "created_at",
    "expires_at",
    "revoked_at",
    "views",
    "last_viewed_at",
)


@admin.register(PatientLink)
class PatientLinkAdmin(ReadOnly, admin.ModelAdmin):
    """The links patients were emailed: when each closes, how often it was opened; revoke one."""

    list_display = LINK_COLUMNS
    list_filter = ["estimate__clinic", "created_at", "expires_at"]
    search_fields = ["estimate__reference", "email__recipient"]
    list_select_related = ["estimate", "email__estimate"]
    # The token itself was never stored: nothing here opens the patient's page.
    readonly_fields = [*LINK_COLUMNS, "revoked_by"]
    actions = ["revoke_selected"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.revoke_patientlink")

    @admin.action(
        description="Revoke the selected links (they stop opening at once)", permissions=["revoke"]
    )
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[PatientLink]) -> None:
        links = list(queryset.filter(revoked_at__isnull=True))
        for link in links:
            patient_link_revoke(link=link, by=request.user)
        self.message_user(request, f"Revoked {len(links)} link(s).", messages.SUCCESS)
