"""Good Faith Estimates (45 CFR 149.610): whether a stored estimate can be one, and what it says."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from estimator.catalog_cache import catalog_names
from estimator.catalog_text import localized, name_in_language, names_in_language
from estimator.formatting import billing_text, consecutive_runs, date_text, money_text
from estimator.models import Clinic, Estimate, EstimateStatus, ServiceType
from estimator.notices import NoticeKind
from estimator.selectors import notice_for_estimate


class GoodFaithEstimateRefused(Exception):
    """A Good Faith Estimate cannot be given for this estimate; each problem says what to do."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ItemRow:
    """One item or service of a run of identical sessions, with its codes and charges."""

    description: str
    service_codes: str
    diagnosis_codes: str
    charge_each: str
    discount_each: str
    expected_each: str
    expected_total: str


@dataclass(frozen=True)
class SessionRun:
    """Consecutive sessions billed identically: shown once, with how many there are."""

    label: str
    dates: str
    count: int
    rows: tuple[ItemRow, ...]
    expected: Decimal


@dataclass(frozen=True)
class GoodFaithEstimate:
    """Everything the document prints, taken from the estimate's frozen record."""

    reference: str
    issued_on: dt.date
    is_draft: bool
    clinic: Clinic
    patient_name: str
    patient_date_of_birth: dt.date
    primary_service: str
    primary_description: str
    other_services: tuple[str, ...]
    schedule: str
    last_session: dt.date
    frequency: str
    sessions: int
    diagnosis_codes: tuple[str, ...]
    runs: tuple[SessionRun, ...]
    packages: tuple[str, ...]
    total_charge: str
    total_discount: str
    total_expected: str
    total_expected_amount: Decimal
    currency: str


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _not_applicable(estimate: Estimate) -> str | None:
    clinic = estimate.clinic
    if estimate.status == EstimateStatus.VOID:
        return (
            f"Estimate {estimate.reference} is void, so it cannot be a Good Faith Estimate. "
            "Price a new estimate in the builder and use that one."
        )
    if estimate.status == EstimateStatus.SUPERSEDED:
        correction = getattr(estimate, "superseded_by", None)
        return (
            f"Estimate {estimate.reference} was superseded by a correction"
            f"{f', {correction.reference}' if correction else ''}: use that one."
        )
    # Whether a GFE applies at all is decided in one place, estimator.notices.
    kind = notice_for_estimate(estimate=estimate).kind
    if kind is NoticeKind.ITEMISED_ESTIMATE:
        return (
            f"{clinic.name} is in Canada: the Good Faith Estimate is a requirement of the US No "
            "Surprises Act, which does not apply there. Give the patient the ordinary estimate."
        )
    plan = estimate.plan
    if kind in (NoticeKind.ABN, NoticeKind.MEDICARE_MEDICAID):
        assert plan is not None
        return (
            f"This estimate is for a {plan.payer.get_kind_display()} plan ({plan}). Medicare and "
            "Medicaid patients do not get a Good Faith Estimate; give them an Advance Beneficiary "
            "Notice of Noncoverage (ABN, form CMS-R-131) where one applies."
        )
    if kind is NoticeKind.CHECK_WITH_PLAN:
        return (
            f"This estimate is priced for insurance ({estimate.get_coverage_mode_display()}). A "
            "Good Faith Estimate is for uninsured or self-pay patients: the patient must choose "
            "self-pay (not billing their plan); then price a self-pay estimate and use that one."
        )
    return None


def _missing(estimate: Estimate) -> list[str]:
    clinic = estimate.clinic
    problems = []
    if not estimate.patient_name.strip():
        problems.append("Add the patient's name to the estimate (Patient section) and save.")
    if estimate.patient_date_of_birth is None:
        problems.append(
            "Add the patient's date of birth to the estimate (Patient section) and save."
        )
    for field, label in (("npi", "NPI"), ("tin", "TIN")):
        if not getattr(clinic, field):
            problems.append(
                f"{clinic.name} has no {label}; a Good Faith Estimate must show the provider's "
                f"{label}. Add it on the clinic's admin page."
            )
    if estimate.end_date >= _one_year_after(estimate.start_date):
        problems.append(
            "One Good Faith Estimate may cover at most 12 months of recurring care; price the "
            "first 12 months as one estimate and the rest later."
        )
    return problems


def gfe_problems(*, estimate: Estimate) -> list[str]:
    """Why this estimate cannot be given as a Good Faith Estimate; empty when it can."""
    reason = _not_applicable(estimate)
    return [reason] if reason else _missing(estimate)


def _signature(session: dict[str, Any]) -> list[Any]:
    return [
        (line["name"], line["billing"], line["charge"], line["discount"], line["patient_pays"])
        for line in session["lines"]
    ]


def _runs(
    sessions: list[dict[str, Any]], diagnoses: str, currency: str, names: Mapping[str, str]
) -> tuple[SessionRun, ...]:
    runs = []
    for run in consecutive_runs(sessions, _signature):
        first, last, count = run[0], run[-1], len(run)
        rows = tuple(
            ItemRow(
                description=name_in_language(line["name"], names),
                service_codes=billing_text(line["billing"]),
                diagnosis_codes=diagnoses,
                charge_each=money_text(line["charge"]["amount"], currency),
                discount_each=money_text(line["discount"]["amount"], currency),
                expected_each=money_text(line["patient_pays"]["amount"], currency),
                expected_total=money_text(
                    Decimal(line["patient_pays"]["amount"]) * count, currency
                ),
            )
            for line in first["lines"]
        )
        if count == 1:
            label = _("Session %(number)s") % {"number": first["number"]}
            dates = date_text(first["date"])
        else:
            label = _("Sessions %(first)s–%(last)s (%(count)s sessions)") % {
                "first": first["number"],
                "last": last["number"],
                "count": count,
            }
            dates = _("%(first)s to %(last)s") % {
                "first": date_text(first["date"]),
                "last": date_text(last["date"]),
            }
        expected = sum(
            (Decimal(s["totals"]["patient_pays"]["amount"]) for s in run), start=Decimal("0")
        )
        runs.append(SessionRun(label, dates, count, rows, expected))
    return tuple(runs)


def _services(
    estimate: Estimate, sessions: list[dict[str, Any]], names: Mapping[str, str]
) -> list[tuple[str, int, str]]:
    """(name with its length and add-ons, sessions, code) for each item of the request, the
    names in the reader's language."""
    items = estimate.request_data.get("items", [])
    firsts: dict[int, dict[str, Any]] = {}
    for session in sessions:
        firsts.setdefault(session["item_index"], session)
    described = []
    for index, item in enumerate(items):
        lines = firsts[index]["lines"] if index in firsts else []
        # Line names carry the length already: "Dry needling, 3 or more muscles (45 min)".
        said = [name_in_language(line["name"], names) for line in lines] or [item["service"]]
        text = said[0]
        if len(said) > 2:
            text = _("%(service)s with %(add_ons)s and %(last)s") % {
                "service": said[0],
                "add_ons": ", ".join(said[1:-1]),
                "last": said[-1],
            }
        elif len(said) == 2:
            text = _("%(service)s with %(add_on)s") % {"service": said[0], "add_on": said[1]}
        described.append((text, int(item["sessions"]), item["service"]))
    return described


def _issued_on(estimate: Estimate) -> dt.date:
    if estimate.issued_at is None:
        return estimate.clinic.today()
    zone = zoneinfo.ZoneInfo(estimate.clinic.time_zone)
    return timezone.localtime(estimate.issued_at, zone).date()


def gfe_build(*, estimate: Estimate) -> GoodFaithEstimate:
    """A stored estimate's Good Faith Estimate from its frozen figures; refused when it can't be."""
    problems = gfe_problems(estimate=estimate)
    if problems:
        raise GoodFaithEstimateRefused(problems)
    born = estimate.patient_date_of_birth
    assert born is not None  # gfe_problems refuses an estimate without it
    result = estimate.result_data
    currency = result["currency"]
    scenario = result["scenarios"]["primary"]
    sessions = scenario["sessions"]
    diagnoses = tuple(estimate.diagnosis_codes)
    # The catalog's names in the reader's language (the engine's figures keep the English).
    names = names_in_language(catalog_names(clinic=estimate.clinic))
    services = _services(estimate, sessions, names)
    # The primary service is the one most of the sessions are for; the first on a tie.
    main = max(range(len(services)), key=lambda i: services[i][1])
    primary = services[main]
    # The catalog's plain-language wording, not a price: reading it today changes no figure.
    service = ServiceType.objects.filter(code=primary[2]).first()
    description = "" if service is None else localized(service, "description")
    per_week = int(estimate.request_data.get("sessions_per_week", 1))
    if estimate.sessions == 1:
        schedule = _("Scheduled for %(date)s.") % {"date": date_text(estimate.start_date)}
    else:
        schedule = _("Recurring care from %(first)s to %(last)s.") % {
            "first": date_text(estimate.start_date),
            "last": date_text(estimate.end_date),
        }
    totals = scenario["totals"]
    return GoodFaithEstimate(
        reference=estimate.reference,
        issued_on=_issued_on(estimate),
        is_draft=estimate.status == EstimateStatus.DRAFT,
        clinic=estimate.clinic,
        patient_name=estimate.patient_name,
        patient_date_of_birth=born,
        primary_service=primary[0],
        primary_description=description or "",
        other_services=tuple(
            ngettext("%(service)s, %(count)s session", "%(service)s, %(count)s sessions", count)
            % {"service": text, "count": count}
            for index, (text, count, _code) in enumerate(services)
            if index != main
        ),
        schedule=schedule,
        last_session=estimate.end_date,
        frequency=ngettext("%(count)s session a week", "%(count)s sessions a week", per_week)
        % {"count": per_week},
        sessions=estimate.sessions,
        diagnosis_codes=diagnoses,
        runs=_runs(
            sessions, ", ".join(diagnoses) or pgettext("codes", "None recorded"), currency, names
        ),
        packages=tuple(
            _(
                "Prepaid package: %(name)s, %(price)s for %(count)s sessions (sessions "
                "%(numbers)s), to be used by %(date)s. The expected charges above include it."
            )
            % {
                "name": name_in_language(p["name"], names),
                "price": money_text(p["price"]["amount"], currency),
                "count": p["sessions_included"],
                "numbers": ", ".join(str(n) for n in p["session_numbers"]),
                "date": date_text(p["valid_until"]),
            }
            for p in scenario["packages"]
        ),
        total_charge=money_text(totals["charge"]["amount"], currency),
        total_discount=money_text(totals["discount"]["amount"], currency),
        total_expected=money_text(totals["patient_pays"]["amount"], currency),
        total_expected_amount=Decimal(totals["patient_pays"]["amount"]),
        currency=currency,
    )
