"""Admin for what the background jobs keep: the estimate email outbox and the re-pricings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from estimator.emails import estimate_email_retry
from estimator.formatting import money_text
from estimator.models import EmailStatus, EstimateEmail, EstimateRepricing

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
        "problem",
        "computed_at",
        "cause",
    ]
    list_filter = ["clinic", "computed_at"]
    search_fields = ["estimate__reference"]
    list_select_related = ["estimate", "clinic"]
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
