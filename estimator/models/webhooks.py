"""Signed webhooks: the endpoints a clinic registers, each event's delivery and its attempts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .base import TimeStamped
from .catalog import Clinic


class WebhookEvent(models.TextChoices):
    """What a delivery tells an endpoint about; all but the test event may be subscribed to."""

    ESTIMATE_CREATED = "estimate.created", "Estimate created"
    ESTIMATE_ISSUED = "estimate.issued", "Estimate issued"
    ESTIMATE_VOIDED = "estimate.voided", "Estimate voided"
    ESTIMATE_SUPERSEDED = "estimate.superseded", "Estimate superseded by a correction"
    GFE_REQUEST_RECEIVED = "gfe_request.received", "Good Faith Estimate request received"
    ESTIMATES_REPRICED = "estimates.repriced", "Issued estimates affected by a price change"
    BILLED_CHARGES_FLAGGED = "billed_charges.flagged", "Billed charges over the dispute threshold"
    TEST = "webhook.test", "Test event (sent from admin)"


SUBSCRIBABLE = tuple(value for value in WebhookEvent.values if value != WebhookEvent.TEST)


class DeliveryStatus(models.TextChoices):
    """Where one event's delivery to one endpoint stands."""

    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookEndpoint(TimeStamped):
    """A clinic's receiver of signed events: only that clinic's events go to it."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="webhook_endpoints")
    url = models.URLField("URL", max_length=500, help_text="Where events are POSTed (https).")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The event types sent to this endpoint.")
    # Kept as given to the receiver (whsec_ + base64): signing needs the secret itself. Shown
    # once, when the endpoint is created; never in a form, list or log afterwards.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Deliveries failed in a row (every retry used up); 0 after a success."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["clinic", "url", "id"]
        verbose_name = "webhook endpoint"
        permissions = [("test_webhookendpoint", "Can send a test event to a webhook endpoint")]

    def __str__(self) -> str:
        return f"{self.url} ({self.clinic})"

    def clean(self) -> None:
        # Imported here: the URL rules live with the HTTP client that enforces them at send time.
        from estimator.outbound_http import UnsafeUrl, url_check

        errors: dict[str, str] = {}
        try:
            url_check(self.url)
        except UnsafeUrl as error:
            errors["url"] = str(error)
        events = self.events if isinstance(self.events, list) else None
        if not events:
            errors["events"] = "Choose at least one event."
        elif unknown := [e for e in events if e not in SUBSCRIBABLE]:
            errors["events"] = f"Unknown event types: {', '.join(map(str, unknown))}."
        if errors:
            raise ValidationError(errors)


class WebhookDelivery(TimeStamped):
    """One event for one endpoint: its payload as signed, whether it arrived, and the last try."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(
        max_length=40, help_text="The webhook-id header: the same on every retry."
    )
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices, db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_event_once")
        ]
        permissions = [("retry_webhookdelivery", "Can retry webhook deliveries")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to {self.endpoint.url}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the answer (or why there was none) and how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = "webhook attempt"

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"
