"""The clinic's catalog: clinics, session types, add-ons, effective-dated prices, packages."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from estimator.validators import validate_billing_code, validate_npi, validate_tin

from .base import (
    Currency,
    EffectiveDated,
    GuardedDeleteQuerySet,
    TimeStamped,
    money_field,
    percent_field,
    raise_if,
    require_currency,
    require_non_negative,
    translation_field,
)

MAX_DURATION_MINUTES = 240


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as America/New_York."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "Enter an IANA time zone name, such as America/New_York or America/Vancouver."
        )


def validate_durations(value: object) -> None:
    """A list of distinct whole minutes, each between 5 and 240."""
    if not isinstance(value, list) or not value:
        raise ValidationError("List at least one session length in minutes, such as 15, 30.")
    for minutes in value:
        if not isinstance(minutes, int) or isinstance(minutes, bool):
            raise ValidationError(f"{minutes!r} is not a whole number of minutes.")
        if minutes <= 0:
            raise ValidationError("Session lengths must be more than zero minutes.")
        if minutes > MAX_DURATION_MINUTES:
            raise ValidationError(f"Session lengths cannot exceed {MAX_DURATION_MINUTES} minutes.")
    if len(set(value)) != len(value):
        raise ValidationError("Each session length may be listed once.")


class BillingBasis(models.TextChoices):
    """How a code is billed: once a session, or per 15-minute unit of a timed code."""

    SESSION = "session", "Once per session (untimed code)"
    UNIT = "unit", "Per 15-minute unit (timed code)"


class Clinic(TimeStamped):
    """A clinic location: who appears on estimates, its currency and session limits."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True, help_text="Short name used in links and the API.")
    address_line1 = models.CharField("address", max_length=200)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(
        "state or province", max_length=50, help_text="Two-letter code, e.g. OR or BC."
    )
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, choices=[("US", "United States"), ("CA", "Canada")])
    phone = models.CharField(
        max_length=30,
        validators=[
            RegexValidator(r"^[0-9+() .-]{7,30}$", "Enter a phone number, e.g. 503-555-0134.")
        ],
    )
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    npi = models.CharField(
        "NPI",
        max_length=10,
        blank=True,
        validators=[validate_npi],
        help_text="Type 2 (organisation) National Provider Identifier; printed on Good Faith "
        "Estimates. US clinics only.",
    )
    tin = models.CharField(
        "TIN",
        max_length=10,
        blank=True,
        validators=[validate_tin],
        help_text="Tax identification number (EIN) for Good Faith Estimates. US clinics only.",
    )
    currency = models.CharField(
        max_length=3,
        choices=Currency.choices,
        default=Currency.USD,
        help_text="Every price, package and plan amount of this clinic must be in this currency.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="America/New_York",
        validators=[validate_time_zone],
        help_text="Decides which day's price applies.",
    )
    max_session_minutes = models.PositiveSmallIntegerField(
        "maximum session length (minutes)",
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(MAX_DURATION_MINUTES)],
        help_text="A session's length plus the minutes its add-ons add may not exceed this.",
    )
    self_pay_discount_percent = percent_field(
        "self-pay discount (%)",
        help_text="Taken off the price when the patient pays without billing insurance.",
    )
    self_pay_discount_on_uncovered = models.BooleanField(
        "discount uncovered services too",
        default=True,
        help_text="Also give the self-pay discount on services the patient's plan does not cover.",
    )
    unsure_patient_plan = models.ForeignKey(
        "estimator.InsurancePlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="plan assumed when a patient is unsure",
        help_text="When a patient does not know their coverage, the best case of the range "
        "assumes this plan covers the visit; the worst case assumes nothing is covered.",
    )
    good_faith_estimate_contact = models.TextField(
        blank=True,
        help_text="Who patients contact about a Good Faith Estimate or a bill that differs.",
    )
    good_faith_estimate_contact_es = translation_field("good faith estimate contact", "es")
    good_faith_estimate_contact_fr = translation_field("good faith estimate contact", "fr")
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_session_minutes__gte=15, max_session_minutes__lte=240),
                name="clinic_max_session_range",
            ),
            models.CheckConstraint(
                condition=Q(self_pay_discount_percent__gte=0, self_pay_discount_percent__lte=100),
                name="clinic_discount_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.country == "US" and self.currency != Currency.USD:
            errors.setdefault("currency", []).append("A US clinic bills in US dollars.")
        if self.country == "CA" and self.currency != Currency.CAD:
            errors.setdefault("currency", []).append("A Canadian clinic bills in Canadian dollars.")
        plan = self.unsure_patient_plan
        if plan is not None and plan.clinic_id != self.pk:
            errors.setdefault("unsure_patient_plan", []).append(
                "Choose one of this clinic's own plans."
            )
        raise_if(errors)

    def today(self) -> dt.date:
        """Today's date where the clinic is."""
        try:
            zone = zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        return timezone.now().astimezone(zone).date()

    @property
    def address_text(self) -> str:
        """The address on one line."""
        parts = [self.address_line1, self.address_line2, self.city]
        line = ", ".join(p for p in parts if p)
        return f"{line}, {self.region} {self.postal_code}"


class BodyArea(models.Model):
    """A complaint a patient picks on the quote page ("what hurts"), with suggested treatments."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    name_es = translation_field("name", "es", max_length=100)
    name_fr = translation_field("name", "fr", max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    suggested_services = models.ManyToManyField(
        "estimator.ServiceType",
        through="estimator.Suggestion",
        blank=True,
        related_name="body_areas",
        help_text="Treatments the quote page suggests for this complaint, best first; the "
        "first active one is pre-selected.",
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "complaint (what hurts)"
        verbose_name_plural = "complaints (what hurts)"

    def __str__(self) -> str:
        return self.name


class Suggestion(models.Model):
    """One treatment suggested for a complaint, ranked: rank 1 is pre-selected."""

    area = models.ForeignKey(BodyArea, on_delete=models.CASCADE, related_name="suggestions")
    service = models.ForeignKey(
        "estimator.ServiceType", on_delete=models.CASCADE, related_name="suggestions"
    )
    rank = models.PositiveSmallIntegerField(
        default=1, help_text="1 is the best match and is pre-selected on the quote page."
    )

    class Meta:
        ordering = ["area", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["area", "service"], name="suggestion_once_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.service.name} (#{self.rank})"


class ServiceType(TimeStamped):
    """A kind of session the clinic sells, e.g. dry needling of 1 or 2 muscles (CPT 20560)."""

    code = models.SlugField(unique=True, help_text="Stable short name used by the API.")
    name = models.CharField(max_length=120)
    description = models.TextField(
        "description for patients", help_text="Plain language; shown on the quote page."
    )
    what_to_expect = models.TextField(
        blank=True,
        help_text="What the patient will feel and should do afterwards; shown on the quote page.",
    )
    name_es = translation_field("name", "es", max_length=120)
    name_fr = translation_field("name", "fr", max_length=120)
    description_es = translation_field("description for patients", "es")
    description_fr = translation_field("description for patients", "fr")
    what_to_expect_es = translation_field("what to expect", "es")
    what_to_expect_fr = translation_field("what to expect", "fr")
    billing_code = models.CharField(
        max_length=5,
        validators=[validate_billing_code],
        help_text="CPT/HCPCS code on the claim: 20560 (1–2 muscles), 20561 (3+ muscles), 97810 "
        "(acupuncture, first 15 min), 97161 (evaluation)…",
    )
    additional_unit_code = models.CharField(
        max_length=5,
        blank=True,
        validators=[validate_billing_code],
        help_text="For codes billed as a first 15 minutes plus each additional 15 minutes "
        "(acupuncture 97810 + 97811): the add-on code. Leave empty otherwise.",
    )
    billing_basis = models.CharField(
        max_length=10,
        choices=BillingBasis.choices,
        default=BillingBasis.SESSION,
        help_text="Needle insertion (20560/20561) is once per session; acupuncture and therapy "
        "codes are timed and counted in 15-minute units.",
    )
    durations = models.JSONField(
        "offered lengths (minutes)",
        default=list,
        validators=[validate_durations],
        help_text="Session lengths a patient can choose, e.g. 15, 30, 45, 60.",
    )
    contact_minutes = models.JSONField(
        "one-on-one minutes per booked length",
        default=dict,
        blank=True,
        help_text="Timed units count personal one-on-one contact, not the time needles rest: "
        '{"30": 15, "60": 30} bills a 30-minute booking as 15 minutes (1 unit). Lengths not '
        "listed bill their full length. Timed codes only.",
    )
    usually_covered = models.BooleanField(
        default=False,
        help_text="Leave off for dry needling: most plans do not cover it. Without a coverage "
        "rule, a plan is assumed not to cover services with this off, and to be uncertain "
        "(a range is quoted) for services with it on.",
    )
    order = models.PositiveSmallIntegerField("display order", default=0)
    active = models.BooleanField(default=True, help_text="Inactive services cannot be quoted.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "session type"

    def __str__(self) -> str:
        return f"{self.name} ({self.billing_code})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.additional_unit_code and self.billing_basis != BillingBasis.UNIT:
            errors.setdefault("additional_unit_code", []).append(
                "Only timed (per-unit) codes have an additional-unit code."
            )
        errors.update(self._contact_errors())
        raise_if(errors)

    def _contact_errors(self) -> dict[str, list[str]]:
        contact = self.contact_minutes
        if not contact:
            return {}
        if not isinstance(contact, dict):
            return {"contact_minutes": ['Write it as {"30": 15}: booked minutes, contact.']}
        found = []
        if self.billing_basis != BillingBasis.UNIT:
            found.append("Only timed (per-unit) codes count contact minutes.")
        offered = {str(d) for d in self.durations or []}
        for booked, minutes in contact.items():
            if booked not in offered:
                found.append(f"{booked} is not one of the offered lengths.")
            elif isinstance(minutes, bool) or not isinstance(minutes, int):
                found.append(f"{minutes!r} is not a whole number of minutes.")
            elif not 0 < minutes <= int(booked):
                found.append(f"Contact minutes for {booked} must be 1 to {booked}.")
        return {"contact_minutes": found} if found else {}


class AddOn(TimeStamped):
    """Something added to a session, e.g. electrical stimulation or heat, with its own code."""

    code = models.SlugField(unique=True, help_text="Stable short name used by the API.")
    name = models.CharField(max_length=120)
    description = models.TextField("description for patients", blank=True)
    name_es = translation_field("name", "es", max_length=120)
    name_fr = translation_field("name", "fr", max_length=120)
    description_es = translation_field("description for patients", "es")
    description_fr = translation_field("description for patients", "fr")
    billing_code = models.CharField(
        max_length=5,
        validators=[validate_billing_code],
        help_text="97014 unattended e-stim, 97032 attended e-stim (per 15 min), 97010 heat or "
        "cold, 97140 manual therapy (per 15 min)…",
    )
    medicare_billing_code = models.CharField(
        max_length=5,
        blank=True,
        validators=[validate_billing_code],
        help_text="Code used instead for Medicare patients (unattended e-stim is G0283).",
    )
    pricing_basis = models.CharField(
        max_length=10,
        choices=BillingBasis.choices,
        default=BillingBasis.SESSION,
        help_text="Flat price per session, or the price times 15-minute units for timed codes.",
    )
    minutes = models.PositiveSmallIntegerField(
        "minutes added",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
        help_text="How much longer the session becomes; counts toward the clinic's maximum "
        "session length and, for timed codes, toward billing units.",
    )
    services = models.ManyToManyField(
        ServiceType,
        related_name="add_ons",
        help_text="Session types this add-on may be combined with.",
    )
    usually_covered = models.BooleanField(
        default=False, help_text="Whether plans usually cover this code."
    )
    medicare_bundled = models.BooleanField(
        default=False,
        help_text="Medicare bundles this code into the visit (97010 hot/cold packs): it may "
        "not be charged to a Medicare patient.",
    )
    order = models.PositiveSmallIntegerField("display order", default=0)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "add-on"

    def __str__(self) -> str:
        return f"{self.name} ({self.billing_code})"


class ServicePrice(EffectiveDated, TimeStamped):
    """What one clinic charges for a session type of a given length over a period."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="service_prices")
    service = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="prices")
    duration_minutes = models.PositiveSmallIntegerField(
        "length (minutes)",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    amount = money_field("price", help_text="The clinic's full charge for one session.")
    history = HistoricalRecords()

    objects = GuardedDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["service__order", "service__name", "duration_minutes", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="service_price_not_negative"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="service_price_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="service_price_period_order",
            ),
            models.UniqueConstraint(
                fields=["clinic", "service", "duration_minutes", "effective_from"],
                name="service_price_one_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["clinic", "service", "duration_minutes", "effective_from"],
                name="service_price_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service.name}, {self.duration_minutes} min: {self.amount}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        self.clean_period(errors)
        require_non_negative(errors, "amount", self.amount)
        if self.clinic_id:
            require_currency(errors, "amount", self.amount, self.clinic.currency, "the clinic")
            self.clean_history(errors, self.clinic.today(), "amount")
        if self.service_id and self.duration_minutes:
            if self.duration_minutes not in (self.service.durations or []):
                errors.setdefault("duration_minutes", []).append(
                    f"{self.service.name} is offered for "
                    f"{', '.join(str(d) for d in self.service.durations)} minutes; add "
                    f"{self.duration_minutes} to its offered lengths first."
                )
        if self.clinic_id and self.service_id and self.duration_minutes and self.effective_from:
            clash = self.overlaps(
                ServicePrice.objects.filter(
                    clinic_id=self.clinic_id,
                    service_id=self.service_id,
                    duration_minutes=self.duration_minutes,
                )
            ).first()
            if clash is not None:
                errors.setdefault("effective_from", []).append(
                    f"Another price for this session ({clash.amount}, {clash.describe_period()}) "
                    "covers some of these days. End that price the day before this one starts."
                )
        raise_if(errors)


class AddOnPrice(EffectiveDated, TimeStamped):
    """What one clinic charges for an add-on (per session or per 15-minute unit) over a period."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="add_on_prices")
    add_on = models.ForeignKey(AddOn, on_delete=models.PROTECT, related_name="prices")
    amount = money_field(
        "price", help_text="Per session, or per 15-minute unit if the add-on is priced by unit."
    )
    history = HistoricalRecords()

    objects = GuardedDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["add_on__order", "add_on__name", "-effective_from"]
        verbose_name = "add-on price"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="add_on_price_not_negative"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="add_on_price_period_order",
            ),
            models.UniqueConstraint(
                fields=["clinic", "add_on", "effective_from"], name="add_on_price_one_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.add_on.name}: {self.amount}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        self.clean_period(errors)
        require_non_negative(errors, "amount", self.amount)
        if self.clinic_id:
            require_currency(errors, "amount", self.amount, self.clinic.currency, "the clinic")
            self.clean_history(errors, self.clinic.today(), "amount")
        if self.clinic_id and self.add_on_id and self.effective_from:
            clash = self.overlaps(
                AddOnPrice.objects.filter(clinic_id=self.clinic_id, add_on_id=self.add_on_id)
            ).first()
            if clash is not None:
                errors.setdefault("effective_from", []).append(
                    f"Another price for this add-on ({clash.amount}, {clash.describe_period()}) "
                    "covers some of these days. End that price the day before this one starts."
                )
        raise_if(errors)


class Package(TimeStamped):
    """A prepaid package: N sessions of a service for a fixed price, used within D days."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="packages")
    code = models.SlugField(help_text="Stable short name, unique within the clinic.")
    name = models.CharField(max_length=120)
    name_es = translation_field("name", "es", max_length=120)
    name_fr = translation_field("name", "fr", max_length=120)
    service = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="packages")
    duration_minutes = models.PositiveSmallIntegerField(
        "length (minutes)",
        null=True,
        blank=True,
        help_text="Leave empty if the package covers any offered length of the service.",
    )
    sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text="Number of sessions the package pays for.",
    )
    price = money_field("package price", help_text="What the patient pays for the whole package.")
    valid_days = models.PositiveSmallIntegerField(
        "valid for (days)",
        validators=[MinValueValidator(1), MaxValueValidator(1095)],
        help_text="Days from the first session within which all sessions must be used.",
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["clinic__name", "service__order", "sessions"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="package_code_per_clinic"),
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_not_negative"),
            models.CheckConstraint(condition=Q(sessions__gte=2), name="package_sessions_min"),
            models.CheckConstraint(condition=Q(valid_days__gte=1), name="package_valid_days_min"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        require_non_negative(errors, "price", self.price)
        if self.clinic_id:
            require_currency(errors, "price", self.price, self.clinic.currency, "the clinic")
        if self.service_id and self.duration_minutes is not None:
            if self.duration_minutes not in (self.service.durations or []):
                errors.setdefault("duration_minutes", []).append(
                    f"{self.service.name} is not offered for {self.duration_minutes} minutes."
                )
        raise_if(errors)

    @property
    def price_per_session(self) -> Decimal:
        """The package price spread evenly over its sessions (for display only)."""
        return self.price.amount / self.sessions
