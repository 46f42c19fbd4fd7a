"""The entry point: validate, schedule, price each scenario session by session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from operator import attrgetter

from . import notes
from .catalog import PricedLine, PricedSession, price_sessions
from .ledger import Ledger, Visit
from .medicare import apply_medicare_claim_rules
from .money import ZERO, Rounder, percent_of, rounder_for
from .packages import Candidate, PackagePlan, choose_packages
from .policy import EXPECTED, ScenarioSpec, annual_maximum_used, scenario_specs, treat_session
from .rules import (
    BUNDLED_RULES,
    COVERED_RULES,
    NOT_COVERED_RULES,
    PACKAGE_RULES,
    SELF_PAY_RULES,
    WRITTEN_OFF_RULES,
    Context,
    Draft,
    Rule,
)
from .schedule import benefit_year_start, build_schedule, standing_year
from .types import (
    Adjustment,
    CatalogSnapshot,
    CopayDesign,
    Coverage,
    Estimate,
    EstimateWarning,
    Insured,
    Line,
    LineKind,
    PackagePurchase,
    PlanKind,
    PlanRequest,
    PlanTerms,
    Scenario,
    SelfPay,
    Session,
    Standing,
    Totals,
    Treatment,
)
from .validate import validate_plan

RULES_BY_TREATMENT: dict[Treatment, tuple[Rule, ...]] = {
    Treatment.SELF_PAY: SELF_PAY_RULES,
    Treatment.PACKAGE: PACKAGE_RULES,
    Treatment.NOT_COVERED: NOT_COVERED_RULES,
    Treatment.BUNDLED: BUNDLED_RULES,
    Treatment.COVERED: COVERED_RULES,
    Treatment.WRITTEN_OFF: WRITTEN_OFF_RULES,
}
# One C-level call fetches every money figure of a line or totals, in Totals' field order.
_money_fields = attrgetter(*Totals.__slots__)


def estimate_plan(request: PlanRequest, catalog: CatalogSnapshot, coverage: Coverage) -> Estimate:
    """Price a treatment plan; raises the first PricingError found (see validate_plan for all)."""
    problems = validate_plan(request, catalog, coverage)
    if problems:
        raise problems[0]
    terms = None if isinstance(coverage, SelfPay) else coverage.terms
    priced = price_sessions(build_schedule(request), catalog, terms)
    primary_spec, best_spec = scenario_specs(coverage, priced)
    warnings = notes.line_warnings(priced, coverage)
    primary = _run(primary_spec, priced, catalog, coverage, warnings)
    best = None
    if best_spec is not None:
        primary, best = _order(primary, _run(best_spec, priced, catalog, coverage, warnings))
        if isinstance(coverage, Insured) and best.sessions == primary.sessions:
            # Nothing uncertain was reached (say 12 acupuncture visits never passed): one figure.
            primary, best = (
                replace(primary, name=EXPECTED.name, assumptions=(EXPECTED.assumption,)),
                None,
            )
    reasons = {
        a.code
        for scenario in (primary, best)
        if scenario is not None
        for s in scenario.sessions
        for line in s.lines
        for a in line.adjustments
    }
    abn, waiver = "abn_required" in reasons, "denied_investigational" in reasons
    warnings.extend(notes.consent_warnings(abn=abn, waiver=waiver))
    return Estimate(
        currency=catalog.currency,
        coverage=notes.coverage_name(coverage),
        schedule=tuple(s.slot.on for s in priced),
        primary=primary,
        best=best,
        assumptions=notes.assumptions(request, catalog, coverage),
        warnings=tuple(dict.fromkeys(warnings)),
        abn_required=abn,
        waiver_required=waiver,
    )


def _order(worst: Scenario, best: Scenario) -> tuple[Scenario, Scenario]:
    """Make the primary scenario the dearer one, so the dependable price never understates.

    Usually treating uncertain services as not covered is dearer, but cost sharing (an unmet
    deductible, out-of-network billing, a used-up visit limit) can make "covered" cost more.
    """
    if best.totals.patient_pays <= worst.totals.patient_pays:
        return worst, best
    flipped = (notes.FLIPPED_RANGE,)
    return (
        replace(best, name=worst.name, assumptions=best.assumptions + flipped),
        replace(worst, name=best.name, assumptions=worst.assumptions + flipped),
    )


def _run(
    spec: ScenarioSpec,
    priced: Sequence[PricedSession],
    catalog: CatalogSnapshot,
    coverage: Coverage,
    warnings: list[EstimateWarning],
) -> Scenario:
    rounder = rounder_for(catalog.currency)
    if isinstance(coverage, SelfPay):
        return _run_self_pay(spec, priced, catalog, rounder, warnings)
    return _run_insured(spec, priced, catalog, coverage.terms, coverage.standing, warnings)


def _run_self_pay(
    spec: ScenarioSpec,
    priced: Sequence[PricedSession],
    catalog: CatalogSnapshot,
    rounder: Rounder,
    warnings: list[EstimateWarning],
) -> Scenario:
    ctx = Context(
        catalog.currency, rounder, catalog.self_pay_discount, None, Ledger(None, Standing())
    )
    plan = _packages(priced, catalog, rounder)
    warnings.extend(notes.package_warnings(plan.purchases))
    sessions = []
    for session in priced:
        lines = []
        for priced_line in session.lines:
            draft = Draft(priced_line)
            treatment = Treatment.SELF_PAY
            share = plan.shares.get(session.slot.number)
            if share is not None and priced_line.kind is LineKind.SERVICE:
                purchase, amount, position = share
                draft.package_share = (
                    purchase.name,
                    amount,
                    purchase.price,
                    position,
                    purchase.sessions_included,
                )
                treatment = Treatment.PACKAGE
            lines.append(_apply(draft, treatment, ctx))
        sessions.append(_session(session, None, lines))
    return _scenario(spec, sessions, plan.purchases)


def _packages(
    priced: Sequence[PricedSession], catalog: CatalogSnapshot, rounder: Rounder
) -> PackagePlan:
    if not catalog.packages:
        return PackagePlan((), {})
    percent = catalog.self_pay_discount.percent
    candidates = [
        Candidate(
            s.slot.number,
            s.slot.on,
            s.slot.item.service_code,
            s.slot.item.duration_minutes,
            s.lines[0].charge - rounder(percent_of(s.lines[0].charge, percent)),
        )
        for s in priced
    ]
    return choose_packages(candidates, catalog.packages, catalog.currency)


def _run_insured(
    spec: ScenarioSpec,
    priced: Sequence[PricedSession],
    catalog: CatalogSnapshot,
    terms: PlanTerms,
    standing: Standing,
    warnings: list[EstimateWarning],
) -> Scenario:
    month, day = terms.benefit_year_start
    ledger = Ledger(
        benefit_year_start(priced[0].slot.on, month, day),
        standing,
        standing_year(standing, terms, priced[0].slot.on),
    )
    ctx = Context(
        catalog.currency, rounder_for(catalog.currency), catalog.self_pay_discount, terms, ledger
    )
    sessions = []
    for session in priced:
        year = benefit_year_start(session.slot.on, month, day)
        if year != ledger.year_start:
            ledger.reset(year)
            warnings.append(notes.benefit_year_warning(year))
        lines = _insured_session(session, spec, terms, ctx, warnings)
        sessions.append(_session(session, year, lines))
    if terms.kind is PlanKind.MEDICARE:
        marked, medicare_warnings = apply_medicare_claim_rules(
            sessions, terms, standing, ledger.standing_year
        )
        sessions = list(marked)
        warnings.extend(medicare_warnings)
    return _scenario(spec, sessions, ())


def _insured_session(
    session: PricedSession,
    spec: ScenarioSpec,
    terms: PlanTerms,
    ctx: Context,
    warnings: list[EstimateWarning],
) -> list[Line]:
    no_copay = terms.copay_design is CopayDesign.DEDUCTIBLE_THEN_COINSURANCE
    ctx.visit = Visit(None if no_copay else terms.copay)
    decided = treat_session(session, spec, terms, ctx.ledger)
    if terms.visit_limit is not None and any(r and r.code == "visit_limit" for _, r in decided):
        warnings.append(notes.visit_limit_warning(terms.visit_limit))
    if any(r and r.code.startswith("needs_improvement") for _, r in decided):
        warnings.append(notes.NEEDS_IMPROVEMENT)
    if any(r and r.code == "code_set_limit" for _, r in decided):
        warnings.extend(notes.code_set_limit_warnings(terms, ctx.ledger))
    return [
        _price_insured_line(priced_line, treatment, reason, ctx, terms)
        for priced_line, (treatment, reason) in zip(session.lines, decided, strict=True)
    ]


def _price_insured_line(
    priced_line: PricedLine,
    treatment: Treatment,
    reason: Adjustment | None,
    ctx: Context,
    terms: PlanTerms,
) -> Line:
    used_up = None
    if treatment is Treatment.COVERED:
        # Past the annual maximum the line stays covered with the plan paying nothing (its
        # allowed amount and cost sharing still apply), as with one cent of room left: making
        # it "not covered" moved the patient's share by the write-off for a cent of room.
        used_up = annual_maximum_used(priced_line, terms, ctx.ledger)
    draft = Draft(priced_line)
    draft.adjustments.extend(r for r in (reason, used_up) if r is not None)
    return _apply(draft, treatment, ctx)


def _apply(draft: Draft, treatment: Treatment, ctx: Context) -> Line:
    for rule in RULES_BY_TREATMENT[treatment]:
        rule(draft, ctx)
    priced = draft.priced
    status = priced.status.value if priced.status is not None else Treatment.SELF_PAY.value
    return Line(
        kind=priced.kind,
        code=priced.code,
        name=priced.name,
        billing=priced.billing,
        coverage_status=status,
        treatment=treatment,
        charge=draft.charge,
        discount=draft.discount,
        allowed=draft.allowed,
        copay=draft.copay,
        deductible=draft.deductible,
        coinsurance=draft.coinsurance,
        uncovered=draft.uncovered,
        above_allowed=draft.above_allowed,
        balance_billed=draft.balance_billed,
        written_off=draft.written_off,
        plan_pays=draft.plan_pays,
        patient_pays=draft.patient_pays,
        adjustments=tuple(draft.adjustments),
    )


def _session(priced: PricedSession, year: date | None, lines: Sequence[Line]) -> Session:
    slot = priced.slot
    return Session(slot.number, slot.on, slot.item_index, year, tuple(lines), sum_totals(lines))


def _scenario(
    spec: ScenarioSpec, sessions: Sequence[Session], packages: tuple[PackagePurchase, ...]
) -> Scenario:
    totals = sum_totals([s.totals for s in sessions])
    return Scenario(spec.name, (spec.assumption,), tuple(sessions), totals, packages)


def sum_totals(parts: Iterable[Line | Totals]) -> Totals:
    """Field-by-field sums of lines or of other totals."""
    rows = [_money_fields(part) for part in parts]
    if not rows:
        return Totals()
    return Totals(*(sum(column, ZERO) for column in zip(*rows, strict=True)))
