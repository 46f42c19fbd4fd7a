"""Forms of the patient's quote page: the quote itself (GET) and a Good Faith Estimate request."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from estimator import pricing
from estimator.business_days import business_days_after
from estimator.formatting import money_text
from estimator.models import CoverageMode
from estimator.quotes import Problem, QuoteInput
from estimator.services import PatientDetails

from .options import QuoteOptions

MAX_PAGE_SESSIONS = 50
QUOTE_FIELDS = (
    "area",
    "service",
    "minutes",
    "add_on",
    "sessions",
    "per_week",
    "start",
    "coverage",
    "plan",
    "deductible_met",
)
# A patient whose plan is not among the clinic's: priced as self-pay, with what to ask the insurer.
NOT_LISTED = "not_listed"
COVERAGE_LABELS = {
    CoverageMode.SELF_PAY: "I'll pay myself",
    CoverageMode.INSURED: "My insurance plan",
    NOT_LISTED: "My plan isn't listed",
    CoverageMode.UNKNOWN: "I'm not sure",
}
# Where the quote use case reports a problem → the form field it belongs beside.
_PROBLEM_FIELDS = (
    (re.compile(r"^start_date$"), "start"),
    (re.compile(r"^sessions_per_week$"), "per_week"),
    (re.compile(r"^items\[\d+\]\.service_code$"), "service"),
    (re.compile(r"^items\[\d+\]\.duration_minutes$"), "minutes"),
    (re.compile(r"^items\[\d+\]\.addon_codes"), "add_on"),
    (re.compile(r"^items(\[\d+\]\.sessions)?$"), "sessions"),
    (re.compile(r"^coverage\.plan$"), "plan"),
    (re.compile(r"^coverage\.standing\.deductible_met$"), "deductible_met"),
)


def _range_messages(what: str, low: int, high: int) -> dict[str, str]:
    message = f"{what}: enter a whole number from {low} to {high}."
    return {
        "required": message,
        "invalid": message,
        "min_value": message,
        "max_value": message,
    }


def is_quote_query(data: Mapping[str, Any]) -> bool:
    """Whether a query string carries answers to the quote form (not just, say, ?area=neck)."""
    return any(name in data for name in QUOTE_FIELDS if name != "area")


class QuoteForm(forms.Form):
    """The patient's answers: what hurts, treatment, add-ons, how often, and how they pay."""

    area = forms.ChoiceField(
        label="What hurts?",
        required=False,
        error_messages={"invalid_choice": "Choose one of the listed places that hurt."},
    )
    service = forms.ChoiceField(
        label="Treatment",
        required=False,
        error_messages={"invalid_choice": "Choose one of the treatments listed."},
    )
    minutes = forms.TypedChoiceField(
        label="Session length",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of the session lengths listed."},
    )
    add_on = forms.MultipleChoiceField(
        label="Add-ons",
        required=False,
        error_messages={"invalid_choice": "Choose add-ons from the list."},
    )
    sessions = forms.IntegerField(
        label="Number of sessions",
        min_value=1,
        max_value=MAX_PAGE_SESSIONS,
        error_messages=_range_messages("Number of sessions", 1, MAX_PAGE_SESSIONS),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
    )
    per_week = forms.IntegerField(
        label="Sessions per week",
        min_value=1,
        max_value=7,
        error_messages=_range_messages("Sessions per week", 1, 7),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
    )
    start = forms.DateField(
        label="First visit",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Enter the date of your first visit.",
            "invalid": "Enter the first visit as a date, e.g. 2026-12-01.",
        },
    )
    coverage = forms.ChoiceField(
        label="How will you pay?",
        error_messages={
            "required": "Choose how you will pay.",
            "invalid_choice": "Choose how you will pay from the options listed.",
        },
    )
    plan = forms.TypedChoiceField(
        label="Your plan",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose your plan from the list."},
    )
    deductible_met = forms.DecimalField(
        label="Deductible already met this year",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        max_digits=9,
        decimal_places=2,
        error_messages={
            "invalid": "Enter the deductible already met as an amount, e.g. 150.00.",
            "min_value": "The deductible already met cannot be negative.",
            "max_value": "Check the deductible already met: it looks too large.",
            "max_digits": "Check the deductible already met: it looks too large.",
            "max_whole_digits": "Check the deductible already met: it looks too large.",
            "max_decimal_places": "Enter the deductible already met to the cent at most.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
    )

    def __init__(self, data: Mapping[str, Any] | None, *, options: QuoteOptions) -> None:
        clinic = options.clinic
        initial = {
            "sessions": 6,
            "per_week": 1,
            "start": business_days_after(options.today, 1, country=clinic.country),
            "coverage": CoverageMode.SELF_PAY,
        }
        area = options.area(data.get("area") if data is not None else None)
        if area is not None and area.suggested:
            initial["area"] = area.code
            initial["service"] = area.suggested[0]
        # An unanswered form (e.g. /quote/x/?area=neck from the home page) shows defaults only.
        answered = data if data is not None and is_quote_query(data) else None
        super().__init__(answered, initial=initial, auto_id="f-%s")
        self.options = options
        self._choice_field("area").choices = [("", "Skip")] + [
            (a.code, a.name) for a in options.areas
        ]
        self._choice_field("service").choices = [("", "Choose")] + [
            (s.code, s.name) for s in options.services
        ]
        durations = sorted({m for s in options.services for m in s.durations})
        self._choice_field("minutes").choices = [("", "Usual length")] + [
            (str(m), f"{m} minutes") for m in durations
        ]
        self._choice_field("add_on").choices = [(a.code, a.name) for a in options.add_ons]
        modes: list[str] = [CoverageMode.SELF_PAY]
        if options.plans:
            modes += [CoverageMode.INSURED, NOT_LISTED]
        if options.unsure_available:
            modes.append(CoverageMode.UNKNOWN)
        self.coverage_modes = [(str(m), COVERAGE_LABELS[m]) for m in modes]
        self._choice_field("coverage").choices = self.coverage_modes
        self._choice_field("plan").choices = [("", "Choose your plan")] + [
            (str(p.pk), str(p)) for p in options.plans
        ]
        self.fields[
            "deductible_met"
        ].label = f"Deductible already met this year ({clinic.currency}, optional)"

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        service = self.options.service(data.get("service"))
        if service is None and "service" not in self.errors:
            area = self.options.area(data.get("area"))
            if area is not None and area.suggested:
                service = self.options.service(area.suggested[0])
                data["service"] = service.code if service else ""
            else:
                self.add_error("service", "Choose a treatment, or tell us what hurts.")
        if service is not None and "minutes" not in self.errors:
            minutes = data.get("minutes")
            if minutes is None:
                data["minutes"] = service.durations[0]
            elif minutes not in service.durations:
                offered = ", ".join(str(m) for m in service.durations)
                self.add_error(
                    "minutes", f"{service.name} is offered for {offered} minutes; choose one."
                )
        if service is not None and "add_on" not in self.errors:
            allowed = {a.code for a in self.options.add_ons if service.code in a.services}
            refused = [code for code in data.get("add_on", []) if code not in allowed]
            if refused:
                names = ", ".join(a.name for a in self.options.add_ons if a.code in refused)
                self.add_error("add_on", f"{names} cannot be added to {service.name}.")
        if data.get("coverage") == CoverageMode.INSURED and "plan" not in self.errors:
            if data.get("plan") is None:
                self.add_error("plan", "Choose your plan.")
        return data

    def add_problems(self, problems: list[Problem]) -> None:
        """Show the quote use case's problems beside the fields they concern."""
        for problem in problems:
            field = next((f for rx, f in _PROBLEM_FIELDS if rx.match(problem.field)), None)
            self.add_error(field, problem.message)

    @property
    def not_listed(self) -> bool:
        """Whether the patient's plan is not among the clinic's (priced as self-pay)."""
        return self.cleaned_data.get("coverage") == NOT_LISTED

    def quote_input(self) -> QuoteInput:
        """The valid answers as the quote use case takes them."""
        data = self.cleaned_data
        mode = CoverageMode.SELF_PAY if self.not_listed else data["coverage"]
        met = data.get("deductible_met") if mode == CoverageMode.INSURED else None
        item = pricing.PlanItem(
            service_code=data["service"],
            duration_minutes=data["minutes"],
            sessions=data["sessions"],
            # A repeated add-on in the query string means the same add-on once.
            addon_codes=tuple(dict.fromkeys(data.get("add_on", []))),
        )
        return QuoteInput(
            clinic=self.options.clinic,
            items=(item,),
            sessions_per_week=data["per_week"],
            start_date=data["start"],
            coverage_mode=mode,
            plan=self.options.plan(data.get("plan")) if mode == CoverageMode.INSURED else None,
            standing=pricing.Standing(deductible_met=met or Decimal("0")),
        )


phone_format = RegexValidator(
    r"^\+?[0-9(][0-9() .-]{5,28}[0-9]$",
    "Enter a phone number with digits only, spaces, dashes or brackets, e.g. 503-555-0134.",
)
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


class GfeRequestForm(forms.Form):
    """A request for a formal Good Faith Estimate: who the patient is and their consent."""

    name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter your full name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        error_messages={
            "required": "Enter your date of birth.",
            "invalid": "Enter your date of birth as a date, e.g. 1980-04-30.",
        },
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=30,
        required=False,
        validators=[phone_format],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label="I agree that the clinic may contact me about this estimate by email or phone.",
        error_messages={"required": "Tick the box so the clinic may contact you."},
    )
    # Honeypot: hidden from people and screen readers; only bots fill it in.
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, data: Mapping[str, Any] | None, *, today: dt.date) -> None:
        super().__init__(data, auto_id="g-%s")
        self.today = today

    def is_bot(self) -> bool:
        """Whether the hidden field was filled in, as only bots do."""
        return bool(self.data.get("website", "").strip())

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter your full name.")
        return name

    def clean_date_of_birth(self) -> dt.date:
        born: dt.date = self.cleaned_data["date_of_birth"]
        if born >= self.today:
            raise forms.ValidationError("Your date of birth must be in the past.")
        if born < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError("Check the year of your date of birth.")
        return born

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and sum(c.isdigit() for c in phone) < 7:
            raise forms.ValidationError("A phone number has at least 7 digits.")
        return phone

    def patient(self) -> PatientDetails:
        """The patient's details for the request."""
        data = self.cleaned_data
        return PatientDetails(
            name=data["name"],
            date_of_birth=data["date_of_birth"],
            email=data["email"],
            phone=data["phone"],
        )


@dataclass(frozen=True)
class Choice:
    """One radio button or checkbox of the quote form, ready for the template."""

    value: str
    label: str
    checked: bool
    hint: str = ""
    data: str = ""
    suggested: bool = False


def _selected(form: QuoteForm, name: str) -> list[str]:
    value = form[name].value()
    if value is None:
        return []
    values = value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in values]


def quote_form_choices(form: QuoteForm) -> dict[str, list[Choice]]:
    """The options of each radio group and checkbox list, with what is checked and suggested."""
    options = form.options
    area_code = next(iter(_selected(form, "area")), "")
    area = options.area(area_code)
    suggested = area.suggested if area else ()
    service_code = next(iter(_selected(form, "service")), "")
    if not service_code and suggested:
        service_code = suggested[0]
    minutes = next(iter(_selected(form, "minutes")), "")
    add_ons = set(_selected(form, "add_on"))
    coverage = next(iter(_selected(form, "coverage")), CoverageMode.SELF_PAY)
    durations = sorted({m for s in options.services for m in s.durations})
    service = options.service(service_code)
    if not minutes and service is not None:
        minutes = str(service.durations[0])
    return {
        "area": [Choice("", "Skip this question", not area_code)]
        + [
            Choice(a.code, a.name, a.code == area_code, data=" ".join(a.suggested))
            for a in options.areas
        ],
        "service": [
            Choice(
                s.code,
                s.name,
                s.code == service_code,
                hint=" · ".join(f"{m} min: {money_text(price)}" for m, price in s.prices),
                data=" ".join(str(m) for m in s.durations),
                suggested=s.code in suggested,
            )
            for s in options.services
        ],
        "minutes": [
            Choice(
                str(m),
                f"{m} minutes",
                str(m) == minutes,
                data=" ".join(s.code for s in options.services if m in s.durations),
            )
            for m in durations
        ],
        "add_on": [
            Choice(
                a.code,
                a.name,
                a.code in add_ons,
                hint=f"+{a.minutes} minutes · {money_text(a.price)} "
                + ("per 15 minutes" if a.per_unit else "per session"),
                data=" ".join(sorted(a.services)),
            )
            for a in options.add_ons
        ],
        "coverage": [
            Choice(value, label, value == coverage) for value, label in form.coverage_modes
        ],
    }


def describe_fields(form: forms.Form) -> None:
    """Tie each input to its hint and error (aria-describedby), and flag invalid ones."""
    prefix = str(form.auto_id).replace("%s", "")
    for name, field in form.fields.items():
        ids = []
        if name in ("sessions", "per_week", "start", "deductible_met"):
            ids.append(f"{prefix}{name}-hint")
        if name in form.errors:
            ids.append(f"{prefix}{name}-error")
            field.widget.attrs["aria-invalid"] = "true"
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)
