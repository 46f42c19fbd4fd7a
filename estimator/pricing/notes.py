"""Plain-English assumptions and warnings that travel with an estimate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .catalog import PricedSession
from .ledger import Ledger
from .money import format_money
from .phrases import gettext_noop
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

FLIPPED_RANGE = gettext_noop(
    "For this plan, having the uncertain services covered costs you more than paying for "
    "them yourself (for example because of the deductible), so that is the upper end of "
    "the range."
)


NEEDS_IMPROVEMENT = EstimateWarning(
    "needs_documented_improvement",
    gettext_noop(
        "Some sessions are covered only if your records show you are improving (Medicare: "
        "acupuncture sessions 13 to 20 of the year); the estimate shows what you pay if they are "
        "covered and if they are not."
    ),
)

SCHEDULE = gettext_noop(
    "Sessions are %(count_per_week)s a week from %(date_start)s, evenly spaced and rounded "
    "down to whole days; each part of the plan finishes before the next begins."
)
PRICES_IN_FORCE = gettext_noop("Prices are the clinic's prices in force on each session date.")
CONTACT_TIME = gettext_noop(
    "%(name_service)s (%(count_minutes)s min) is billed on %(count_contact)s minutes of "
    "one-on-one contact: timed units count the practitioner's time with you, not the time the "
    "needles rest."
)
MIDPOINT_SELF_PAY = gettext_noop("Timed codes are counted in 15-minute units by the midpoint rule.")
PACKAGES_BOUGHT = gettext_noop(
    "Prepaid packages are bought only where they make the plan cheaper than single sessions; "
    "the self-pay discount does not apply to package prices."
)
STANDING = gettext_noop(
    "What you have already used this benefit year (deductible met %(money_deductible_met)s, "
    "out-of-pocket met %(money_oop_met)s, %(count_visits)s visits, %(money_annual_used)s of "
    "the annual maximum) applies to the benefit year starting %(date_year_start)s; any other "
    "benefit year starts from zero."
)
EIGHT_MINUTE_RULE = gettext_noop(
    "Timed codes are counted in 15-minute units by the CMS 8-minute rule (timed minutes pooled "
    "per visit)."
)
MIDPOINT_INSURED = gettext_noop(
    "Timed codes are counted in 15-minute units by the midpoint rule (each code on its own "
    "minutes)."
)
NO_PACKAGES_INSURED = gettext_noop("Prepaid packages are not used when insurance is billed.")
WRITTEN_OFF_IN_NETWORK = gettext_noop(
    "Charges above the plan's allowed amount are written off (in network)."
)
BILLED_OUT_OF_NETWORK = gettext_noop(
    "Charges above the plan's allowed amount are billed to you (out of network)."
)
UNVERIFIED = gettext_noop(
    "Your insurance has not been verified, so the estimate is a range from insurance paying as "
    "its terms say to insurance paying nothing."
)
# Translators: the clinic's own words on the plan's rule for a code, after the code's name.
PLAN_RULE_NOTE = gettext_noop("%(name_line)s: %(name_note)s")
MEDICARE_CLAIM_REQUIRED = gettext_noop(
    "Medicare covers %(name_lines)s. A clinic that takes part in Medicare must bill Medicare "
    "for covered services (Medicare Benefit Policy Manual, chapter 15, section 40) rather than "
    "charge you its self-pay price, except in the narrow cases where you may refuse to have "
    "Medicare billed; ask for an estimate with your Medicare plan."
)
MEDICARE_BUNDLES = gettext_noop(
    "Medicare bundles %(name_line)s into the visit; it is not charged to you."
)
PRIOR_AUTH_REQUIRED = gettext_noop(
    "%(name_line)s needs prior authorization from your plan; the estimate shows what you pay "
    "with and without it."
)
COVERAGE_UNKNOWN = gettext_noop(
    "Your plan's coverage of %(name_line)s is not confirmed; the estimate shows what you pay if "
    "it is covered and if it is not."
)
ZERO_UNITS = gettext_noop("%(name_line)s is under 8 minutes and cannot be billed as a timed unit.")
PACKAGE_SESSIONS_UNUSED = gettext_noop(
    "%(name_package)s includes %(count_included)s sessions and the plan uses %(count_used)s; "
    "it is still cheaper than paying singly."
)
BENEFIT_YEAR_RESET = gettext_noop(
    "A new benefit year starts on %(date_year_start)s: from then the deductible, out-of-pocket "
    "maximum, visit count and annual maximum start again from zero."
)
VISIT_LIMIT_REACHED = gettext_noop(
    "The plan's limit of %(count_limit)s visits a benefit year is reached; later sessions in "
    "that benefit year are not covered."
)
CODE_SET_LIMIT_REACHED = gettext_noop(
    "The plan's limit of %(count_limit)s %(name_limit)s visits a benefit year is reached; "
    "later %(name_limit)s in that benefit year is not covered (other services are not "
    "affected)."
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
        SCHEDULE
        % {
            "count_per_week": request.sessions_per_week,
            "date_start": request.start_date.isoformat(),
        },
        PRICES_IN_FORCE,
    ]
    found.extend(_contact_time(request, catalog))
    if isinstance(coverage, SelfPay):
        found.append(MIDPOINT_SELF_PAY)
        if catalog.packages:
            found.append(PACKAGES_BOUGHT)
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
                CONTACT_TIME
                % {
                    "name_service": service.name,
                    "count_minutes": item.duration_minutes,
                    "count_contact": contact,
                }
            )
    return list(dict.fromkeys(found))


def _insured_assumptions(request: PlanRequest, terms: PlanTerms, standing: Standing) -> list[str]:
    year = standing_year(standing, terms, request.start_date)
    money = terms.currency
    found = [
        STANDING
        % {
            "money_deductible_met": format_money(standing.deductible_met, money),
            "money_oop_met": format_money(standing.oop_met, money),
            "count_visits": standing.visits_used,
            "money_annual_used": format_money(standing.annual_max_used, money),
            "date_year_start": year.isoformat(),
        },
        EIGHT_MINUTE_RULE
        if terms.effective_unit_rule is UnitRule.EIGHT_MINUTE
        else MIDPOINT_INSURED,
        NO_PACKAGES_INSURED,
        WRITTEN_OFF_IN_NETWORK if terms.network is Network.IN else BILLED_OUT_OF_NETWORK,
    ]
    return found


def line_warnings(sessions: Sequence[PricedSession], coverage: Coverage) -> list[EstimateWarning]:
    """Warnings about the codes in the plan, once per code."""
    found: list[EstimateWarning] = []
    if not isinstance(coverage, SelfPay) and not isinstance(coverage, Insured):
        found.append(EstimateWarning("coverage_unverified", UNVERIFIED))
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
                found.append(
                    EstimateWarning(
                        "plan_rule_note",
                        PLAN_RULE_NOTE % {"name_line": line.name, "name_note": line.note},
                    )
                )
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
        EstimateWarning("medicare_claim_required", MEDICARE_CLAIM_REQUIRED % {"name_lines": listed})
    ]


def _code_warnings(
    name: str, status: CoverageStatus | None, bundled: bool, timed: bool, units: int
) -> list[EstimateWarning]:
    if bundled:
        return [EstimateWarning("medicare_bundled", MEDICARE_BUNDLES % {"name_line": name})]
    found = []
    if status is CoverageStatus.PRIOR_AUTH:
        found.append(
            EstimateWarning("prior_auth_required", PRIOR_AUTH_REQUIRED % {"name_line": name})
        )
    elif status is CoverageStatus.UNKNOWN:
        found.append(EstimateWarning("coverage_unknown", COVERAGE_UNKNOWN % {"name_line": name}))
    if timed and units == 0:
        found.append(EstimateWarning("zero_units", ZERO_UNITS % {"name_line": name}))
    return found


def package_warnings(purchases: Sequence[PackagePurchase]) -> list[EstimateWarning]:
    """A note for each package bought with sessions the plan does not use."""
    return [
        EstimateWarning(
            "package_sessions_unused",
            PACKAGE_SESSIONS_UNUSED
            % {
                "name_package": p.name,
                "count_included": p.sessions_included,
                "count_used": len(p.session_numbers),
            },
        )
        for p in purchases
        if len(p.session_numbers) < p.sessions_included
    ]


def benefit_year_warning(year: date) -> EstimateWarning:
    """The plan crosses into a new benefit year."""
    return EstimateWarning(
        "benefit_year_reset",
        BENEFIT_YEAR_RESET % {"date_year_start": year.isoformat()},
    )


def visit_limit_warning(limit: int) -> EstimateWarning:
    """The plan runs past the visit limit."""
    return EstimateWarning(
        "visit_limit_reached",
        VISIT_LIMIT_REACHED % {"count_limit": limit},
    )


def code_set_limit_warnings(terms: PlanTerms, ledger: Ledger) -> list[EstimateWarning]:
    """The plan runs past a limit that counts only some codes (e.g. acupuncture visits)."""
    return [
        EstimateWarning(
            "code_set_limit_reached",
            CODE_SET_LIMIT_REACHED % {"count_limit": limit.max_visits, "name_limit": limit.name},
        )
        for limit in terms.code_set_limits
        if ledger.limit_used.get(limit.key, 0) >= limit.max_visits
    ]


ABN_WARNING = EstimateWarning(
    "abn_required",
    gettext_noop(
        "Medicare is not expected to pay for some services in this plan. The clinic can charge you "
        "for them only if you sign an Advance Beneficiary Notice (ABN, form CMS-R-131) before the "
        "service; if you do not sign one, you will not be billed for them."
    ),
)
WAIVER_WARNING = EstimateWarning(
    "waiver_required",
    gettext_noop(
        "Your plan considers some services in this plan experimental or investigational. The "
        "clinic can bill you for them only if you sign a waiver before the service."
    ),
)


def consent_warnings(*, abn: bool, waiver: bool) -> list[EstimateWarning]:
    """What the patient must sign before the clinic may charge for denied services."""
    return [w for w, needed in ((ABN_WARNING, abn), (WAIVER_WARNING, waiver)) if needed]
