"""Admin for signed webhooks: a clinic's endpoints (the secret shown once) and every delivery."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from estimator.models import (
    SUBSCRIBABLE,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from estimator.webhooks import (
    webhook_delivery_retry,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_test,
)

from .jobs import ReadOnly, retry_each


class WebhookEndpointForm(forms.ModelForm):
    """The events as ticks; the model's clean() checks the URL (https, public) and the events."""

    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(value, WebhookEvent(value).label) for value in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["clinic", "url", "description", "events"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Where a clinic's events are sent; the signing secret is shown once, when it is made."""

    form = WebhookEndpointForm
    list_display = [
        "url",
        "clinic",
        "events_text",
        "active",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
    ]
    list_filter = ["active", "clinic"]
    search_fields = ["url", "description"]
    list_select_related = ["clinic"]
    actions = ["disable_selected", "enable_selected", "send_test_event"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        shown = ["active", "consecutive_failures", "disabled_at", "disabled_reason", "created_by"]
        # An endpoint's events belong to its clinic: moving it would send one clinic's events
        # to a receiver set up for another.
        return ["clinic", *shown] if obj is not None else []

    @admin.display(description="events")
    def events_text(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events)

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        if change:
            obj.full_clean()
            obj.save()
            return
        endpoint, secret = webhook_endpoint_create(
            clinic=obj.clinic,
            url=obj.url,
            events=list(obj.events),
            description=obj.description,
            by=request.user,
        )
        obj.pk = endpoint.pk
        obj.secret = endpoint.secret
        self.message_user(
            request,
            f"The signing secret of {endpoint.url} is {secret} — copy it to the receiver now: "
            "it will not be shown again.",
            messages.WARNING,
        )

    def has_test_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.test_webhookendpoint")

    @admin.action(description="Disable the selected endpoints", permissions=["change"])
    def disable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset.filter(active=True):
            webhook_endpoint_disable(endpoint=endpoint, reason=f"Disabled by {request.user}.")
        self.message_user(request, "Disabled the selected endpoints.", messages.SUCCESS)

    @admin.action(description="Enable the selected endpoints", permissions=["change"])
    def enable_selected(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset.filter(active=False):
            webhook_endpoint_enable(endpoint=endpoint)
        self.message_user(request, "Enabled the selected endpoints.", messages.SUCCESS)

    @admin.action(description="Send a test event", permissions=["test"])
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            try:
                delivery = webhook_endpoint_test(endpoint=endpoint, by=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{endpoint.url}: {'; '.join(error.messages)}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    f"Test event {delivery.event_id} queued for {endpoint.url}: see Webhook "
                    "deliveries.",
                    messages.SUCCESS,
                )


class AttemptInline(admin.TabularInline):
    """Every attempt of a delivery: when, the answer and how long it took."""

    model = WebhookAttempt
    fields = ["number", "attempted_at", "status_code", "latency_ms", "error"]
    readonly_fields = ["number", "attempted_at", "status_code", "latency_ms", "error"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


DELIVERY_COLUMNS = (
    "event_type",
    "event_id",
    "endpoint",
    "status",
    "attempts",
    "last_status_code",
    "last_latency_ms",
    "last_error",
    "next_attempt_at",
    "delivered_at",
    "created_at",
)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly, admin.ModelAdmin):
    """Every event sent to an endpoint: whether it arrived, each attempt, and retrying one."""

    list_display = DELIVERY_COLUMNS
    list_filter = ["status", "event_type", "endpoint__clinic", "created_at"]
    search_fields = ["event_id", "endpoint__url"]
    list_select_related = ["endpoint__clinic"]
    readonly_fields = [*DELIVERY_COLUMNS, "payload"]
    inlines = [AttemptInline]
    actions = ["retry_selected"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("estimator.retry_webhookdelivery")

    @admin.action(description="Retry the selected deliveries", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        retry_each(
            self,
            request,
            queryset.exclude(status=DeliveryStatus.DELIVERED),
            lambda delivery, by: webhook_delivery_retry(delivery=delivery, by=by),
            "delivery(ies)",
        )
