"""Payers, the plans a clinic deals with, and what each plan covers."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from estimator.validators import validate_billing_code

from .base import (
    Currency,
    TimeStamped,
    money_field,
    percent_field,
    raise_if,
    require_currency,
    require_non_negative,
    translation_field,
)
from .catalog import AddOn, Clinic, ServiceType


class PayerKind(models.TextChoices):
    """What sort of payer; decides defaults such as Medicare's codes and unit rule."""

    COMMERCIAL = "commercial", "US commercial"
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"
    CA_EXTENDED_HEALTH = "ca_extended_health", "Canadian extended health"
    OTHER = "other", "Other"


class Network(models.TextChoices):
    """Whether the clinic is in the plan's network (decides who bears the charge above allowed)."""

    IN = "in", "In network (charge above the allowed amount is written off)"
    OUT = (
        "out",
        (
            "Out of network (the patient may be billed the difference; for Medicare, a "
            "non-participating provider: 95% of the fee schedule, at most the limiting charge)"
        ),
    )


class UnitRule(models.TextChoices):
    """How minutes of timed codes become 15-minute units."""

    EIGHT_MINUTE = "eight_minute", "CMS 8-minute rule (timed minutes pooled per visit)"
    MIDPOINT = "midpoint", "AMA/CPT midpoint rule (counted per code)"


class CopayDesign(models.TextChoices):
    """How the plan's copay and deductible combine on a covered visit."""

    COPAY_THEN_DEDUCTIBLE = (
        "copay_then_deductible",
        "Copay first (not subject to the deductible), then deductible, then coinsurance",
    )
    COPAY_WAIVES_DEDUCTIBLE = (
        "copay_waives_deductible",
        "Copay instead of the deductible (deductible waived for the visit), then coinsurance",
    )
    DEDUCTIBLE_THEN_COINSURANCE = (
        "deductible_then_coinsurance",
        "No copay: deductible, then coinsurance",
    )


class Payer(TimeStamped):
    """An insurer or program, e.g. Medicare, Aetna, Pacific Blue Cross."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=24, choices=PayerKind.choices)
    phone = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlanManager(models.Manager["InsurancePlan"]):
    """Plans come with their payer: a plan's name is shown as 'Payer — Plan' everywhere."""

    def get_queryset(self) -> models.QuerySet[InsurancePlan]:
        return super().get_queryset().select_related("payer")


class InsurancePlan(TimeStamped):
    """A plan as the clinic knows it: cost sharing, limits and the unit rule its claims follow."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="plans")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(max_length=200)
    network = models.CharField(max_length=3, choices=Network.choices, default=Network.IN)
    currency = models.CharField(
        max_length=3,
        choices=Currency.choices,
        default=Currency.USD,
        help_text="Must be the clinic's currency; every amount below is in it.",
    )
    deductible = money_field(
        "annual deductible",
        help_text="What the patient pays each benefit year before coinsurance starts. 0 if none.",
    )
    coinsurance_percent = percent_field(
        "coinsurance (%)",
        help_text="The patient's share of the allowed amount after the deductible, e.g. 20.",
    )
    copay = money_field(
        "copay per visit",
        help_text="Fixed amount the patient pays per visit for covered services, before and "
        "apart from the deductible. 0 if the plan uses no copay.",
    )
    copay_design = models.CharField(
        "copay and deductible",
        max_length=28,
        choices=CopayDesign.choices,
        default=CopayDesign.COPAY_THEN_DEDUCTIBLE,
        help_text="The plan documents say which: many plans waive the deductible for a visit "
        "with a copay; others charge no copay for therapy.",
    )
    out_of_pocket_max = money_field(
        "out-of-pocket maximum",
        help_text="Most the patient pays for covered services in a benefit year; past it the "
        "plan pays 100%. 0 means no maximum.",
    )
    benefit_year_start_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Month the deductible, maximum and visit counts reset (1 = January).",
    )
    benefit_year_start_day = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    visit_limit = models.PositiveSmallIntegerField(
        "visit limit per benefit year",
        null=True,
        blank=True,
        validators=[MaxValueValidator(366)],
        help_text="Covered visits a benefit year; later visits are not covered. Empty = no limit.",
    )
    reimbursement_percent = percent_field(
        "reimbursement (%)",
        default="0",
        help_text="Canadian extended-health style: the share of each visit the plan pays, up "
        "to the per-visit and annual maxima. 0 = use deductible and coinsurance instead.",
    )
    per_visit_max = money_field(
        "per-visit maximum",
        help_text="Most the plan pays for one visit. 0 means no per-visit maximum.",
    )
    annual_max = money_field(
        "annual maximum",
        help_text="Most the plan pays in a benefit year. 0 means no annual maximum.",
    )
    therapy_kx_threshold = money_field(
        "therapy KX threshold",
        help_text="Medicare: outpatient therapy allowed amounts a year (PT and SLP combined) "
        "past which claims carry KX — $2,480 in 2026. 0 = none.",
    )
    therapy_review_threshold = money_field(
        "therapy review threshold",
        help_text="Medicare: past this ($3,000) therapy claims may be reviewed. 0 = none.",
    )
    mppr_percent = percent_field(
        "multiple-procedure reduction (%)",
        help_text="Medicare MPPR, approximated: the percent of a fixed fee cut from each "
        "therapy unit after the first of the day (Medicare cuts 50% of the practice-expense "
        "part; 50% x a typical PE share of about 40% = 20). 0 = none.",
    )
    unit_rule = models.CharField(
        "timed-unit rule",
        max_length=16,
        choices=UnitRule.choices,
        default=UnitRule.MIDPOINT,
        help_text="Medicare uses the 8-minute rule; many commercial payers the midpoint rule.",
    )
    notes = models.TextField(blank=True, help_text="For staff; not shown to patients.")
    active = models.BooleanField(default=True, help_text="Inactive plans cannot be chosen.")
    history = HistoricalRecords()

    objects = PlanManager()

    MONEY_FIELDS = (
        "deductible",
        "copay",
        "out_of_pocket_max",
        "per_visit_max",
        "annual_max",
        "therapy_kx_threshold",
        "therapy_review_threshold",
    )

    class Meta:
        ordering = ["clinic__name", "payer__name", "name"]
        verbose_name = "insurance plan"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "payer", "name"], name="plan_unique_name"),
            models.CheckConstraint(
                condition=Q(coinsurance_percent__gte=0, coinsurance_percent__lte=100),
                name="plan_coinsurance_range",
            ),
            models.CheckConstraint(
                condition=Q(reimbursement_percent__gte=0, reimbursement_percent__lte=100),
                name="plan_reimbursement_range",
            ),
            models.CheckConstraint(
                condition=Q(mppr_percent__gte=0, mppr_percent__lte=100),
                name="plan_mppr_range",
            ),
            models.CheckConstraint(
                condition=Q(deductible__gte=0)
                & Q(copay__gte=0)
                & Q(out_of_pocket_max__gte=0)
                & Q(per_visit_max__gte=0)
                & Q(annual_max__gte=0)
                & Q(therapy_kx_threshold__gte=0)
                & Q(therapy_review_threshold__gte=0),
                name="plan_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer.name} — {self.name}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in self.MONEY_FIELDS:
            amount = getattr(self, field)
            require_non_negative(errors, field, amount)
            require_currency(errors, field, amount, self.currency, "the plan")
        if self.clinic_id and self.currency != self.clinic.currency:
            errors.setdefault("currency", []).append(
                f"{self.clinic.name} bills in {self.clinic.currency}; a plan it quotes must too."
            )
        try:
            dt.date(2024, self.benefit_year_start_month, self.benefit_year_start_day)
        except (TypeError, ValueError):
            errors.setdefault("benefit_year_start_day", []).append(
                "That day does not exist in that month."
            )
        if self.benefit_year_start_month == 2 and self.benefit_year_start_day == 29:
            errors.setdefault("benefit_year_start_day", []).append(
                "Choose a start day that exists every year (not 29 February)."
            )
        oop = self.out_of_pocket_max
        if oop is not None and oop.amount > 0 and self.deductible.amount > oop.amount:
            errors.setdefault("out_of_pocket_max", []).append(
                "The out-of-pocket maximum cannot be below the deductible."
            )
        raise_if(errors)


def _billing_codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").split() if code]


class CodeSetLimit(TimeStamped):
    """A visit limit that counts only visits billing one of its codes.

    Medicare's NCD 30.3.3 limit (20 acupuncture visits) counts acupuncture sessions only;
    Part B therapy (97xxx, G0283) has no visit limit, so the limit cannot be plan-wide.
    """

    plan = models.ForeignKey(
        InsurancePlan, on_delete=models.CASCADE, related_name="code_set_limits"
    )
    key = models.SlugField(
        max_length=40,
        help_text="Short name the API uses for visits already used, e.g. 'acupuncture'.",
    )
    name = models.CharField(
        max_length=80,
        help_text="Shown to patients, e.g. 'acupuncture' (as in '20 acupuncture "
        "visits a benefit year').",
    )
    name_es = translation_field("name", "es", max_length=80)
    name_fr = translation_field("name", "fr", max_length=80)
    billing_codes = models.CharField(
        max_length=200,
        help_text="Codes that count, separated by spaces: 97810 97811 97813 97814 (add 20560 "
        "20561 where the plan counts needle insertion).",
    )
    max_visits = models.PositiveSmallIntegerField(
        "visits a benefit year",
        validators=[MaxValueValidator(366)],
        help_text="Visits billing one of the codes that are covered in a benefit year; the "
        "codes are not covered after that. Other services of the visit are not affected.",
    )
    certain_visits = models.PositiveSmallIntegerField(
        "visits covered without conditions",
        null=True,
        blank=True,
        validators=[MaxValueValidator(366)],
        help_text="Later visits, up to the limit, are covered only with documented improvement "
        "and are quoted as a range (Medicare acupuncture: 12, then 8 more up to 20). Empty = "
        "every visit up to the limit is covered.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "key"]
        verbose_name = "visit limit on a set of codes"
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="code_set_limit_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.max_visits} visits ({self.billing_codes})"

    @property
    def codes(self) -> list[str]:
        """The billing codes as a list."""
        return _billing_codes(self.billing_codes)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        codes = self.codes
        if not codes:
            errors.setdefault("billing_codes", []).append("Enter at least one billing code.")
        for code in codes:
            try:
                validate_billing_code(code)
            except ValidationError as error:
                errors.setdefault("billing_codes", []).extend(f"{code}: {m}" for m in error)
        if self.certain_visits is not None and self.certain_visits > self.max_visits:
            errors.setdefault("certain_visits", []).append(
                "Cannot be more than the visits a benefit year."
            )
        raise_if(errors)


class CoverageStatus(models.TextChoices):
    """What the plan says about a code."""

    COVERED = "covered", "Covered"
    NOT_COVERED = "not_covered", "Not covered"
    PRIOR_AUTH = "prior_auth", "Prior authorization required"
    UNKNOWN = "unknown", "Unknown (not verified)"


class AllowedBasis(models.TextChoices):
    """How the plan's allowed amount is set for a covered code."""

    CHARGE = "charge", "The clinic's charge"
    FIXED = "fixed", "Fixed amount (per unit for timed codes)"
    PERCENT = "percent", "Percentage of the charge"


class Denial(models.TextChoices):
    """Why a plan does not pay, where that decides who may be billed."""

    ABN_REQUIRED = "abn_required", "Medicare expects to deny it: charge only with a signed ABN (GA)"
    STATUTORY = "statutory_exclusion", "Excluded from Medicare by law: patient pays, no ABN (GY)"
    BUNDLED = "bundled", "Bundled into another service: written off in network"
    INVESTIGATIONAL = "investigational", "Experimental/investigational: bill only with a waiver"


class CoverageRule(TimeStamped):
    """What one plan says about one session type or add-on."""

    plan = models.ForeignKey(InsurancePlan, on_delete=models.CASCADE, related_name="rules")
    service = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, null=True, blank=True, related_name="rules"
    )
    add_on = models.ForeignKey(
        AddOn, on_delete=models.PROTECT, null=True, blank=True, related_name="rules"
    )
    status = models.CharField(max_length=12, choices=CoverageStatus.choices)
    allowed_basis = models.CharField(
        "allowed amount",
        max_length=8,
        choices=AllowedBasis.choices,
        default=AllowedBasis.CHARGE,
        help_text="The amount the plan recognises for a covered code; in network the clinic "
        "writes off anything above it.",
    )
    allowed_amount = money_field(
        "allowed amount (fixed)", help_text="Fee-schedule amount, per unit for timed codes."
    )
    additional_unit_allowed_amount = money_field(
        "allowed amount per additional unit (fixed)",
        help_text="For codes billed as a first 15 minutes plus each additional 15 minutes "
        "(97810 + 97811, 97813 + 97814): the fee-schedule amount of each additional unit, "
        "e.g. 28.47 for 97811 beside 37.03 for 97810. 0 = every unit at the amount above.",
    )
    allowed_percent = percent_field(
        "allowed amount (% of charge)", default="100", help_text="Used with 'Percentage'."
    )
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Plain-language condition shown with estimates, e.g. 'Only for chronic "
        "low-back pain, by a licensed acupuncturist'.",
    )
    note_es = translation_field("note", "es", max_length=300)
    note_fr = translation_field("note", "fr", max_length=300)
    denial = models.CharField(
        "reason not covered",
        max_length=24,
        choices=Denial.choices,
        blank=True,
        help_text="For 'Not covered': why, where it decides who may be billed. Empty: the "
        "patient pays (for Medicare, only with a signed ABN).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "service__order", "add_on__order"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(service__isnull=False) & Q(add_on__isnull=True))
                | (Q(service__isnull=True) & Q(add_on__isnull=False)),
                name="rule_one_target",
            ),
            models.UniqueConstraint(
                fields=["plan", "service"],
                condition=Q(service__isnull=False),
                name="rule_one_per_service",
            ),
            models.UniqueConstraint(
                fields=["plan", "add_on"],
                condition=Q(add_on__isnull=False),
                name="rule_one_per_add_on",
            ),
            models.CheckConstraint(
                condition=Q(allowed_amount__gte=0), name="rule_allowed_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(additional_unit_allowed_amount__gte=0),
                name="rule_additional_allowed_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(allowed_percent__gte=0, allowed_percent__lte=100),
                name="rule_allowed_percent_range",
            ),
        ]

    def __str__(self) -> str:
        target = self.service or self.add_on
        return f"{target}: {self.get_status_display()}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if bool(self.service_id) == bool(self.add_on_id):
            errors.setdefault("service", []).append(
                "Choose either a session type or an add-on (one, not both)."
            )
        for name in ("allowed_amount", "additional_unit_allowed_amount"):
            amount = getattr(self, name)
            require_non_negative(errors, name, amount)
            if self.plan_id:
                require_currency(errors, name, amount, self.plan.currency, "the plan")
        if self.allowed_basis == AllowedBasis.FIXED and self.status != CoverageStatus.NOT_COVERED:
            if self.allowed_amount is None or self.allowed_amount.amount <= 0:
                errors.setdefault("allowed_amount", []).append(
                    "Enter the fee-schedule amount, or choose another basis."
                )
        if self.denial and self.status != CoverageStatus.NOT_COVERED:
            errors.setdefault("denial", []).append("Only a 'Not covered' rule has a reason.")
        if self.plan_id and not errors:
            self._clean_unique(errors)
        raise_if(errors)

    def _clean_unique(self, errors: dict[str, list[str]]) -> None:
        others = CoverageRule.objects.filter(plan_id=self.plan_id).exclude(pk=self.pk)
        if self.service_id and others.filter(service_id=self.service_id).exists():
            errors.setdefault("service", []).append("This plan already has a rule for it.")
        if self.add_on_id and others.filter(add_on_id=self.add_on_id).exists():
            errors.setdefault("add_on", []).append("This plan already has a rule for it.")
