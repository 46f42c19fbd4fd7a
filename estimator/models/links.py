"""Links that let a patient see their estimate without an account."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .estimates import Estimate


class PatientLink(models.Model):
    """An unguessable, expiring link to one issued estimate, sent in its email.

    Only a hash of the token is kept: a copy of the database does not open anybody's estimate.
    Staff revoke a link (a wrong address, a patient's request) without touching the estimate.
    """

    estimate = models.ForeignKey(Estimate, on_delete=models.PROTECT, related_name="patient_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.ForeignKey(
        "estimator.EstimateEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="links",
        help_text="The email that carried it.",
    )
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "patient link"
        permissions = [("revoke_patientlink", "Can revoke patients' estimate links")]

    def __str__(self) -> str:
        return f"Link to {self.estimate} until {self.expires_at:%Y-%m-%d}"
