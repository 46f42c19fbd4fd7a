"""Plain-English assumptions and warnings that travel with an estimate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .catalog import PricedSession
from .ledger import Ledger
from .money import format_money
from .schedule import standing_year
from .types import (
    CatalogSnapshot,
    Coverage,
    CoverageStatus,
    EstimateWarning,
    Insured,
    Network,
    PackagePurchase,
    PlanRequest,
    PlanTerms,
    SelfPay,
    Standing,
    UnitRule,
)

FLIPPED_RANGE = (
    "For this plan, having the uncertain services covered costs you more than paying for "
    "them yourself (for example because of the deductible), so that is the upper end of "
    "the range."
)


NEEDS_IMPROVEMENT = EstimateWarning(
    "needs_documented_improvement",
    "Some sessions are covered only if your records show you are improving (Medicare: "
    "acupuncture sessions 13 to 20 of the year); the estimate shows what you pay if they are "
    "covered and if they are not.",
)


def coverage_name(coverage: Coverage) -> str:
    """self_pay, insured or unverified."""
    if isinstance(coverage, SelfPay):
        return "self_pay"
    return "insured" if isinstance(coverage, Insured) else "unverified"


def assumptions(
    request: PlanRequest, catalog: CatalogSnapshot, coverage: Coverage
) -> tuple[str, ...]:
    """Estimate-wide assumptions, one sentence each."""
    found = [
        f"Sessions are {request.sessions_per_week} a week from "
        f"{request.start_date.isoformat()}, evenly spaced and rounded down to whole days; "
        "each part of the plan finishes before the next begins.",
        "Prices are the clinic's prices in force on each session date.",
    ]
    found.extend(_contact_time(request, catalog))
    if isinstance(coverage, SelfPay):
        found.append("Timed codes are counted in 15-minute units by the midpoint rule.")
        if catalog.packages:
            found.append(
                "Prepaid packages are bought only where they make the plan cheaper than single "
                "sessions; the self-pay discount does not apply to package prices."
            )
        return tuple(found)
    found.extend(_insured_assumptions(request, coverage.terms, coverage.standing))
    return tuple(found)


def _contact_time(request: PlanRequest, catalog: CatalogSnapshot) -> list[str]:
    found = []
    for item in request.items:
        service = catalog.services[item.service_code]
        contact = service.contact(item.duration_minutes)
        if contact != item.duration_minutes:
            found.append(
                f"{service.name} ({item.duration_minutes} min) is billed on {contact} minutes "
                "of one-on-one contact: timed units count the practitioner's time with you, "
                "not the time the needles rest."
            )
    return list(dict.fromkeys(found))


def _insured_assumptions(request: PlanRequest, terms: PlanTerms, standing: Standing) -> list[str]:
    year = standing_year(standing, terms, request.start_date)
    money = terms.currency
    found = [
        f"What you have already used this benefit year (deductible met "
        f"{format_money(standing.deductible_met, money)}, out-of-pocket met "
        f"{format_money(standing.oop_met, money)}, {standing.visits_used} visits, "
        f"{format_money(standing.annual_max_used, money)} of the annual maximum) applies to "
        f"the benefit year starting {year.isoformat()}; any other benefit year starts from zero.",
        "Timed codes are counted in 15-minute units by the "
        + (
            "CMS 8-minute rule (timed minutes pooled per visit)."
            if terms.effective_unit_rule is UnitRule.EIGHT_MINUTE
            else "midpoint rule (each code on its own minutes)."
        ),
        "Prepaid packages are not used when insurance is billed.",
    ]
    if terms.network is Network.IN:
        found.append("Charges above the plan's allowed amount are written off (in network).")
    else:
        found.append("Charges above the plan's allowed amount are billed to you (out of network).")
    return found


def line_warnings(sessions: Sequence[PricedSession], coverage: Coverage) -> list[EstimateWarning]:
    """Warnings about the codes in the plan, once per code."""
    found: list[EstimateWarning] = []
    if not isinstance(coverage, SelfPay) and not isinstance(coverage, Insured):
        found.append(
            EstimateWarning(
                "coverage_unverified",
                "Your insurance has not been verified, so the estimate is a range from "
                "insurance paying as its terms say to insurance paying nothing.",
            )
        )
    if isinstance(coverage, SelfPay) and coverage.medicare is not None:
        found.extend(_medicare_claim_required(sessions, coverage.medicare))
    seen: set[str] = set()
    for session in sessions:
        for line in session.lines:
            if line.code in seen:
                continue
            seen.add(line.code)
            found.extend(
                _code_warnings(line.name, line.status, line.bundled, line.timed, line.units)
            )
            if line.note:
                # The clinic's own words on the plan's rule ("only for chronic low-back pain").
                found.append(EstimateWarning("plan_rule_note", f"{line.name}: {line.note}"))
    return found


def _medicare_claim_required(
    sessions: Sequence[PricedSession], medicare: PlanTerms
) -> list[EstimateWarning]:
    names = []
    for session in sessions:
        for line in session.lines:
            rule = medicare.rules.get((line.kind.value, line.code))
            if rule is not None and rule.status is CoverageStatus.COVERED:
                names.append(line.name)
    if not names:
        return []
    listed = ", ".join(dict.fromkeys(names))
    return [
        EstimateWarning(
            "medicare_claim_required",
            f"Medicare covers {listed}. A clinic that takes part in Medicare must bill Medicare "
            "for covered services (Medicare Benefit Policy Manual, chapter 15, section 40) "
            "rather than charge you its self-pay price, except in the narrow cases where you "
            "may refuse to have Medicare billed; ask for an estimate with your Medicare plan.",
        )
    ]


def _code_warnings(
    name: str, status: CoverageStatus | None, bundled: bool, timed: bool, units: int
) -> list[EstimateWarning]:
    if bundled:
        return [
            EstimateWarning(
                "medicare_bundled",
                f"Medicare bundles {name} into the visit; it is not charged to you.",
            )
        ]
    found = []
    if status is CoverageStatus.PRIOR_AUTH:
        found.append(
            EstimateWarning(
                "prior_auth_required",
                f"{name} needs prior authorization from your plan; the estimate shows what you "
                "pay with and without it.",
            )
        )
    elif status is CoverageStatus.UNKNOWN:
        found.append(
            EstimateWarning(
                "coverage_unknown",
                f"Your plan's coverage of {name} is not confirmed; the estimate shows what you "
                "pay if it is covered and if it is not.",
            )
        )
    if timed and units == 0:
        found.append(
            EstimateWarning(
                "zero_units", f"{name} is under 8 minutes and cannot be billed as a timed unit."
            )
        )
    return found


def package_warnings(purchases: Sequence[PackagePurchase]) -> list[EstimateWarning]:
    """A note for each package bought with sessions the plan does not use."""
    return [
        EstimateWarning(
            "package_sessions_unused",
            f"{p.name} includes {p.sessions_included} sessions and the plan uses "
            f"{len(p.session_numbers)}; it is still cheaper than paying singly.",
        )
        for p in purchases
        if len(p.session_numbers) < p.sessions_included
    ]


def benefit_year_warning(year: date) -> EstimateWarning:
    """The plan crosses into a new benefit year."""
    return EstimateWarning(
        "benefit_year_reset",
        f"A new benefit year starts on {year.isoformat()}: from then the deductible, "
        "out-of-pocket maximum, visit count and annual maximum start again from zero.",
    )


def visit_limit_warning(limit: int) -> EstimateWarning:
    """The plan runs past the visit limit."""
    return EstimateWarning(
        "visit_limit_reached",
        f"The plan's limit of {limit} visits a benefit year is reached; later sessions in that "
        "benefit year are not covered.",
    )


def code_set_limit_warnings(terms: PlanTerms, ledger: Ledger) -> list[EstimateWarning]:
    """The plan runs past a limit that counts only some codes (e.g. acupuncture visits)."""
    return [
        EstimateWarning(
            "code_set_limit_reached",
            f"The plan's limit of {limit.max_visits} {limit.name} visits a benefit year is "
            f"reached; later {limit.name} in that benefit year is not covered (other services "
            "are not affected).",
        )
        for limit in terms.code_set_limits
        if ledger.limit_used.get(limit.key, 0) >= limit.max_visits
    ]


ABN_WARNING = EstimateWarning(
    "abn_required",
    "Medicare is not expected to pay for some services in this plan. The clinic can charge you "
    "for them only if you sign an Advance Beneficiary Notice (ABN, form CMS-R-131) before the "
    "service; if you do not sign one, you will not be billed for them.",
)
WAIVER_WARNING = EstimateWarning(
    "waiver_required",
    "Your plan considers some services in this plan experimental or investigational. The "
    "clinic can bill you for them only if you sign a waiver before the service.",
)


def consent_warnings(*, abn: bool, waiver: bool) -> list[EstimateWarning]:
    """What the patient must sign before the clinic may charge for denied services."""
    return [w for w, needed in ((ABN_WARNING, abn), (WAIVER_WARNING, waiver)) if needed]
