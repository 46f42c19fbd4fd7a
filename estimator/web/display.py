"""The engine's estimate (its JSON shape) as words and formatted amounts, for the page and the PDF.

Nothing here adds or rounds money: every figure is one the engine produced, only formatted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.dates import format_skeleton
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from estimator.catalog_cache import catalog_names
from estimator.catalog_text import localized, name_in_language, names_in_language
from estimator.formatting import (
    babel_locale,
    billing_text,
    consecutive_runs,
    currency_words,
    date_text,
    money_text,
    percent_text,
)
from estimator.models import AddOn, Clinic, Estimate, InsurancePlan, ServiceType
from estimator.quotes import Quote
from estimator.sentences import say

from .options import QuoteOptions

DRY_NEEDLING_NOTE = gettext_lazy(
    "Dry needling is often not covered by insurance. Unless your plan has confirmed in writing "
    "that it covers it, expect to pay for needling yourself."
)
ESTIMATE_NOTE = gettext_lazy(
    "This is an estimate, not a bill. What you are charged depends on the treatment you "
    "actually receive and on what your plan decides when the claim is processed."
)
# What each end of a range assumes, in one sentence the patient reads beside its figure.
RANGE_ASSUMPTIONS = {
    "best_case": gettext_lazy("if your plan covers the treatment as its terms say."),
    "worst_case": gettext_lazy("if your plan pays nothing."),
}
NEEDLING_CODES = frozenset({"20560", "20561"})
# Adjustments that change what a session costs from then on: marked in the session table.
LIMIT_MARKS = {
    "visit_limit": gettext_lazy(
        "Your plan's visit limit is reached: from here your plan pays nothing."
    ),
    "code_set_limit": gettext_lazy(
        "A visit limit for this treatment is reached: from here your plan pays less."
    ),
    "annual_maximum_used": gettext_lazy(
        "Your plan's yearly maximum is used up: from here your plan pays less."
    ),
    "oop_max_reached": gettext_lazy(
        "Your out-of-pocket maximum is reached: from here your plan pays in full."
    ),
}
DEDUCTIBLE_MET_MARK = gettext_lazy("Your deductible is met: from here your plan pays its share.")
# For a patient whose plan is not among the clinic's: what to ask the insurer before care.
INSURER_QUESTIONS = (
    gettext_lazy("Is dry needling covered? Ask about the codes 20560 and 20561 by name."),
    gettext_lazy("How much of this year's deductible is left to pay?"),
    gettext_lazy("How many visits a year does the plan pay for, and how many have you used?"),
    gettext_lazy("Is prior authorization (the plan's approval before treatment) needed?"),
    gettext_lazy(
        "Is the clinic in your plan's network, and what share (coinsurance or copay) would you pay?"
    ),
)
# Engine sentences that read as notes to staff, said for patients (keyed by adjustment code;
# %(amount)s is the adjustment's own amount).
PATIENT_WORDING = {
    "allowed_full_charge": gettext_lazy(
        "The clinic has no record of what your plan allows for this, so the estimate assumes "
        "your plan accepts the full price of %(amount)s."
    ),
    "written_off": gettext_lazy(
        "You do not pay the %(amount)s above what your plan allows: the clinic writes it off."
    ),
}
SCENARIO_TITLES = {
    "worst_case": gettext_lazy("If your plan pays nothing (the figure to plan on)"),
    "best_case": gettext_lazy("If your plan pays as its terms say"),
}


@dataclass(frozen=True)
class Figure:
    """A labelled amount, already formatted."""

    label: str
    amount: str


@dataclass(frozen=True)
class LineView:
    """One billed item of a session: its codes, figures and why each figure is what it is."""

    name: str
    codes: str
    charge: str
    plan_pays: str
    patient_pays: str
    explanations: tuple[str, ...]


@dataclass(frozen=True)
class SessionGroup:
    """Consecutive sessions that cost the same, shown once."""

    label: str
    dates: str
    count: int
    lines: tuple[LineView, ...]
    charge: str
    plan_pays: str
    patient_pays: str
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackageView:
    """A prepaid package the estimate buys, and what it saves."""

    name: str
    price: str
    sessions: int
    session_numbers: str
    valid_until: str
    singles_cost: str
    savings: str


@dataclass(frozen=True)
class ScenarioView:
    """One end of the estimate (or its only figure), with its assumptions."""

    name: str
    title: str
    assumptions: tuple[str, ...]
    patient_pays: str
    plan_pays: str
    charge: str
    totals: tuple[Figure, ...]
    groups: tuple[SessionGroup, ...]
    packages: tuple[PackageView, ...]
    per_session: str
    first_visit_due: str
    summary: str
    plan_pays_anything: bool
    plan_pays_text: str


@dataclass(frozen=True)
class SelfPayComparison:
    """A range set beside paying yourself for the same care, and which is cheaper."""

    self_pay: str
    sentence: str
    package_note: str


@dataclass(frozen=True)
class PlanSummary:
    """What the patient asked for, in words."""

    treatment: str
    length: str
    add_ons: tuple[str, ...]
    sessions: str
    coverage: str
    what_to_expect: str
    session_minutes: int


@dataclass(frozen=True)
class EstimateView:
    """Everything the quote page and the PDF show about one estimate."""

    clinic: Clinic
    currency: str
    currency_name: str
    coverage: str
    is_range: bool
    primary: ScenarioView
    best: ScenarioView | None
    plan: PlanSummary
    first_visit: str
    last_visit: str
    session_count: int
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    comparison: SelfPayComparison | None = None
    plan_terms: tuple[str, ...] = ()
    not_listed: bool = False
    insurer_questions: tuple[str, ...] = ()

    @property
    def plan_pays_anything(self) -> bool:
        """Whether a plan figure belongs in the first screen (a plan is billed, or may be)."""
        return self.coverage != "self_pay"

    @property
    def headline(self) -> str:
        """The one sentence a patient reads first."""
        if self.best is not None:
            return _("You would pay between %(low)s and %(high)s in total.") % {
                "low": self.best.patient_pays,
                "high": self.primary.patient_pays,
            }
        if self.coverage == "insured":
            return _("You would pay %(total)s in total and your plan pays %(plan)s.") % {
                "total": self.primary.patient_pays,
                "plan": self.primary.plan_pays,
            }
        return _("You would pay %(total)s in total.") % {"total": self.primary.patient_pays}


def month_day_text(day: dt.date, currency: str) -> str:
    """'Jan 1', '1 ene', '1 janv.': a day of any year, in the locale's words."""
    return format_skeleton("MMMd", day, locale=babel_locale(currency))


def minutes_text(minutes: int) -> str:
    """A length of time in minutes, as the page says it."""
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def add_on_text(name: str, minutes: int) -> str:
    """An add-on and the minutes it adds."""
    return ngettext("%(name)s (+%(count)s minute)", "%(name)s (+%(count)s minutes)", minutes) % {
        "name": name,
        "count": minutes,
    }


def sessions_text(count: int, per_week: int, start: dt.date | str) -> str:
    """How many sessions, how often and from when."""
    # Translators: e.g. "6 sessions, 1 a week, from Nov 26, 2026".
    return ngettext(
        "%(count)s session, %(per_week)s a week, from %(date)s",
        "%(count)s sessions, %(per_week)s a week, from %(date)s",
        count,
    ) % {"count": count, "per_week": per_week, "date": date_text(start)}


def _money(value: dict[str, str]) -> str:
    return money_text(value["amount"], value["currency"])


def _nonzero(value: dict[str, str]) -> bool:
    return Decimal(value["amount"]) != 0


# Names: English catalog name -> the reader's (ClinicCatalog.names_in_language()); the engine's
# JSON keeps the English, the page and documents show the reader's.
Names = Mapping[str, str]


def _reason(adjustment: dict[str, Any], currency: str, names: Names) -> str:
    """An adjustment's reason as a patient reads it: plain words, the page's formats."""
    wording = PATIENT_WORDING.get(adjustment["code"])
    if wording is not None:
        return str(wording) % {"amount": _money(adjustment["amount"])}
    return say(adjustment["message"], currency, names)


def _line(
    line: dict[str, Any], sessions: list[dict[str, Any]], index: int, names: Names
) -> LineView:
    codes = billing_text(line["billing"])

    # Every session of a group costs the same, so the first one's reasons explain them all; the
    # others' may differ only in what they name ("session 2 of 6", the deductible left).
    def messages(session: dict[str, Any]) -> list[str]:
        return [
            _reason(a, line["charge"]["currency"], names)
            for a in session["lines"][index]["adjustments"]
        ]

    reasons = messages(sessions[0])
    if reasons and any(messages(s) != reasons for s in sessions[1:]):
        reasons = [
            _("Session %(number)s: %(reason)s") % {"number": sessions[0]["number"], "reason": r}
            for r in reasons
        ]
        reasons.append(_("The other sessions in this row are worked out the same way."))
    return LineView(
        name=name_in_language(line["name"], names),
        codes=codes,
        charge=_money(line["charge"]),
        plan_pays=_money(line["plan_pays"]),
        patient_pays=_money(line["patient_pays"]),
        explanations=tuple(reasons),
    )


def _cost(session: dict[str, Any]) -> list[Any]:
    return [
        (line["name"], line["charge"], line["plan_pays"], line["patient_pays"])
        for line in session["lines"]
    ]


def _codes(session: dict[str, Any]) -> set[str]:
    return {a["code"] for line in session["lines"] for a in line["adjustments"]}


def _marks(run: list[dict[str, Any]], before: dict[str, Any] | None) -> tuple[str, ...]:
    """What changes at this row: a new benefit year, or a limit reached since the last row."""
    first = run[0]
    marks = []
    if before is not None and first.get("benefit_year_start"):
        marks.append(
            _(
                "New benefit year from %(date)s: the deductible, visit counts and yearly "
                "limits start again."
            )
            % {"date": date_text(first["benefit_year_start"])}
        )
    if before is not None:
        new = _codes(first) - _codes(before)
        marks += [str(text) for code, text in LIMIT_MARKS.items() if code in new]
        if "deductible" in _codes(before) - _codes(first):
            marks.append(str(DEDUCTIBLE_MET_MARK))
    return tuple(marks)


def _groups(sessions: list[dict[str, Any]], names: Names) -> tuple[SessionGroup, ...]:
    groups = []
    before: dict[str, Any] | None = None
    for run in consecutive_runs(sessions, _cost):
        first, last = run[0], run[-1]
        if len(run) == 1:
            label = _("Session %(number)s") % {"number": first["number"]}
            dates = date_text(first["date"])
        else:
            label = _("Sessions %(first)s–%(last)s") % {
                "first": first["number"],
                "last": last["number"],
            }
            dates = _("%(first)s to %(last)s") % {
                "first": date_text(first["date"]),
                "last": date_text(last["date"]),
            }
        groups.append(
            SessionGroup(
                label=label,
                dates=dates,
                count=len(run),
                lines=tuple(_line(line, run, i, names) for i, line in enumerate(first["lines"])),
                charge=_money(first["totals"]["charge"]),
                plan_pays=_money(first["totals"]["plan_pays"]),
                patient_pays=_money(first["totals"]["patient_pays"]),
                marks=_marks(run, before),
            )
        )
        before = last
    return tuple(groups)


def _per_session(sessions: list[dict[str, Any]]) -> str:
    """What one session costs the patient: one figure, or the lowest and highest of them."""
    amounts = [s["totals"]["patient_pays"] for s in sessions]
    low = min(amounts, key=lambda a: Decimal(a["amount"]))
    high = max(amounts, key=lambda a: Decimal(a["amount"]))
    if low["amount"] == high["amount"]:
        return _money(low)
    return _("%(low)s to %(high)s") % {"low": _money(low), "high": _money(high)}


def _first_visit_due(data: dict[str, Any], names: Names) -> str:
    """What the patient pays at the first visit: a package bought then, and the rest of the visit.

    Each figure is the engine's own (the package price, each other line's share), listed
    rather than added up here."""
    first = data["sessions"][0]
    bought = [p for p in data["packages"] if first["number"] in p["session_numbers"]]
    if not bought:
        return _money(first["totals"]["patient_pays"])
    parts = [
        _("%(amount)s for the package (%(name)s)")
        % {"amount": _money(p["price"]), "name": name_in_language(p["name"], names)}
        for p in bought
    ]
    for line in first["lines"]:
        in_package = any(a["code"] == "package" for a in line["adjustments"])
        if not in_package and _nonzero(line["patient_pays"]):
            parts.append(
                _("%(amount)s for %(name)s")
                % {
                    "amount": _money(line["patient_pays"]),
                    "name": name_in_language(line["name"], names),
                }
            )
    return " + ".join(parts)


def _totals(totals: dict[str, dict[str, str]]) -> tuple[Figure, ...]:
    rows = [Figure(_("Full price"), _money(totals["charge"]))]
    optional = (
        ("discount", _("Discounts")),
        ("written_off", _("Written off by the clinic (above what your plan allows)")),
        ("balance_billed", _("Above what your plan allows, billed to you")),
    )
    rows += [Figure(label, _money(totals[key])) for key, label in optional if _nonzero(totals[key])]
    rows.append(Figure(_("Insurance pays"), _money(totals["plan_pays"])))
    rows.append(Figure(_("You pay"), _money(totals["patient_pays"])))
    return tuple(rows)


def _package(package: dict[str, Any], names: Names) -> PackageView:
    numbers = package["session_numbers"]
    spans = f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])
    return PackageView(
        name=name_in_language(package["name"], names),
        price=_money(package["price"]),
        sessions=package["sessions_included"],
        session_numbers=spans,
        valid_until=date_text(package["valid_until"]),
        singles_cost=_money(package["singles_cost"]),
        savings=_money(package["savings"]),
    )


def _plan_pays_text(totals: dict[str, dict[str, str]]) -> str:
    """What the plan pays at this end, saying why when it is nothing."""
    if _nonzero(totals["plan_pays"]):
        return _("Insurance pays %(amount)s.") % {"amount": _money(totals["plan_pays"])}
    if _nonzero(totals["deductible"]):
        return _("Insurance pays nothing: what you pay goes toward your deductible.")
    return _("Insurance pays nothing.")


def _scenario(data: dict[str, Any], title: str, names: Names) -> ScenarioView:
    totals = data["totals"]
    summary = str(RANGE_ASSUMPTIONS.get(data["name"], ""))
    return ScenarioView(
        name=data["name"],
        title=str(SCENARIO_TITLES.get(data["name"], title)),
        assumptions=tuple(say(a, totals["charge"]["currency"], names) for a in data["assumptions"]),
        patient_pays=_money(totals["patient_pays"]),
        plan_pays=_money(totals["plan_pays"]),
        charge=_money(totals["charge"]),
        totals=_totals(totals),
        groups=_groups(data["sessions"], names),
        packages=tuple(_package(p, names) for p in data["packages"]),
        per_session=_per_session(data["sessions"]),
        first_visit_due=_first_visit_due(data, names),
        summary=summary,
        plan_pays_anything=_nonzero(totals["plan_pays"]),
        plan_pays_text=_plan_pays_text(totals),
    )


def _needling_uncovered(data: dict[str, Any]) -> bool:
    """Whether the patient pays for needling themselves (self-pay, or the plan pays none of it)."""
    if data["coverage"] != "insured":
        return True
    return any(
        line["treatment"] == "not_covered"
        for session in data["scenarios"]["primary"]["sessions"]
        for line in session["lines"]
        if {b["code"] for b in line["billing"]} & NEEDLING_CODES
    )


def plan_terms(plan: InsurancePlan) -> tuple[str, ...]:
    """The plan's terms in plain words, one per line."""
    currency = plan.currency
    terms = []
    if plan.deductible.amount > 0:
        terms.append(
            _("Deductible: %(amount)s a year, which you pay before the plan starts to pay.")
            % {"amount": money_text(plan.deductible.amount, currency)}
        )
    if plan.copay.amount > 0:
        terms.append(
            _("Copay: %(amount)s a visit.") % {"amount": money_text(plan.copay.amount, currency)}
        )
    if plan.coinsurance_percent > 0:
        terms.append(
            _("Coinsurance: you pay %(percent)s of the allowed amount after the deductible.")
            % {"percent": percent_text(plan.coinsurance_percent, currency)}
        )
    if plan.reimbursement_percent > 0:
        terms.append(
            _("The plan pays back %(percent)s of a visit.")
            % {"percent": percent_text(plan.reimbursement_percent, currency)}
        )
    if plan.per_visit_max.amount > 0:
        terms.append(
            _("The plan pays at most %(amount)s a visit.")
            % {"amount": money_text(plan.per_visit_max.amount, currency)}
        )
    if plan.annual_max.amount > 0:
        terms.append(
            _("Yearly maximum: the plan pays at most %(amount)s a year.")
            % {"amount": money_text(plan.annual_max.amount, currency)}
        )
    if plan.out_of_pocket_max.amount > 0:
        terms.append(
            _("Out-of-pocket maximum: %(amount)s a year; past it the plan pays in full.")
            % {"amount": money_text(plan.out_of_pocket_max.amount, currency)}
        )
    if plan.visit_limit:
        terms.append(
            ngettext(
                "Visit limit: %(count)s visit a year.",
                "Visit limit: %(count)s visits a year.",
                plan.visit_limit,
            )
            % {"count": plan.visit_limit}
        )
    start = dt.date(2000, plan.benefit_year_start_month, plan.benefit_year_start_day)
    terms.append(
        _("The benefit year starts on %(day)s.") % {"day": month_day_text(start, currency)}
    )
    return tuple(terms)


def _total(quote: Quote, scenario: str) -> Decimal:
    return Decimal(quote.result_data()["scenarios"][scenario]["totals"]["patient_pays"]["amount"])


def self_pay_comparison(*, quote: Quote, self_pay: Quote) -> SelfPayComparison | None:
    """Which is cheaper for a range: paying yourself, or the plan at its worst (or best)."""
    if quote.estimate.best is None:
        return None
    data = self_pay.result_data()["scenarios"]["primary"]
    currency = quote.result_data()["currency"]
    mine = Decimal(data["totals"]["patient_pays"]["amount"])
    best, worst = _total(quote, "best"), _total(quote, "primary")
    values = {
        "self_pay": money_text(mine, currency),
        "best": money_text(best, currency),
        "worst": money_text(worst, currency),
    }
    if mine < best:
        sentence = _(
            "Paying yourself would cost %(self_pay)s, less than even the best case (%(best)s): "
            "paying yourself is cheaper."
        )
    elif mine < worst:
        sentence = _(
            "Paying yourself would cost %(self_pay)s, less than the worst case (%(worst)s): "
            "unless your plan confirms it pays, paying yourself is cheaper."
        )
    else:
        sentence = _(
            "Paying yourself would cost %(self_pay)s, no less than the worst case (%(worst)s): "
            "using your plan costs you no more."
        )
    package_note = _("That includes a prepaid package.") if data["packages"] else ""
    return SelfPayComparison(
        self_pay=values["self_pay"],
        sentence=sentence % values,
        package_note=package_note,
    )


def _coverage_text(mode: str, plan: InsurancePlan | None, *, not_listed: bool = False) -> str:
    if not_listed:
        return _("Your plan is not listed, so this is what you would pay yourself")
    if mode == "self_pay":
        return _("Paying yourself (self-pay)")
    if mode == "insured":
        return _("Billing your plan: %(plan)s") % {"plan": plan}
    return _(
        "Not sure of your coverage: the best case assumes a plan like %(plan)s, the plan the "
        "clinic assumes when a patient is not sure"
    ) % {"plan": plan}


def plan_summary(
    *, quote: Quote, options: QuoteOptions, plan: InsurancePlan | None, not_listed: bool = False
) -> PlanSummary:
    """The patient's choices in words, and what to expect at each session."""
    item = quote.input.items[0]
    service = options.service(item.service_code)
    add_ons = [a for a in options.add_ons if a.code in item.addon_codes]
    minutes = item.duration_minutes + sum(a.minutes for a in add_ons)
    per_week = quote.input.sessions_per_week
    sessions = sessions_text(item.sessions, per_week, quote.input.start_date)
    coverage = _coverage_text(quote.input.coverage_mode, plan, not_listed=not_listed)
    return PlanSummary(
        treatment=service.name if service else item.service_code,
        length=minutes_text(item.duration_minutes),
        add_ons=tuple(add_on_text(a.name, a.minutes) for a in add_ons),
        sessions=sessions,
        coverage=coverage,
        what_to_expect=service.what_to_expect if service else "",
        session_minutes=minutes,
    )


def _view(
    data: dict[str, Any],
    clinic: Clinic,
    plan: PlanSummary,
    *,
    comparison: SelfPayComparison | None = None,
    not_listed: bool = False,
    terms: tuple[str, ...] = (),
    names: Names | None = None,
) -> EstimateView:
    """An engine result (its JSON shape) ready to show; names: see Names."""
    names = names or {}
    scenarios = data["scenarios"]
    schedule = data["schedule"]
    return EstimateView(
        clinic=clinic,
        currency=data["currency"],
        currency_name=currency_words(data["currency"]),
        coverage=data["coverage"],
        is_range=data["is_range"],
        primary=_scenario(scenarios["primary"], _("Your estimate"), names),
        best=None
        if scenarios["best"] is None
        else _scenario(scenarios["best"], _("Best case"), names),
        plan=plan,
        first_visit=date_text(schedule[0]),
        last_visit=date_text(schedule[-1]),
        session_count=len(schedule),
        assumptions=tuple(say(a, data["currency"], names) for a in data["assumptions"]),
        warnings=tuple(say(w["message"], data["currency"], names) for w in data["warnings"]),
        # "Often not covered" only where it is true for this patient: not when the plan pays.
        notes=tuple(
            str(note)
            for note in (
                (DRY_NEEDLING_NOTE, ESTIMATE_NOTE)
                if _needling_uncovered(data)
                else (ESTIMATE_NOTE,)
            )
        ),
        comparison=comparison,
        not_listed=not_listed,
        plan_terms=terms,
        insurer_questions=tuple(str(q) for q in INSURER_QUESTIONS) if not_listed else (),
    )


def estimate_view(
    *,
    quote: Quote,
    options: QuoteOptions,
    self_pay: Quote | None = None,
    not_listed: bool = False,
) -> EstimateView:
    """The quote ready to show: every amount formatted, every reason in words.

    self_pay: the same care priced as self-pay, to compare with a range; not_listed: the
    patient's plan is not among the clinic's (priced as self-pay, with what to ask the insurer).
    """
    plan = plan_summary(quote=quote, options=options, plan=quote.plan, not_listed=not_listed)
    return _view(
        quote.result_data(),
        options.clinic,
        plan,
        comparison=None
        if self_pay is None
        else self_pay_comparison(quote=quote, self_pay=self_pay),
        not_listed=not_listed,
        terms=plan_terms(quote.plan) if quote.plan is not None else (),
        names=options.names_in_language(),
    )


def _stored_plan(estimate: Estimate) -> PlanSummary:
    """A stored estimate's choices in words: its frozen request, with the catalog's names."""
    data = estimate.request_data
    item = data["items"][0]
    # Names and descriptions only (wording, not prices): reading them today changes no figure.
    service = ServiceType.objects.filter(code=item["service"]).first()
    codes = list(item.get("add_ons") or ())
    add_ons = sorted(AddOn.objects.filter(code__in=codes), key=lambda a: codes.index(a.code))
    minutes = int(item["duration_minutes"]) + sum(a.minutes for a in add_ons)
    per_week = int(data.get("sessions_per_week") or 1)
    count = int(item.get("sessions") or 1)
    return PlanSummary(
        treatment=localized(service, "name") if service else item["service"],
        length=minutes_text(int(item["duration_minutes"])),
        add_ons=tuple(add_on_text(localized(a, "name"), a.minutes) for a in add_ons),
        sessions=sessions_text(count, per_week, data["start_date"]),
        coverage=_coverage_text(estimate.coverage_mode, estimate.plan),
        what_to_expect=localized(service, "what_to_expect") if service else "",
        session_minutes=minutes,
    )


def stored_estimate_view(*, estimate: Estimate) -> EstimateView:
    """A stored estimate ready to show, from its frozen result: never priced again.

    Names the catalog has today, in the reader's language (wording only: no figure changes)."""
    return _view(
        estimate.result_data,
        estimate.clinic,
        _stored_plan(estimate),
        names=names_in_language(catalog_names(clinic=estimate.clinic)),
    )
