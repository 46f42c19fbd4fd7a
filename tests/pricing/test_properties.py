"""Invariants that must hold for any plan, catalog and coverage the engine accepts."""

import os
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

from builders import catalog, package
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.pricing import (
    AllowedAmount,
    AllowedKind,
    CopayDesign,
    CoverageRule,
    CoverageStatus,
    Denial,
    Insured,
    Network,
    PlanItem,
    PlanKind,
    PlanRequest,
    PlanTerms,
    SelfPay,
    SelfPayDiscount,
    Standing,
    Totals,
    UnitRule,
    Unverified,
    benefit_year_start,
    estimate_plan,
)
from tests.conftest import property_examples

MONEY_FIELDS = Totals.__slots__
SERVICES = [("DN", 15), ("DN", 30), ("DN3", 30), ("ACU", 15), ("ACU", 30), ("EVAL", 45)]
ADDONS = ["ESTIM", "ESTIM_ATT", "MANUAL", "HOTPACK"]
RULE_KEYS = [("service", c) for c in ("DN", "DN3", "ACU", "EVAL")] + [("addon", a) for a in ADDONS]

money = st.integers(0, 300_000).map(lambda cents: D(cents).scaleb(-2))
small_money = st.integers(0, 20_000).map(lambda cents: D(cents).scaleb(-2))
percent = st.integers(0, 1000).map(lambda tenths: D(tenths).scaleb(-1))


@st.composite
def items(draw):
    code, minutes = draw(st.sampled_from(SERVICES))
    addons = () if code == "EVAL" else tuple(draw(st.lists(st.sampled_from(ADDONS), unique=True)))
    return PlanItem(code, minutes, draw(st.integers(1, 6)), addons)


requests = st.builds(
    PlanRequest,
    items=st.lists(items(), min_size=1, max_size=3).map(tuple),
    sessions_per_week=st.integers(1, 7),
    start_date=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)

allowed = st.one_of(
    st.none(),
    st.builds(AllowedAmount, st.just(AllowedKind.FIXED), small_money, st.none() | small_money),
    st.builds(AllowedAmount, st.just(AllowedKind.PERCENT), percent),
)
rules = st.dictionaries(
    st.sampled_from(RULE_KEYS),
    st.builds(
        CoverageRule,
        st.sampled_from(CoverageStatus),
        allowed,
        st.just(""),
        st.none() | st.sampled_from(Denial),
    ),
)
plan_terms = st.builds(
    PlanTerms,
    kind=st.sampled_from(PlanKind),
    network=st.sampled_from(Network),
    currency=st.just("USD"),
    deductible=money,
    coinsurance_percent=percent,
    copay=st.none() | small_money,
    copay_design=st.sampled_from(CopayDesign),
    oop_max=st.none() | money,
    benefit_year_start=st.tuples(st.integers(1, 12), st.integers(1, 31)).filter(
        lambda md: md[1] <= 29 or md[0] not in (2, 4, 6, 9, 11)
    ),
    visit_limit=st.none() | st.integers(0, 30),
    per_visit_max=st.none() | small_money,
    annual_max=st.none() | money,
    reimbursement_percent=st.none() | percent,
    unit_rule=st.none() | st.sampled_from(UnitRule),
    rules=rules,
    mppr_percent=st.none() | percent,
)
standings = st.builds(
    Standing,
    deductible_met=money,
    oop_met=money,
    visits_used=st.integers(0, 30),
    annual_max_used=money,
    as_of=st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)
coverages = st.one_of(
    st.just(SelfPay()),
    st.builds(Insured, plan_terms, standings),
    st.builds(Unverified, plan_terms, standings),
)
catalogs = st.builds(
    lambda pct, flag, price, days: catalog(
        self_pay_discount=SelfPayDiscount(pct, flag),
        packages=(
            package(price=price, valid_days=days),
            package(code="DN4", sessions=4, duration_minutes=None),
        ),
    ),
    percent.filter(lambda p: p <= 50),
    st.booleans(),
    st.integers(20_000, 60_000).map(lambda c: D(c).scaleb(-2)),
    st.integers(7, 90),
)

# PROPERTY_MAX_EXAMPLES=2000 for a deeper run than CI can afford; HYPOTHESIS_PROFILE=fuzz
# (make fuzz) runs 10 times CI's examples.
SETTINGS = settings(
    max_examples=int(os.environ.get("PROPERTY_MAX_EXAMPLES", property_examples(150))),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def scenarios(est):
    return [est.primary] + ([est.best] if est.best is not None else [])


def all_lines(est):
    return [line for sc in scenarios(est) for session in sc.sessions for line in session.lines]


@SETTINGS
@given(requests, catalogs, coverages)
def test_every_line_balances_is_never_negative_and_never_exceeds_the_charge(req, cat, cover):
    est = estimate_plan(req, cat, cover)
    for scenario in scenarios(est):
        for session in scenario.sessions:
            for line in session.lines:
                assert line.patient_pays + line.plan_pays + line.written_off == (
                    line.charge - line.discount
                )
                assert all(getattr(line, f) >= 0 for f in MONEY_FIELDS), line
                assert all(a.amount >= 0 for a in line.adjustments)
                assert line.patient_pays <= line.charge
                assert line.above_allowed == line.written_off + line.balance_billed
        totals = scenario.totals
        assert totals.patient_pays + totals.plan_pays + totals.written_off == (
            totals.charge - totals.discount
        )
        for name in MONEY_FIELDS:
            assert getattr(totals, name) == sum(
                (getattr(ln, name) for s in scenario.sessions for ln in s.lines), D(0)
            )


@SETTINGS
@given(requests, catalogs, st.builds(Insured, plan_terms, standings))
def test_patient_out_of_pocket_in_a_benefit_year_never_exceeds_the_maximum(req, cat, cover):
    est = estimate_plan(req, cat, cover)
    cap = cover.terms.oop_max
    if cap is None:
        return
    for scenario in scenarios(est):
        by_year: dict[date | None, D] = {}
        for session in scenario.sessions:
            share = sum((ln.copay + ln.deductible + ln.coinsurance for ln in session.lines), D(0))
            by_year[session.benefit_year_start] = (
                by_year.get(session.benefit_year_start, D(0)) + share
            )
        on = cover.standing.as_of or scenario.sessions[0].on
        standing_year = benefit_year_start(on, *cover.terms.benefit_year_start)
        for year, spent in by_year.items():
            already = cover.standing.oop_met if year == standing_year else D(0)
            assert spent <= max(D(0), cap - already)


@SETTINGS
@given(requests, catalogs, coverages)
def test_adding_a_session_never_lowers_the_totals(req, cat, cover):
    last = req.items[-1]
    longer = replace(req, items=(*req.items[:-1], replace(last, sessions=last.sessions + 1)))
    before, after = estimate_plan(req, cat, cover), estimate_plan(longer, cat, cover)
    pairs = [(before.primary, after.primary)]
    if before.best is not None and after.best is not None:
        pairs.append((before.best, after.best))
    for old, new in pairs:
        assert new.totals.patient_pays >= old.totals.patient_pays
        assert new.totals.charge >= old.totals.charge


@SETTINGS
@given(requests, catalogs, coverages)
def test_best_case_never_costs_more_than_the_primary(req, cat, cover):
    est = estimate_plan(req, cat, cover)
    if est.best is not None:
        assert est.best.totals.patient_pays <= est.primary.totals.patient_pays
    else:
        assert isinstance(cover, (SelfPay, Insured))


@SETTINGS
@given(requests, catalogs, coverages)
def test_same_input_gives_the_same_estimate(req, cat, cover):
    first, second = estimate_plan(req, cat, cover), estimate_plan(req, cat, cover)
    assert first == second
    assert first.to_dict() == second.to_dict()


MONEY_IN_TEXT = re.compile(r"(?:CA)?\$(\d[\d,]*\.\d\d)")
# Sentences that open with their line's figure: adjustment code -> line field.
LEADS_WITH = {
    "copay": "copay",
    "deductible": "deductible",
    "coinsurance": "coinsurance",
    "plan_pays": "plan_pays",
    "allowed_amount": "allowed",
    "written_off": "written_off",
    "balance_billed": "balance_billed",
    "self_pay_discount": "discount",
}
COST_SHARE = ("copay", "deductible", "coinsurance")


def amounts(text):
    return [D(x.replace(",", "")) for x in MONEY_IN_TEXT.findall(text)]


@SETTINGS
@given(requests, catalogs, coverages)
def test_every_amount_a_sentence_states_is_the_lines_figure(req, cat, cover):
    est = estimate_plan(req, cat, cover)
    for line in all_lines(est):
        said = {}
        for adj in line.adjustments:
            found = amounts(adj.message)
            if adj.code in LEADS_WITH:
                assert found, adj
                field = LEADS_WITH[adj.code]
                assert found[0] == adj.amount == getattr(line, field), (adj, line)
                said[adj.code] = adj.amount
            if adj.code == "deductible":
                assert found[1] >= adj.amount  # what was left covers what is paid
            if adj.code == "oop_max_reached":
                assert found[0] == adj.amount
            if adj.code == "benefit_maximum":
                assert found[-1] == adj.amount == line.uncovered
        # Every part of the patient's cost share is said, and nothing else is.
        for code in COST_SHARE:
            assert said.get(code, D(0)) == getattr(line, code), (code, line)
        assert said.get("plan_pays", D(0)) == line.plan_pays


@SETTINGS
@given(requests, catalogs, plan_terms, standings, st.integers(1, 300_000))
def test_one_cent_of_annual_maximum_moves_the_patients_share_by_at_most_a_cent(
    req, cat, terms, standing, max_cents
):
    # One session, so the cent of room is used (or not) on it alone.
    req = replace(req, items=(replace(req.items[0], sessions=1),))
    annual_max = D(max_cents).scaleb(-2)
    terms = replace(terms, annual_max=annual_max)
    room = Insured(terms, replace(standing, annual_max_used=annual_max - D("0.01")))
    none = Insured(terms, replace(standing, annual_max_used=annual_max))
    with_cent, without = estimate_plan(req, cat, room), estimate_plan(req, cat, none)
    for a, b in [(with_cent.primary, without.primary)] + (
        [(with_cent.best, without.best)] if with_cent.best and without.best else []
    ):
        assert D(0) <= b.totals.patient_pays - a.totals.patient_pays <= D("0.01")
