"""The engine's estimate (its JSON shape) as words and formatted amounts, for the page and the PDF.

Nothing here adds or rounds money: every figure is one the engine produced, only formatted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator.formatting import (
    billing_text,
    consecutive_runs,
    currency_words,
    date_text,
    money_text,
)
from estimator.models import AddOn, Clinic, Estimate, InsurancePlan, ServiceType
from estimator.quotes import Quote

from .options import QuoteOptions

DRY_NEEDLING_NOTE = (
    "Dry needling is often not covered by insurance. Unless your plan has confirmed in writing "
    "that it covers it, expect to pay for needling yourself."
)
ESTIMATE_NOTE = (
    "This is an estimate, not a bill. What you are charged depends on the treatment you "
    "actually receive and on what your plan decides when the claim is processed."
)
SCENARIO_TITLES = {
    "worst_case": "If your plan pays nothing (the figure to plan on)",
    "best_case": "If your plan pays as its terms say",
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

    @property
    def headline(self) -> str:
        """The one sentence a patient reads first."""
        if self.best is not None:
            return (
                f"You would pay between {self.best.patient_pays} and "
                f"{self.primary.patient_pays} in total."
            )
        if self.coverage == "insured":
            return (
                f"You would pay {self.primary.patient_pays} in total and your plan "
                f"{self.primary.plan_pays}."
            )
        return f"You would pay {self.primary.patient_pays} in total."


def _money(value: dict[str, str]) -> str:
    return money_text(value["amount"], value["currency"])


def _nonzero(value: dict[str, str]) -> bool:
    return Decimal(value["amount"]) != 0


def _line(line: dict[str, Any], sessions: list[dict[str, Any]], index: int) -> LineView:
    codes = billing_text(line["billing"])

    # Every session of a group costs the same, so the first one's reasons explain them all; the
    # others' may differ only in what they name ("session 2 of 6", the deductible left).
    def messages(session: dict[str, Any]) -> list[str]:
        return [a["message"] for a in session["lines"][index]["adjustments"]]

    reasons = messages(sessions[0])
    if reasons and any(messages(s) != reasons for s in sessions[1:]):
        reasons = [f"Session {sessions[0]['number']}: {r}" for r in reasons]
        reasons.append("The other sessions in this row are worked out the same way.")
    return LineView(
        name=line["name"],
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


def _groups(sessions: list[dict[str, Any]]) -> tuple[SessionGroup, ...]:
    groups = []
    for run in consecutive_runs(sessions, _cost):
        first, last = run[0], run[-1]
        if len(run) == 1:
            label, dates = f"Session {first['number']}", date_text(first["date"])
        else:
            label = f"Sessions {first['number']}–{last['number']}"
            dates = f"{date_text(first['date'])} to {date_text(last['date'])}"
        groups.append(
            SessionGroup(
                label=label,
                dates=dates,
                count=len(run),
                lines=tuple(_line(line, run, i) for i, line in enumerate(first["lines"])),
                charge=_money(first["totals"]["charge"]),
                plan_pays=_money(first["totals"]["plan_pays"]),
                patient_pays=_money(first["totals"]["patient_pays"]),
            )
        )
    return tuple(groups)


def _totals(totals: dict[str, dict[str, str]]) -> tuple[Figure, ...]:
    rows = [Figure("Full price", _money(totals["charge"]))]
    optional = (
        ("discount", "Discounts"),
        ("written_off", "Written off by the clinic (above what your plan allows)"),
        ("balance_billed", "Above what your plan allows, billed to you"),
    )
    rows += [Figure(label, _money(totals[key])) for key, label in optional if _nonzero(totals[key])]
    rows.append(Figure("Insurance pays", _money(totals["plan_pays"])))
    rows.append(Figure("You pay", _money(totals["patient_pays"])))
    return tuple(rows)


def _package(package: dict[str, Any]) -> PackageView:
    numbers = package["session_numbers"]
    spans = f"{numbers[0]}–{numbers[-1]}" if len(numbers) > 1 else str(numbers[0])
    return PackageView(
        name=package["name"],
        price=_money(package["price"]),
        sessions=package["sessions_included"],
        session_numbers=spans,
        valid_until=date_text(package["valid_until"]),
        singles_cost=_money(package["singles_cost"]),
        savings=_money(package["savings"]),
    )


def _scenario(data: dict[str, Any], title: str) -> ScenarioView:
    totals = data["totals"]
    return ScenarioView(
        name=data["name"],
        title=SCENARIO_TITLES.get(data["name"], title),
        assumptions=tuple(data["assumptions"]),
        patient_pays=_money(totals["patient_pays"]),
        plan_pays=_money(totals["plan_pays"]),
        charge=_money(totals["charge"]),
        totals=_totals(totals),
        groups=_groups(data["sessions"]),
        packages=tuple(_package(p) for p in data["packages"]),
    )


def _coverage_text(mode: str, plan: InsurancePlan | None) -> str:
    if mode == "self_pay":
        return "Paying yourself (self-pay)"
    if mode == "insured":
        return f"Billing your plan: {plan}"
    return f"Not sure of your coverage (the range assumes {plan} at its best)"


def plan_summary(*, quote: Quote, options: QuoteOptions, plan: InsurancePlan | None) -> PlanSummary:
    """The patient's choices in words, and what to expect at each session."""
    item = quote.input.items[0]
    service = options.service(item.service_code)
    add_ons = [a for a in options.add_ons if a.code in item.addon_codes]
    minutes = item.duration_minutes + sum(a.minutes for a in add_ons)
    per_week = quote.input.sessions_per_week
    sessions = (
        f"{item.sessions} session{'s' if item.sessions != 1 else ''}, "
        f"{per_week} a week, from {date_text(quote.input.start_date)}"
    )
    coverage = _coverage_text(quote.input.coverage_mode, plan)
    return PlanSummary(
        treatment=service.name if service else item.service_code,
        length=f"{item.duration_minutes} minutes",
        add_ons=tuple(f"{a.name} (+{a.minutes} minutes)" for a in add_ons),
        sessions=sessions,
        coverage=coverage,
        what_to_expect=service.what_to_expect if service else "",
        session_minutes=minutes,
    )


def _view(data: dict[str, Any], clinic: Clinic, plan: PlanSummary) -> EstimateView:
    """An engine result (its JSON shape) ready to show."""
    scenarios = data["scenarios"]
    schedule = data["schedule"]
    return EstimateView(
        clinic=clinic,
        currency=data["currency"],
        currency_name=currency_words(data["currency"]),
        coverage=data["coverage"],
        is_range=data["is_range"],
        primary=_scenario(scenarios["primary"], "Your estimate"),
        best=None if scenarios["best"] is None else _scenario(scenarios["best"], "Best case"),
        plan=plan,
        first_visit=date_text(schedule[0]),
        last_visit=date_text(schedule[-1]),
        session_count=len(schedule),
        assumptions=tuple(data["assumptions"]),
        warnings=tuple(w["message"] for w in data["warnings"]),
        notes=(DRY_NEEDLING_NOTE, ESTIMATE_NOTE),
    )


def estimate_view(*, quote: Quote, options: QuoteOptions) -> EstimateView:
    """The quote ready to show: every amount formatted, every reason in words."""
    plan = plan_summary(quote=quote, options=options, plan=quote.plan)
    return _view(quote.result_data(), options.clinic, plan)


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
        treatment=service.name if service else item["service"],
        length=f"{item['duration_minutes']} minutes",
        add_ons=tuple(f"{a.name} (+{a.minutes} minutes)" for a in add_ons),
        sessions=(
            f"{count} session{'s' if count != 1 else ''}, {per_week} a week, "
            f"from {date_text(data['start_date'])}"
        ),
        coverage=_coverage_text(estimate.coverage_mode, estimate.plan),
        what_to_expect=service.what_to_expect if service else "",
        session_minutes=minutes,
    )


def stored_estimate_view(*, estimate: Estimate) -> EstimateView:
    """A stored estimate ready to show, from its frozen result: never priced again."""
    return _view(estimate.result_data, estimate.clinic, _stored_plan(estimate))
