"""Billed charges an integration reports for an issued estimate, compared per provider.

New tables beside Estimate (which is immutable once issued): one BilledCharges per bill, its
providers, and their lines. A later bill for the same estimate replaces the earlier one in the
comparison; both stay on record.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from estimator.validators import validate_billing_code, validate_npi

from .base import TimeStamped, money_field
from .estimates import Estimate, IntegrationKey


class BilledCharges(TimeStamped):
    """One bill reported for an issued estimate."""

    estimate = models.ForeignKey(Estimate, on_delete=models.PROTECT, related_name="bills")
    bill_date = models.DateField(help_text="The date on the bill; the dispute window runs from it.")
    api_key = models.ForeignKey(
        IntegrationKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaced = models.BooleanField(
        default=False, help_text="A later bill for the same estimate replaces this one."
    )

    class Meta:
        ordering = ["-bill_date", "-created_at", "-id"]
        verbose_name = "billed charges"
        verbose_name_plural = "billed charges"
        constraints = [
            models.UniqueConstraint(
                fields=["estimate"],
                condition=Q(replaced=False),
                name="billed_charges_one_current_per_estimate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estimate.reference} billed {self.bill_date:%Y-%m-%d}"


class BilledProvider(models.Model):
    """One provider's part of a bill, with the Good Faith Estimate's amount for that provider."""

    bill = models.ForeignKey(BilledCharges, on_delete=models.CASCADE, related_name="providers")
    npi = models.CharField("NPI", max_length=10, validators=[validate_npi])
    name = models.CharField(max_length=200)
    billed = money_field("billed")
    expected = money_field(
        "expected (GFE)", help_text="The estimate's expected charges for this provider."
    )
    over_by = money_field("over the estimate by", help_text="Billed less expected; 0 if less.")
    flagged = models.BooleanField(
        default=False,
        help_text="Billed $400 or more above the Good Faith Estimate (45 CFR 149.620): the "
        "patient may start patient-provider dispute resolution.",
    )
    dispute_deadline = models.DateField(
        null=True, blank=True, help_text="120 calendar days after the bill date, when flagged."
    )

    class Meta:
        ordering = ["bill", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "npi"], name="billed_provider_once_per_bill"),
        ]
        indexes = [models.Index(fields=["flagged"], name="billed_provider_flagged")]

    def __str__(self) -> str:
        return f"{self.name} ({self.npi})"


class BilledLine(models.Model):
    """One billed service line."""

    provider = models.ForeignKey(BilledProvider, on_delete=models.CASCADE, related_name="lines")
    code = models.CharField(max_length=5, validators=[validate_billing_code])
    service_date = models.DateField()
    amount = money_field("amount")
    units = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["provider", "service_date", "id"]

    def __str__(self) -> str:
        return f"{self.code} on {self.service_date:%Y-%m-%d}"
