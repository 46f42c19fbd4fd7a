"""Forms of the patient's quote page: the quote itself (GET) and a Good Faith Estimate request."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext
from django.utils.translation import gettext as _

from estimator import pricing
from estimator.business_days import business_days_after
from estimator.formatting import amount_from_text, money_text
from estimator.models import CoverageMode
from estimator.quotes import Problem, QuoteInput
from estimator.sentences import say
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
    "oop_met",
    "annual_max_used",
    "visits_used",
)
# The year so far, asked only as the clinic's plans need it (a plan with no deductible is never
# asked for one): field → the plan term it is checked against.
STANDING_FIELDS = ("deductible_met", "oop_met", "annual_max_used", "visits_used")
MAX_VISITS_USED = 366
# A patient whose plan is not among the clinic's: priced as self-pay, with what to ask the insurer.
NOT_LISTED = "not_listed"
COVERAGE_LABELS = {
    CoverageMode.SELF_PAY: gettext_lazy("I'll pay myself"),
    CoverageMode.INSURED: gettext_lazy("My insurance plan"),
    NOT_LISTED: gettext_lazy("My plan isn't listed"),
    CoverageMode.UNKNOWN: gettext_lazy("I'm not sure"),
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
    (re.compile(r"^coverage\.standing\.oop_met$"), "oop_met"),
    (re.compile(r"^coverage\.standing\.annual_max_used$"), "annual_max_used"),
    (re.compile(r"^coverage\.standing\.visits_used$"), "visits_used"),
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _said(message: str, **values: Any) -> str:
    """A message marked with gettext_noop, translated when shown, with its values filled in."""
    return lazy(lambda: gettext(message) % values, str)()


def _range_messages(message: str, low: int, high: int) -> dict[str, str]:
    """message: marked with gettext_noop, with %(low)s and %(high)s."""
    message = _said(message, low=low, high=high)
    return {
        "required": message,
        "invalid": message,
        "min_value": message,
        "max_value": message,
    }


class AmountField(forms.DecimalField):
    """An amount written the reader's way: '150,00' or '1 234,50' on a French page."""

    # django-stubs gives DecimalField the to_python of IntegerField, its base: hence the ignore.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = amount_from_text(value)
        return super().to_python(value)


def _amount_field(label: StrOrPromise, messages: dict[str, StrOrPromise]) -> forms.DecimalField:
    """An optional amount of this benefit year so far, in the clinic's currency.

    messages: invalid, negative, too_large, cents (each lazy)."""
    too_large = messages["too_large"]
    return AmountField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        max_digits=9,
        decimal_places=2,
        error_messages={
            "invalid": messages["invalid"],
            "min_value": messages["negative"],
            "max_value": too_large,
            "max_digits": too_large,
            "max_whole_digits": too_large,
            "max_decimal_places": messages["cents"],
        },
        # Text with a decimal keypad, not type=number: a number box shows nothing for "150,00"
        # sent back with an error, and browsers differ on the comma.
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def is_quote_query(data: Mapping[str, Any]) -> bool:
    """Whether a query string carries answers to the quote form (not just, say, ?area=neck)."""
    return any(name in data for name in QUOTE_FIELDS if name != "area")


STANDING_HINTS = {
    "deductible_met": gettext_lazy("How much of this year's deductible you have already paid."),
    "oop_met": gettext_lazy("What you have paid toward this year's out-of-pocket maximum."),
    "annual_max_used": gettext_lazy(
        "How much of this year's maximum your plan has already paid out."
    ),
    "visits_used": gettext_lazy("Visits of this kind your plan has already paid for this year."),
}
STANDING_ABOVE_TERM = {
    "deductible_met": gettext_lazy(
        "Your plan's deductible is %(term)s: the amount already met cannot be more."
    ),
    "oop_met": gettext_lazy(
        "Your plan's out-of-pocket maximum is %(term)s: the amount paid cannot be more."
    ),
    "annual_max_used": gettext_lazy(
        "Your plan's yearly maximum is %(term)s: the amount used cannot be more."
    ),
}
STANDING_NOT_IN_PLAN = {
    "deductible_met": gettext_lazy("Your plan has no deductible: leave this empty."),
    "oop_met": gettext_lazy("Your plan has no out-of-pocket maximum: leave this empty."),
    "annual_max_used": gettext_lazy("Your plan has no yearly maximum: leave this empty."),
    "visits_used": gettext_lazy("Your plan has no visit limit: leave this empty."),
}


def _above_term(name: str, term: Any, currency: str) -> str:
    """The year-so-far answer is more than the plan's own term."""
    if name == "visits_used":
        return ngettext(
            "Your plan pays for %(term)s visit a year: the visits used cannot be more.",
            "Your plan pays for %(term)s visits a year: the visits used cannot be more.",
            int(term),
        ) % {"term": term}
    return str(STANDING_ABOVE_TERM[name]) % {"term": money_text(term, currency)}


def _minutes(minutes: int) -> str:
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def _add_on_hint(minutes: int, price: str, *, per_unit: bool) -> str:
    if per_unit:
        return _("+%(minutes)s minutes · %(price)s per 15 minutes") % {
            "minutes": minutes,
            "price": price,
        }
    return _("+%(minutes)s minutes · %(price)s per session") % {"minutes": minutes, "price": price}


def _plan_term(plan: Any, name: str) -> Any:
    """The plan's term a year-so-far answer is checked against; None: the plan has none."""
    if name == "visits_used":
        return plan.visit_limit
    money = {
        "deductible_met": plan.deductible,
        "oop_met": plan.out_of_pocket_max,
        "annual_max_used": plan.annual_max,
    }[name]
    return money.amount if money.amount > 0 else None


class QuoteForm(forms.Form):
    """The patient's answers: what hurts, treatment, add-ons, how often, and how they pay."""

    area = forms.ChoiceField(
        label=gettext_lazy("What hurts?"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of the listed places that hurt.")
        },
    )
    service = forms.ChoiceField(
        label=gettext_lazy("Treatment"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the treatments listed.")},
    )
    minutes = forms.TypedChoiceField(
        label=gettext_lazy("Session length"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of the session lengths listed.")
        },
    )
    add_on = forms.MultipleChoiceField(
        label=gettext_lazy("Add-ons"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose add-ons from the list.")},
    )
    sessions = forms.IntegerField(
        label=gettext_lazy("Number of sessions"),
        min_value=1,
        max_value=MAX_PAGE_SESSIONS,
        error_messages=_range_messages(
            gettext_noop("Number of sessions: enter a whole number from %(low)s to %(high)s."),
            1,
            MAX_PAGE_SESSIONS,
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
    )
    per_week = forms.IntegerField(
        label=gettext_lazy("Sessions per week"),
        min_value=1,
        max_value=7,
        error_messages=_range_messages(
            gettext_noop("Sessions per week: enter a whole number from %(low)s to %(high)s."),
            1,
            7,
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
    )
    start = forms.DateField(
        label=gettext_lazy("First visit"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Enter the date of your first visit."),
            "invalid": gettext_lazy("Enter the first visit as a date, e.g. 2026-12-01."),
        },
    )
    coverage = forms.ChoiceField(
        label=gettext_lazy("How will you pay?"),
        error_messages={
            "required": gettext_lazy("Choose how you will pay."),
            "invalid_choice": gettext_lazy("Choose how you will pay from the options listed."),
        },
    )
    plan = forms.TypedChoiceField(
        label=gettext_lazy("Your plan"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Choose your plan from the list.")},
    )
    deductible_met = _amount_field(
        gettext_lazy("Deductible already met this year"),
        {
            "invalid": gettext_lazy("Enter the deductible already met as an amount, e.g. 150.00."),
            "negative": gettext_lazy("The deductible already met cannot be negative."),
            "too_large": gettext_lazy("Check the deductible already met: it looks too large."),
            "cents": gettext_lazy("Enter the deductible already met to the cent at most."),
        },
    )
    oop_met = _amount_field(
        gettext_lazy("Out-of-pocket costs already paid this year"),
        {
            "invalid": gettext_lazy(
                "Enter the out-of-pocket costs already paid as an amount, e.g. 150.00."
            ),
            "negative": gettext_lazy("The out-of-pocket costs already paid cannot be negative."),
            "too_large": gettext_lazy(
                "Check the out-of-pocket costs already paid: it looks too large."
            ),
            "cents": gettext_lazy(
                "Enter the out-of-pocket costs already paid to the cent at most."
            ),
        },
    )
    annual_max_used = _amount_field(
        gettext_lazy("Yearly maximum already used this year"),
        {
            "invalid": gettext_lazy(
                "Enter the yearly maximum already used as an amount, e.g. 150.00."
            ),
            "negative": gettext_lazy("The yearly maximum already used cannot be negative."),
            "too_large": gettext_lazy("Check the yearly maximum already used: it looks too large."),
            "cents": gettext_lazy("Enter the yearly maximum already used to the cent at most."),
        },
    )
    visits_used = forms.IntegerField(
        label=gettext_lazy("Visits already used this year"),
        required=False,
        min_value=0,
        max_value=MAX_VISITS_USED,
        error_messages=_range_messages(
            gettext_noop("Visits already used: enter a whole number from %(low)s to %(high)s."),
            0,
            MAX_VISITS_USED,
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-short"}),
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
        # Translators: the empty choice of "What hurts?" (the question may be skipped).
        self._choice_field("area").choices = [("", _("Skip"))] + [
            (a.code, a.name) for a in options.areas
        ]
        # Translators: the empty choice of "Treatment", asking the patient to choose one.
        self._choice_field("service").choices = [("", _("Choose"))] + [
            (s.code, s.name) for s in options.services
        ]
        durations = sorted({m for s in options.services for m in s.durations})
        self._choice_field("minutes").choices = [("", _("Usual length"))] + [
            (str(m), _minutes(m)) for m in durations
        ]
        self._choice_field("add_on").choices = [(a.code, a.name) for a in options.add_ons]
        modes: list[str] = [CoverageMode.SELF_PAY]
        if options.plans:
            modes += [CoverageMode.INSURED, NOT_LISTED]
        if options.unsure_available:
            modes.append(CoverageMode.UNKNOWN)
        self.coverage_modes = [(str(m), str(COVERAGE_LABELS[m])) for m in modes]
        self._choice_field("coverage").choices = self.coverage_modes
        self._choice_field("plan").choices = [("", _("Choose your plan"))] + [
            (str(p.pk), str(p)) for p in options.plans
        ]
        # Only what one of the clinic's plans has: no deductible question for a Canadian plan.
        self.standing_fields = [
            name
            for name in STANDING_FIELDS
            if any(_plan_term(plan, name) is not None for plan in options.plans)
        ]
        for name in STANDING_FIELDS:
            if name not in self.standing_fields:
                del self.fields[name]
            elif name != "visits_used":
                label = self.fields[name].label
                # Translators: a question's label, e.g. "Deductible already met this year
                # (USD, optional)".
                self.fields[name].label = _("%(label)s (%(currency)s, optional)") % {
                    "label": label,
                    "currency": clinic.currency,
                }
            else:
                self.fields[name].label = _("Visits already used this year (optional)")

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
                self.add_error("service", _("Choose a treatment, or tell us what hurts."))
        if service is not None and "minutes" not in self.errors:
            minutes = data.get("minutes")
            if minutes is None:
                data["minutes"] = service.durations[0]
            elif minutes not in service.durations:
                offered = ", ".join(str(m) for m in service.durations)
                self.add_error(
                    "minutes",
                    _("%(service)s is offered for %(offered)s minutes; choose one.")
                    % {"service": service.name, "offered": offered},
                )
        if service is not None and "add_on" not in self.errors:
            allowed = {a.code for a in self.options.add_ons if service.code in a.services}
            refused = [code for code in data.get("add_on", []) if code not in allowed]
            if refused:
                names = ", ".join(a.name for a in self.options.add_ons if a.code in refused)
                self.add_error(
                    "add_on",
                    _("%(add_ons)s cannot be added to %(service)s.")
                    % {"add_ons": names, "service": service.name},
                )
        if data.get("coverage") == CoverageMode.INSURED and "plan" not in self.errors:
            if data.get("plan") is None:
                self.add_error("plan", _("Choose your plan."))
            else:
                self._check_standing(data)
        return data

    def year_fields(self) -> list[tuple[forms.BoundField, str]]:
        """The year-so-far questions this clinic's plans need, each with its hint."""
        return [(self[name], str(STANDING_HINTS[name])) for name in self.standing_fields]

    def chosen_plan(self) -> Any:
        """The plan picked in the answers, if any (valid or not yet checked)."""
        value = next(iter(_selected(self, "plan")), "")
        return self.options.plan(int(value)) if value.isdigit() else None

    def _check_standing(self, data: dict[str, Any]) -> None:
        """The year so far cannot pass the chosen plan's own terms."""
        plan = self.options.plan(data.get("plan"))
        if plan is None:
            return
        for name in self.standing_fields:
            value = data.get(name)
            if value is None or name in self.errors:
                continue
            term = _plan_term(plan, name)
            if term is None and value:
                self.add_error(name, str(STANDING_NOT_IN_PLAN[name]))
            elif term is not None and value > term:
                self.add_error(name, _above_term(name, term, plan.currency))

    def add_problems(self, problems: list[Problem]) -> None:
        """Show the quote use case's problems beside the fields they concern."""
        for problem in problems:
            field = next((f for rx, f in _PROBLEM_FIELDS if rx.match(problem.field)), None)
            # The use case's English sentence in the page's language and formats.
            self.add_error(field, say(problem.message, self.options.clinic.currency))

    @property
    def not_listed(self) -> bool:
        """Whether the patient's plan is not among the clinic's (priced as self-pay)."""
        return self.cleaned_data.get("coverage") == NOT_LISTED

    def quote_input(self) -> QuoteInput:
        """The valid answers as the quote use case takes them."""
        data = self.cleaned_data
        mode = CoverageMode.SELF_PAY if self.not_listed else data["coverage"]
        insured = mode == CoverageMode.INSURED

        def year(name: str) -> Any:
            return (data.get(name) if insured else None) or 0

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
            standing=pricing.Standing(
                deductible_met=Decimal(year("deductible_met")),
                oop_met=Decimal(year("oop_met")),
                visits_used=int(year("visits_used")),
                annual_max_used=Decimal(year("annual_max_used")),
            ),
        )


phone_format = RegexValidator(
    r"^\+?[0-9(][0-9() .-]{5,28}[0-9]$",
    gettext_lazy(
        "Enter a phone number with digits only, spaces, dashes or brackets, e.g. 503-555-0134."
    ),
)
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


class GfeRequestForm(forms.Form):
    """A request for a formal Good Faith Estimate: who the patient is and their consent."""

    name = forms.CharField(
        label=gettext_lazy("Full name"),
        max_length=200,
        error_messages={"required": gettext_lazy("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        error_messages={
            "required": gettext_lazy("Enter your date of birth."),
            "invalid": gettext_lazy("Enter your date of birth as a date, e.g. 1980-04-30."),
        },
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Enter your email address."),
            "invalid": gettext_lazy("Enter an email address like name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone (optional)"),
        max_length=30,
        required=False,
        validators=[phone_format],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I agree that the clinic may contact me about this estimate by email or phone."
        ),
        error_messages={"required": gettext_lazy("Tick the box so the clinic may contact you.")},
    )
    # Honeypot: hidden from people and screen readers; only bots fill it in.
    website = forms.CharField(required=False, label=gettext_lazy("Leave this empty"))

    def __init__(self, data: Mapping[str, Any] | None, *, today: dt.date) -> None:
        super().__init__(data, auto_id="g-%s")
        self.today = today

    def is_bot(self) -> bool:
        """Whether the hidden field was filled in, as only bots do."""
        return bool(self.data.get("website", "").strip())

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your full name."))
        return name

    def clean_date_of_birth(self) -> dt.date:
        born: dt.date = self.cleaned_data["date_of_birth"]
        if born >= self.today:
            raise forms.ValidationError(_("Your date of birth must be in the past."))
        if born < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError(_("Check the year of your date of birth."))
        return born

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and sum(c.isdigit() for c in phone) < 7:
            raise forms.ValidationError(_("A phone number has at least 7 digits."))
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
    # For the script: an add-on's minutes; a treatment's price for each length, as shown.
    minutes: int = 0
    prices: str = ""


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
        "area": [Choice("", _("Skip this question"), not area_code)]
        + [
            Choice(a.code, a.name, a.code == area_code, data=" ".join(a.suggested))
            for a in options.areas
        ],
        "service": [
            Choice(
                s.code,
                s.name,
                s.code == service_code,
                hint=" · ".join(
                    _("%(minutes)s min: %(price)s") % {"minutes": m, "price": money_text(price)}
                    for m, price in s.prices
                ),
                data=" ".join(str(m) for m in s.durations),
                suggested=s.code in suggested,
                prices=";".join(f"{m}={money_text(price)}" for m, price in s.prices),
            )
            for s in options.services
        ],
        "minutes": [
            Choice(
                str(m),
                _minutes(m),
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
                hint=_add_on_hint(a.minutes, money_text(a.price), per_unit=a.per_unit),
                data=" ".join(sorted(a.services)),
                minutes=a.minutes,
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
        if name in ("sessions", "per_week", "start", *STANDING_FIELDS):
            ids.append(f"{prefix}{name}-hint")
        if name in form.errors:
            ids.append(f"{prefix}{name}-error")
            field.widget.attrs["aria-invalid"] = "true"
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)
