"""What the background jobs keep: the estimate email outbox and re-pricings of issued estimates."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .base import TimeStamped, language_field, money_field
from .estimates import Estimate


class EmailKind(models.TextChoices):
    """Which document the email carries."""

    QUOTE = "quote", "Estimate"
    GOOD_FAITH_ESTIMATE = "gfe", "Good Faith Estimate"


class EmailStatus(models.TextChoices):
    """Where an email stands in the outbox."""

    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EstimateEmail(TimeStamped):
    """One email of an estimate to its patient: queued, then sent once, or failed with why."""

    estimate = models.ForeignKey(Estimate, on_delete=models.PROTECT, related_name="emails")
    # Only the address: the patient's other details stay on the estimate.
    recipient = models.EmailField()
    kind = models.CharField(max_length=8, choices=EmailKind.choices)
    language = language_field("The language the email and its PDF are written in.")
    status = models.CharField(
        max_length=8, choices=EmailStatus.choices, default=EmailStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "estimate email"
        permissions = [
            ("send_estimateemail", "Can email estimates to patients"),
            ("retry_estimateemail", "Can retry estimate emails that failed"),
        ]

    def __str__(self) -> str:
        return f"{self.estimate} to {self.recipient} ({self.get_status_display()})"


class EstimateRepricing(models.Model):
    """What an issued estimate would cost today, after a price or coverage change.

    The estimate itself never changes (it is a record); this is the latest re-pricing of it,
    replaced each time the job runs, for staff deciding whether to issue a renewed estimate.
    """

    estimate = models.OneToOneField(Estimate, on_delete=models.CASCADE, related_name="repricing")
    clinic = models.ForeignKey(
        "estimator.Clinic", on_delete=models.CASCADE, related_name="repricings"
    )
    computed_at = models.DateTimeField()
    cause = models.CharField(max_length=300, help_text="The catalog change that prompted it.")
    current_total = money_field("total charge now")
    current_patient_total = money_field("patient pays now")
    charge_difference = money_field("total charge difference")
    patient_difference = money_field(
        "patient pays difference", help_text="Patient pays now minus patient pays as issued."
    )
    problem = models.CharField(
        max_length=500,
        blank=True,
        help_text="Why the plan cannot be priced today (a service withdrawn, no price).",
    )

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = "re-priced issued estimate"

    def __str__(self) -> str:
        return f"{self.estimate} now {self.current_patient_total}"
