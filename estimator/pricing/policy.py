"""Which scenarios to price, and how each line is treated in a scenario."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .catalog import PricedLine, PricedSession
from .ledger import Ledger
from .money import format_money
from .phrases import gettext_noop
from .types import (
    Adjustment,
    CodeSetLimit,
    Coverage,
    CoverageStatus,
    Denial,
    Insured,
    Network,
    PlanTerms,
    SelfPay,
    Treatment,
)

UNCERTAIN = (CoverageStatus.PRIOR_AUTH, CoverageStatus.UNKNOWN)

# Translators: the limits below complete "This visit is past the plan's limit of …".
LIMIT_VISITS = gettext_noop("%(count_limit)s visits a benefit year")
LIMIT_SET_VISITS = gettext_noop("%(count_limit)s %(name_limit)s visits a benefit year")
LIMIT_WITHOUT_IMPROVEMENT = gettext_noop(
    "%(count_limit)s %(name_limit)s visits a benefit year without documented improvement (this "
    "scenario assumes none is documented)"
)
PAST_LIMIT = gettext_noop(
    "This visit is past the plan's limit of %(clause_limit)s, so %(name_line)s is not covered."
)
IMPROVEMENT_ASSUMED = gettext_noop(
    "%(name_line)s is %(name_limit)s visit %(count_visit)s: past %(count_certain)s visits the "
    "plan covers it only with documented improvement; this scenario assumes it."
)


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    """How one scenario treats coverage."""

    name: str
    self_pay: bool
    insurance_pays: bool
    uncertain_covered: bool
    assumption: str


SELF_PAY = ScenarioSpec(
    "self_pay",
    True,
    False,
    False,
    gettext_noop("You pay the clinic directly at its self-pay prices."),
)
EXPECTED = ScenarioSpec(
    "expected",
    False,
    True,
    False,
    gettext_noop("Each service is covered or not as your plan's rules state."),
)
WORST = ScenarioSpec(
    "worst_case",
    False,
    True,
    False,
    gettext_noop(
        "Services that need prior authorization, whose coverage is not confirmed, or that the "
        "plan covers only with documented improvement, are not covered and you pay for them."
    ),
)
BEST = ScenarioSpec(
    "best_case",
    False,
    True,
    True,
    gettext_noop(
        "Services that need prior authorization, whose coverage is not confirmed, or that the "
        "plan covers only with documented improvement, are covered (prior authorization is "
        "obtained, improvement is documented)."
    ),
)
NOTHING_PAID = ScenarioSpec(
    "worst_case",
    False,
    False,
    False,
    gettext_noop(
        "Your insurance is not verified and pays nothing: every service is priced as not covered."
    ),
)


def scenario_specs(
    coverage: Coverage, sessions: Sequence[PricedSession]
) -> tuple[ScenarioSpec, ScenarioSpec | None]:
    """The primary (dependable, worst-case) scenario and, for uncertain coverage, the best case."""
    if isinstance(coverage, SelfPay):
        return SELF_PAY, None
    if isinstance(coverage, Insured):
        uncertain = any(
            _uncertain(line) for s in sessions for line in s.lines
        ) or _conditional_limit(coverage.terms, sessions)
        return (WORST, BEST) if uncertain else (EXPECTED, None)
    return NOTHING_PAID, BEST


def _uncertain(line: PricedLine) -> bool:
    # A timed line under 8 minutes is never billed, so its coverage cannot make a range.
    return line.status in UNCERTAIN and not line.bundled and not (line.timed and line.units == 0)


def _conditional_limit(terms: PlanTerms, sessions: Sequence[PricedSession]) -> bool:
    """True when a limit's conditional visits (13-20 of acupuncture) may be reached.

    Whether they are depends on the visits counted on the way, so both ends are priced and
    the engine drops the best case again when it came out the same.
    """
    codes = {
        code
        for limit in terms.code_set_limits
        if limit.certain_visits is not None and limit.certain_visits < limit.max_visits
        for code in limit.codes
    }
    return bool(codes) and any(
        b.code in codes for s in sessions for line in s.lines for b in line.billing
    )


def treat_session(
    session: PricedSession, spec: ScenarioSpec, terms: PlanTerms, ledger: Ledger
) -> list[tuple[Treatment, Adjustment | None]]:
    """Treatment of each line of an insured session, with the reason when not plainly covered.

    Counts the visit when any line is covered; past the plan's visit limit the covered lines
    become not covered instead. Then each code-set limit counts the visit only if a covered
    line bills one of its codes, and past that limit only those lines become not covered.
    """
    decided = [_treat_line(line, spec, terms) for line in session.lines]
    covered = [i for i, (t, _) in enumerate(decided) if t is Treatment.COVERED]
    if not covered:
        return decided
    limit = terms.visit_limit
    if limit is not None and ledger.visits_used >= limit:
        what = LIMIT_VISITS % {"count_limit": limit}
        _past_limit(session, decided, covered, "visit_limit", what)
        return decided
    for code_set in terms.code_set_limits:
        _count_code_set(session, spec, code_set, decided, covered, ledger)
    # A visit whose only covered line a code-set limit just refused uses no plan visit.
    if any(t is Treatment.COVERED for t, _ in decided):
        ledger.visits_used += 1
    return decided


def _past_limit(
    session: PricedSession,
    decided: list[tuple[Treatment, Adjustment | None]],
    indexes: list[int],
    code: str,
    what: str,
) -> None:
    for i in indexes:
        line = session.lines[i]
        msg = PAST_LIMIT % {"clause_limit": what, "name_line": line.name}
        decided[i] = (Treatment.NOT_COVERED, Adjustment(code, msg, line.charge))


def _count_code_set(
    session: PricedSession,
    spec: ScenarioSpec,
    code_set: CodeSetLimit,
    decided: list[tuple[Treatment, Adjustment | None]],
    covered: list[int],
    ledger: Ledger,
) -> None:
    hits = [
        i
        for i in covered
        if decided[i][0] is Treatment.COVERED
        and any(b.code in code_set.codes for b in session.lines[i].billing)
    ]
    if not hits:
        return
    used = ledger.limit_used.get(code_set.key, 0)
    if used >= code_set.max_visits:
        what = LIMIT_SET_VISITS % {"count_limit": code_set.max_visits, "name_limit": code_set.name}
        _past_limit(session, decided, hits, "code_set_limit", what)
        return
    certain = code_set.certain_visits
    if certain is not None and used >= certain:
        if not spec.uncertain_covered:
            # Worst case: no documented improvement, not covered; the visit is not counted.
            what = LIMIT_WITHOUT_IMPROVEMENT % {"count_limit": certain, "name_limit": code_set.name}
            _past_limit(session, decided, hits, "needs_improvement_assumed_not_covered", what)
            return
        for i in hits:
            line = session.lines[i]
            msg = IMPROVEMENT_ASSUMED % {
                "name_line": line.name,
                "name_limit": code_set.name,
                "count_visit": used + 1,
                "count_certain": certain,
            }
            decided[i] = (
                Treatment.COVERED,
                Adjustment("needs_improvement_assumed_covered", msg, line.charge),
            )
    ledger.limit_used[code_set.key] = used + 1


def _treat_line(
    line: PricedLine, spec: ScenarioSpec, terms: PlanTerms
) -> tuple[Treatment, Adjustment | None]:
    if line.bundled:
        return Treatment.BUNDLED, None
    if not spec.insurance_pays:
        return _uncovered(line, "coverage_unverified", WHY_UNVERIFIED)
    if line.timed and line.units == 0:
        return _uncovered(line, "zero_units", WHY_TOO_SHORT)
    status = line.status
    if status is CoverageStatus.COVERED:
        return Treatment.COVERED, None
    if status is CoverageStatus.NOT_COVERED:
        if line.denial is not None:
            return _denied(line, line.denial, terms)
        why = WHY_PLAN_EXCLUDES if line.has_rule else WHY_NO_RULE
        return _uncovered(line, "not_covered", why)
    assumed = PRIOR_AUTH_ASSUMED if status is CoverageStatus.PRIOR_AUTH else UNCONFIRMED_ASSUMED
    code = "prior_auth" if status is CoverageStatus.PRIOR_AUTH else "coverage_unknown"
    if spec.uncertain_covered:
        msg = assumed % {"name_line": line.name}
        return Treatment.COVERED, Adjustment(f"{code}_assumed_covered", msg, line.charge)
    worst = WHY_PRIOR_AUTH_REFUSED if status is CoverageStatus.PRIOR_AUTH else WHY_UNKNOWN_REFUSED
    return _uncovered(line, f"{code}_assumed_not_covered", worst)


# Translators: the reasons below complete "<service> is not covered because …; you pay for it."
WHY_UNVERIFIED = gettext_noop("insurance is not verified")
WHY_TOO_SHORT = gettext_noop("it is too short to bill a 15-minute unit")
WHY_PLAN_EXCLUDES = gettext_noop("your plan does not cover it")
WHY_NO_RULE = gettext_noop("no coverage rule is on file and it is usually not covered")
WHY_PRIOR_AUTH_REFUSED = gettext_noop(
    "it needs prior authorization and this scenario assumes it is not given"
)
WHY_UNKNOWN_REFUSED = gettext_noop(
    "its coverage is not confirmed and this scenario assumes the plan refuses it"
)
WHY_BUNDLED_OUT_OF_NETWORK = gettext_noop(
    "your plan treats it as part of another service (bundled) and out of network the clinic "
    "has no contract to write it off"
)
WHY_INVESTIGATIONAL = gettext_noop(
    "your plan considers it experimental or investigational; the clinic may bill you only if "
    "you sign a waiver before the service"
)
WHY_STATUTORY = gettext_noop("Medicare never pays for it (excluded by law); no ABN is needed")
WHY_ABN = gettext_noop(
    "Medicare is expected to deny it; the clinic may charge you only if you sign an Advance "
    "Beneficiary Notice (ABN, form CMS-R-131) before the service"
)
NOT_COVERED = gettext_noop("%(name_line)s is not covered because %(clause_why)s; you pay for it.")
PRIOR_AUTH_ASSUMED = gettext_noop(
    "%(name_line)s needs prior authorization; this scenario assumes it is covered."
)
UNCONFIRMED_ASSUMED = gettext_noop(
    "%(name_line)s has coverage that is not confirmed; this scenario assumes it is covered."
)
DENIED_BUNDLED = gettext_noop(
    "Your plan treats %(name_line)s as part of another service (bundled) and does not pay for "
    "it; in network the clinic writes it off and does not bill you."
)
ANNUAL_MAXIMUM_USED = gettext_noop(
    "The plan's %(money_annual_max)s annual maximum is used up: it pays nothing for "
    "%(name_line)s, and you pay its share of the allowed amount as well as your own."
)


def _denied(line: PricedLine, denial: Denial, terms: PlanTerms) -> tuple[Treatment, Adjustment]:
    """A denial whose kind decides who may be billed (see Denial)."""
    name = line.name
    if denial is Denial.BUNDLED and terms.network is Network.IN:
        msg = DENIED_BUNDLED % {"name_line": name}
        return Treatment.WRITTEN_OFF, Adjustment("denied_bundled", msg, line.charge)
    if denial is Denial.BUNDLED:
        return _uncovered(line, "denied_bundled_out_of_network", WHY_BUNDLED_OUT_OF_NETWORK)
    if denial is Denial.INVESTIGATIONAL:
        return _uncovered(line, "denied_investigational", WHY_INVESTIGATIONAL)
    if denial is Denial.STATUTORY:
        return _uncovered(line, "statutorily_excluded", WHY_STATUTORY)
    return _uncovered(line, "abn_required", WHY_ABN)


def _uncovered(line: PricedLine, code: str, why: str) -> tuple[Treatment, Adjustment]:
    msg = NOT_COVERED % {"name_line": line.name, "clause_why": why}
    return Treatment.NOT_COVERED, Adjustment(code, msg, line.charge)


def annual_maximum_used(line: PricedLine, terms: PlanTerms, ledger: Ledger) -> Adjustment | None:
    """The reason a covered line is not covered when the annual maximum is already used up."""
    if terms.annual_max is None or ledger.annual_used < terms.annual_max:
        return None
    money = format_money(terms.annual_max, terms.currency)
    msg = ANNUAL_MAXIMUM_USED % {"money_annual_max": money, "name_line": line.name}
    return Adjustment("annual_maximum_used", msg, line.charge)
