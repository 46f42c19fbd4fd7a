"""Stored estimates, Good Faith Estimate requests, integration keys and idempotency records."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords

from .base import (
    DocumentField,
    GuardedDelete,
    GuardedDeleteQuerySet,
    RecordLocked,
    TimeStamped,
    language_field,
    money_field,
)
from .catalog import Clinic, ServiceType
from .insurance import InsurancePlan
from .statements import CompiledInsert

# No 0/O/1/I/L: references are read aloud over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(prefix: str) -> str:
    """A random, unguessable reference such as EST-7K3M9Q2X."""
    return prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def new_estimate_reference() -> str:
    """A new estimate reference."""
    return new_reference("EST")


def new_request_reference() -> str:
    """A new Good Faith Estimate request reference."""
    return new_reference("GFE")


class CoverageMode(models.TextChoices):
    """How the patient is paying."""

    SELF_PAY = "self_pay", "Self-pay"
    INSURED = "insured", "Insurance plan"
    UNKNOWN = "unknown", "Not sure (range)"


class EstimateStatus(models.TextChoices):
    """Life of a stored estimate."""

    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued to the patient"
    VOID = "void", "Void"
    SUPERSEDED = "superseded", "Superseded by a correction"


# Once issued (or void), an estimate is a record of what the patient was told: see
# Estimate.locked_changes and the database triggers of migration 0003_estimate_immutability.
LOCKED_STATUSES = (EstimateStatus.ISSUED, EstimateStatus.VOID, EstimateStatus.SUPERSEDED)
# The only moves out of a locked status; each is made by a service (void, supersede).
LOCKED_MOVES = {
    (EstimateStatus.ISSUED, EstimateStatus.VOID),
    (EstimateStatus.ISSUED, EstimateStatus.SUPERSEDED),
}
# What a locked estimate keeps as it was issued: who it is for, what was priced and the figures.
# Not frozen: internal notes (never printed), and who created it (cleared if a user or key is
# deleted). voided_at and void_reason are set once, when an issued estimate is voided.
FROZEN_AFTER_ISSUE = (
    "reference",
    "clinic",
    "source",
    "coverage_mode",
    "plan",
    "patient_name",
    "patient_date_of_birth",
    "patient_email",
    "patient_phone",
    "external_reference",
    "diagnosis_codes",
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
    "issued_at",
    "supersedes",
    "created_at",
)
EDITABLE_AFTER_ISSUE = frozenset({"notes", "updated_at", "created_by", "api_key"})


class EstimateQuerySet(GuardedDeleteQuerySet):
    """Estimates; bulk update() and delete() refuse to touch issued, void or superseded rows."""

    def update(self, **kwargs: Any) -> int:
        touched = set(kwargs) - EDITABLE_AFTER_ISSUE
        if touched and self.filter(status__in=LOCKED_STATUSES).exists():
            raise RecordLocked(
                f"Issued, void and superseded estimates keep {', '.join(sorted(touched))} as "
                "issued; correct one with a new estimate that supersedes it."
            )
        return super().update(**kwargs)


class EstimateSource(models.TextChoices):
    """Where an estimate was created."""

    API = "api", "API"
    ADMIN = "admin", "Admin"
    QUOTE_PAGE = "quote_page", "Quote page"


class Estimate(CompiledInsert, GuardedDelete, TimeStamped):
    """A priced plan kept on record: frozen inputs, the prices and coverage used, and the result."""

    reference = models.CharField(
        max_length=16, unique=True, default=new_estimate_reference, editable=False
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="estimates")
    status = models.CharField(
        max_length=12, choices=EstimateStatus.choices, default=EstimateStatus.DRAFT
    )
    source = models.CharField(
        max_length=12, choices=EstimateSource.choices, default=EstimateSource.API
    )
    coverage_mode = models.CharField(max_length=10, choices=CoverageMode.choices)
    plan = models.ForeignKey(
        InsurancePlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="estimates",
    )
    services = models.ManyToManyField(ServiceType, related_name="estimates", blank=True)
    patient_name = models.CharField(max_length=200, blank=True)
    patient_date_of_birth = models.DateField(null=True, blank=True)
    patient_email = models.EmailField(blank=True)
    patient_phone = models.CharField(max_length=30, blank=True)
    external_reference = models.CharField(
        max_length=100,
        blank=True,
        db_index=True,
        help_text="The integrating system's own identifier (chart or account number).",
    )
    diagnosis_codes = models.JSONField(
        default=list, blank=True, help_text="ICD-10 codes for the Good Faith Estimate."
    )
    notes = models.TextField(blank=True)
    language = language_field(
        "The patient's language: the PDFs and emails of this estimate are in it."
    )
    start_date = models.DateField(help_text="Date of the first session.")
    end_date = models.DateField(help_text="Date of the last session.")
    sessions = models.PositiveSmallIntegerField()
    total_charge = money_field("total charge")
    patient_total = money_field(
        "patient pays", help_text="The patient's total; for a range, the worst case."
    )
    patient_total_best = money_field(
        "patient pays (best case)",
        help_text="Equal to 'patient pays' unless coverage is uncertain.",
    )
    plan_total = money_field("plan pays")
    request_data = DocumentField(help_text="The plan request exactly as priced.")
    snapshot_data = DocumentField(help_text="The prices and coverage rules used.")
    result_data = DocumentField(help_text="The engine's estimate, line by line.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        "estimator.IntegrationKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="estimates",
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="superseded_by",
        help_text="The issued estimate this one corrects.",
    )
    # Both rows of a stored estimate are inserted by a statement compiled once (statements.py).
    history = HistoricalRecords(
        excluded_fields=["request_data", "snapshot_data", "result_data"], bases=[CompiledInsert]
    )

    objects = EstimateQuerySet.as_manager()

    # Not a column: the result's services not covered and needing an ABN, when whoever made
    # this instance had them already (services._estimate_from); None: read off result_data.
    named_services: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("issue_estimate", "Can issue estimates to patients"),
            ("void_estimate", "Can void estimates"),
            ("supersede_estimate", "Can correct issued estimates with a superseding estimate"),
        ]
        indexes = [
            models.Index(fields=["clinic", "-created_at"], name="estimate_clinic_recent"),
            models.Index(fields=["status", "-created_at"], name="estimate_status_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="estimate_dates_order"
            ),
            models.CheckConstraint(
                condition=~Q(coverage_mode="insured") | Q(plan__isnull=False),
                name="estimate_insured_has_plan",
            ),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="estimate_sessions_min"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_locked(self) -> bool:
        """Whether the estimate is part of the record (issued, void or superseded)."""
        return self.status in LOCKED_STATUSES

    @property
    def supersedes_reference(self) -> str | None:
        """The reference of the estimate this one corrects, if any."""
        return self.supersedes.reference if self.supersedes else None

    @property
    def superseded_by_reference(self) -> str | None:
        """The reference of the estimate that corrects this one, if any."""
        correction = getattr(self, "superseded_by", None)
        return correction.reference if correction else None

    def locked_changes(self) -> dict[str, str]:
        """What this unsaved state would change on a locked stored row, field by field."""
        stored = type(self)._base_manager.filter(pk=self.pk).first() if self.pk else None
        if stored is None or not stored.is_locked:
            return {}
        state = stored.get_status_display().lower()
        errors: dict[str, str] = {}
        for name in FROZEN_AFTER_ISSUE:
            field: Any = self._meta.get_field(name)
            if getattr(self, field.attname) != getattr(stored, field.attname):
                errors[name] = (
                    f"Estimate {stored.reference} is {state}: its {field.verbose_name} is part of "
                    "the record. Correct it with a new estimate that supersedes this one."
                )
        move = (stored.status, self.status)
        if self.status != stored.status and move not in LOCKED_MOVES:
            errors["status"] = f"Estimate {stored.reference} is {state}; it stays {state}."
        if move != (EstimateStatus.ISSUED, EstimateStatus.VOID):
            for name in ("voided_at", "void_reason"):
                if getattr(self, name) != getattr(stored, name):
                    errors[name] = f"Estimate {stored.reference} is {state}; this stays as it is."
        return errors

    def clean(self) -> None:
        if not self._state.adding:
            errors = self.locked_changes()
            if errors:
                raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Below every form and service: History -> Revert and stray code end here too.
        if not self._state.adding:
            errors = self.locked_changes()
            if errors:
                raise RecordLocked(errors)
        super().save(*args, **kwargs)

    def deletion_refused(self) -> str | None:
        """Why this estimate may not be deleted (it is part of the record), or None."""
        if not self.is_locked:
            return None
        return (
            f"Estimate {self.reference} is {self.get_status_display().lower()} and stays on "
            "record: it cannot be deleted. Void it, or correct it with a superseding estimate."
        )

    @property
    def is_range(self) -> bool:
        """Whether coverage was uncertain, so the patient's share is a range."""
        return self.patient_total_best != self.patient_total


class RequestStatus(models.TextChoices):
    """Where a Good Faith Estimate request stands with the front desk."""

    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    SENT = "sent", "Good Faith Estimate sent"
    CLOSED = "closed", "Closed"


class GoodFaithEstimateRequest(TimeStamped):
    """A patient's request, from the quote page, for a formal Good Faith Estimate."""

    reference = models.CharField(
        max_length=16, unique=True, default=new_request_reference, editable=False
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="good_faith_estimate_requests"
    )
    status = models.CharField(
        max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW, db_index=True
    )
    patient_name = models.CharField(max_length=200)
    patient_date_of_birth = models.DateField()
    patient_email = models.EmailField()
    patient_phone = models.CharField(max_length=30, blank=True)
    consent = models.BooleanField(
        help_text="The patient agreed to be contacted about this estimate."
    )
    consented_at = models.DateTimeField()
    language = language_field(
        "The language of the page the patient asked on; the estimate priced from this request "
        "and its Good Faith Estimate and email are in it."
    )
    request_data = DocumentField(help_text="The quote inputs the patient chose.")
    result_data = DocumentField(help_text="The quote the patient saw.")
    patient_total = money_field("patient pays (quoted)")
    due_on = models.DateField(
        "due by",
        null=True,
        blank=True,
        help_text="The day the Good Faith Estimate is owed (45 CFR 149.610, in business days).",
    )
    renew_by = models.DateField(
        "renew by",
        null=True,
        blank=True,
        help_text="If the scope changes, a new Good Faith Estimate is owed by this day, 1 "
        "business day before the first visit.",
    )
    estimate = models.ForeignKey(
        Estimate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        help_text="The formal estimate issued in answer.",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    staff_notes = models.TextField(blank=True)
    history = HistoricalRecords(excluded_fields=["request_data", "result_data"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "Good Faith Estimate request"
        permissions = [
            ("handle_gfe_request", "Can handle Good Faith Estimate requests"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(consent=True), name="gfe_request_consent"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="gfe_request_status_due")]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"


class KeyScope(models.TextChoices):
    """What an integration key may do."""

    READ = "read", "Read only (catalog, quotes, fetch estimates)"
    READ_WRITE = "read_write", "Read and write (also store estimates)"


class IntegrationKey(AbstractAPIKey):
    """An API key for a billing integration; stored hashed, shown once when created."""

    scope = models.CharField(max_length=10, choices=KeyScope.choices, default=KeyScope.READ)
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_keys",
        help_text="Limit the key to one clinic's estimates; empty = all clinics.",
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"


class IdempotencyRecord(models.Model):
    """The first response to an Idempotency-Key, replayed for a retry with the same body."""

    owner = models.CharField(
        max_length=150, help_text="Who sent the key: an API key id or a staff user."
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The answer as sent (a DocumentField takes it as the bytes it was written as).
    response_body = DocumentField(null=True, blank=True)
    estimate = models.ForeignKey(
        Estimate, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_one_per_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"
