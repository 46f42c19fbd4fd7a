"""Every sentence the engine writes comes from a registered template and parses back to it.

This is what lets a page say a stored estimate's English in Spanish or French: if a sentence
fitted no template it would stay English. The corpus below reaches every template; the
property test runs the plans of test_properties through the same check.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from builders import catalog, insured, item, package, plan, rule, standing, terms
from hypothesis import given
from test_properties import SETTINGS, catalogs, coverages, requests

from estimator.pricing import (
    AllowedAmount,
    AllowedKind,
    CodeSetLimit,
    CopayDesign,
    CoverageRule,
    CoverageStatus,
    Denial,
    Estimate,
    Insured,
    Network,
    PackageDef,
    PlanKind,
    PricingError,
    SelfPay,
    SelfPayDiscount,
    Standing,
    UnitRule,
    Unverified,
    estimate_plan,
    validate_plan,
)
from estimator.pricing.notes import PLAN_RULE_NOTE
from estimator.pricing.phrases import (
    KINDS,
    PLACEHOLDER,
    compile_template,
    matches,
    parse,
    placeholders,
    templates,
)
from estimator.pricing.validate import DURATION_NOT_OFFERED, LABELS

CLAUSE_EXAMPLE = "a set fee"
EXAMPLES = {
    "money": "$1,234.50",
    "date": "2026-12-02",
    "percent": "12.5%",
    "count": "3",
    "code": "97811",
}


def example_params(template: str) -> dict[str, str]:
    """A value of the right kind for each placeholder; names differ, and carry punctuation."""
    params = {}
    for k, name in enumerate(placeholders(template)):
        kind = name.split("_", 1)[0]
        if kind == "name":
            params[name] = f"Dry needling, {k + 3}+ muscles (30 min)"
        elif kind == "clause":
            params[name] = CLAUSE_EXAMPLE
        else:
            params[name] = EXAMPLES[kind]
    return params


def sentences(est: Estimate) -> list[str]:
    """Every sentence of an estimate a patient may read."""
    found = list(est.assumptions) + [w.message for w in est.warnings]
    for scenario in (est.primary, est.best):
        if scenario is None:
            continue
        found += scenario.assumptions
        found += [
            a.message for s in scenario.sessions for line in s.lines for a in line.adjustments
        ]
    return found


def used_templates(sentence: str) -> set[str]:
    """The template a sentence was written from and those of its clauses."""
    found = parse(sentence)
    assert found is not None, f"no template fits: {sentence!r}"
    template, params = found
    used = {template}
    for name, value in params.items():
        if name.startswith("clause_"):
            used |= used_templates(value)
    return used


def assert_said_by_one_template(sentence: str) -> set[str]:
    """It parses, renders back to itself, and no other template fits as well."""
    fits = matches(sentence)
    assert fits, f"no template fits: {sentence!r}"
    template, params = fits[0]
    assert template % params == sentence
    literal = compile_template(template).literal
    rivals = [t for t, _ in fits[1:] if compile_template(t).literal == literal]
    assert not rivals, (sentence, template, rivals)
    return used_templates(sentence)


# ---- the templates themselves ----------------------------------------------------------------


def test_templates_are_registered_once_estimator_pricing_is_imported():
    assert len(templates()) > 100
    assert "The plan pays %(money_plan_pays)s." in templates()


@pytest.mark.parametrize("template", templates())
def test_each_template_uses_known_kinds_and_no_bare_percent(template):
    kinds = {m.group("kind") for m in PLACEHOLDER.finditer(template)}
    assert kinds <= set(KINDS), template
    assert "%" not in PLACEHOLDER.sub("", template)


@pytest.mark.parametrize("template", templates())
def test_each_template_renders_and_parses_back_to_its_params(template):
    params = example_params(template)
    sentence = template % params
    assert parse(sentence) == (template, params)


# The only templates general enough to fit another's sentence: the clinic's note after a
# code's name ("Name: note"), and the list of durations offered (which "none" also fits).
GENERAL = {PLAN_RULE_NOTE, DURATION_NOT_OFFERED}


@pytest.mark.parametrize("template", templates())
def test_no_other_template_fits_a_templates_example_but_the_two_general_ones(template):
    sentence = template % example_params(template)
    others = {t for t, _ in matches(sentence)} - {template}
    assert others <= GENERAL
    # ... and those have less literal text, so the sentence's own template wins.
    assert_said_by_one_template(sentence)


def test_labels_are_the_words_the_field_names_make():
    for key, label in LABELS.items():
        assert label == key.replace("_", " ").capitalize()


# ---- what the engine writes --------------------------------------------------------------------

START = date(2026, 11, 2)
NCD = CodeSetLimit(
    "acupuncture",
    "acupuncture",
    frozenset({"97810", "97811", "97813", "97814"}),
    max_visits=20,
    certain_visits=12,
)


def _medicare(**changes):
    base = {
        "kind": PlanKind.MEDICARE,
        "deductible": D("283.00"),
        "oop_max": None,
        "rules": {
            ("service", "ACU"): CoverageRule(
                CoverageStatus.COVERED, AllowedAmount(AllowedKind.FIXED, D("37.03"), D("28.47"))
            ),
            ("service", "DN"): CoverageRule(
                CoverageStatus.NOT_COVERED, None, "", Denial.ABN_REQUIRED
            ),
            ("service", "DN3"): CoverageRule(
                CoverageStatus.NOT_COVERED, None, "", Denial.STATUTORY
            ),
            ("addon", "ESTIM"): rule(fixed="12.04"),
            ("addon", "MANUAL"): rule(fixed="28.00"),
            ("addon", "ESTIM_ATT"): rule(fixed="18.00"),
        },
        "code_set_limits": (NCD,),
        "therapy_kx_threshold": D("100.00"),
        "therapy_review_threshold": D("200.00"),
        "mppr_percent": D("50"),
    }
    return terms(**{**base, **changes})


def _commercial_rules(status, denial=None, note=""):
    return {
        ("service", "DN"): CoverageRule(
            CoverageStatus.COVERED, AllowedAmount(AllowedKind.FIXED, D("70.00")), note
        ),
        ("service", "ACU"): CoverageRule(
            CoverageStatus.COVERED, AllowedAmount(AllowedKind.PERCENT, D("80"))
        ),
        ("service", "EVAL"): CoverageRule(CoverageStatus.COVERED),
        ("addon", "ESTIM"): CoverageRule(status, None, "", denial),
        ("addon", "MANUAL"): CoverageRule(
            CoverageStatus.COVERED, AllowedAmount(AllowedKind.FIXED, D("30.00"))
        ),
        ("addon", "HOTPACK"): CoverageRule(CoverageStatus.NOT_COVERED),
    }


def _plans():
    per_week = (1, 3)
    return [
        plan(item("DN", 30, 3, "ESTIM", "HOTPACK", "ESTIM_ATT"), per_week=w, start=START)
        for w in per_week
    ] + [
        plan(item("ACU", 30, 14, "ESTIM", "MANUAL"), item("EVAL", 45, 1), start=START),
        plan(item("ACU", 15, 2, "MANUAL"), item("DN3", 30, 1, "ESTIM"), per_week=2),
        plan(item("DN", 15, 25, "MANUAL", "ESTIM"), per_week=7, start=date(2026, 12, 20)),
    ]


def _coverages():
    found = [SelfPay()]
    statuses = list(CoverageStatus)
    standings = [
        Standing(),
        standing(deductible_met="480.00", oop_met="1990.00", visits_used=10, annual_max_used="0"),
        standing(
            deductible_met="500.00",
            oop_met="2000.00",
            annual_max_used="1000.00",
            as_of=date(2026, 6, 1),
        ),
    ]
    for status, denial, network, design, st in itertools.product(
        statuses, [None, *Denial], list(Network), list(CopayDesign), standings
    ):
        if denial is not None and status is not CoverageStatus.NOT_COVERED:
            continue
        base = terms(
            network=network,
            copay=D("25.00"),
            copay_design=design,
            rules=_commercial_rules(status, denial, note="only for chronic pain"),
            visit_limit=12,
            per_visit_max=D("60.00"),
            annual_max=D("1000.00"),
            coinsurance_percent=D("20"),
            benefit_year_start=(1, 1),
        )
        found.append(Insured(base, st))
    for network in Network:
        found.append(
            Unverified(
                terms(network=network, rules=_commercial_rules(CoverageStatus.PRIOR_AUTH)),
                Standing(),
            )
        )
    medicare_standings = [
        standing(deductible_met="283.00", limit_visits_used={"acupuncture": 9}),
        standing(deductible_met="283.00", limit_visits_used={"acupuncture": 19}),
        standing(deductible_met="0", therapy_spend="150.00"),
    ]
    for network, st in itertools.product(list(Network), medicare_standings):
        found.append(Insured(_medicare(network=network), st))
    found.append(SelfPay(_medicare()))
    # Unit rules and an allowed amount that is not on file.
    found.append(insured(Standing(), unit_rule=UnitRule.EIGHT_MINUTE, rules={}))
    found.append(
        insured(
            Standing(),
            rules={("service", "ACU"): CoverageRule(CoverageStatus.COVERED)},
            oop_max=D("50.00"),
        )
    )
    return found


def _catalogs():
    base = catalog()
    acu = replace(base.services["ACU"], contact_minutes={30: 20})
    return [
        base,
        catalog(
            self_pay_discount=SelfPayDiscount(D("10"), True),
            packages=(PackageDef("DN6", "Six needling sessions", "DN", 6, D("200.00"), 60, 30),),
            services={**base.services, "ACU": acu},
        ),
    ]


def engine_corpus() -> list[str]:
    found: list[str] = []
    for req, cat, cover in itertools.product(_plans(), _catalogs(), _coverages()):
        found += sentences(estimate_plan(req, cat, cover))
    # The flipped range: covering the uncertain service costs more (deductible, out of network).
    flipped = insured(
        Standing(),
        network=Network.OUT,
        deductible=D("1000.00"),
        rules={
            ("service", "DN"): CoverageRule(
                CoverageStatus.PRIOR_AUTH, AllowedAmount(AllowedKind.FIXED, D("10.00"))
            )
        },
    )
    found += sentences(estimate_plan(plan(item("DN", 30, 1)), catalog(), flipped))
    # A timed code under 8 minutes of contact, and coinsurance the out-of-pocket cap stops.
    short = catalog(
        services={
            **catalog().services,
            "ACU": replace(catalog().services["ACU"], contact_minutes={15: 5}),
        }
    )
    for cover in (SelfPay(), insured(Standing(), rules={("service", "ACU"): rule(fixed="40.00")})):
        found += sentences(estimate_plan(plan(item("ACU", 15, 1)), short, cover))
    capped = insured(Standing(), deductible=D("0"), oop_max=D("10.00"))
    found += sentences(estimate_plan(plan(item("DN", 30, 1)), catalog(), capped))
    # A package that exactly fits.
    found += sentences(
        estimate_plan(
            plan(item("ACU", 15, 6)),
            catalog(
                packages=(package(service_code="ACU", duration_minutes=15, price=D("100.00")),)
            ),
            SelfPay(),
        )
    )
    return found


def error_corpus() -> list[str]:
    """One plan per kind of rejection: validate_plan lists every problem."""
    base = catalog()
    bad_terms = terms(
        deductible=D("-1.00"),
        copay=D("1.001"),
        oop_max=D("-1.00"),
        per_visit_max=D("-1.00"),
        annual_max=D("0.001"),
        coinsurance_percent=D("150"),
        reimbursement_percent=D("-1"),
        benefit_year_start=(2, 30),
        visit_limit=-1,
        code_set_limits=(CodeSetLimit("acu", "acupuncture", frozenset(), 2),),
        rules={("service", "DN"): rule(fixed="-5.00")},
    )
    bad_standing = Standing(
        deductible_met=D("-1.00"),
        oop_met=D("-3.00"),
        visits_used=-1,
        annual_max_used=D("-1.00"),
        limit_visits_used={"acu": -2},
        therapy_spend=D("-1.00"),
    )
    problems: list[PricingError] = []
    problems += validate_plan(
        plan(
            item("NOPE", 30, 0),
            item("DN", 45, 1, "ESTIM", "ESTIM", "ZAP"),
            item("EVAL", 45, 1, "HOTPACK"),
            item("DN", 30, 101, "MANUAL", "ESTIM_ATT", "ESTIM"),
            per_week=9,
        ),
        replace(
            base,
            packages=(package(sessions=0, price=D("-1.00")),),
            self_pay_discount=SelfPayDiscount(D("101"), False),
            services={**base.services, "DN3": replace(base.services["DN3"], prices={})},
            max_session_minutes=60,
        ),
        Insured(bad_terms, bad_standing),
    )
    problems += validate_plan(
        plan(item("DN3", 15, 1)),
        replace(base, services={**base.services, "DN3": replace(base.services["DN3"], prices={})}),
        SelfPay(),
    )
    problems += validate_plan(plan(), replace(base, currency="EUR"), SelfPay())
    problems += validate_plan(plan(), base, insured(currency="CAD"))
    for cat in (
        catalog(services={**base.services, "DN": replace(base.services["DN"], prices={30: ()})}),
        catalog(
            services={
                **base.services,
                "DN": replace(
                    base.services["DN"],
                    prices={30: (replace(base.services["DN"].prices[30][0], amount=D("1.001")),)},
                ),
            }
        ),
    ):
        with pytest.raises(PricingError) as caught:
            estimate_plan(plan(), cat, SelfPay())
        problems.append(caught.value)
    return [p.message for p in problems]


def test_every_engine_sentence_fits_exactly_one_template_and_every_template_is_reached():
    said = engine_corpus() + error_corpus()
    reached: set[str] = set()
    for sentence in dict.fromkeys(said):
        reached |= assert_said_by_one_template(sentence)
    unused = [t for t in templates() if t not in reached]
    assert unused == [], "\n".join(unused)


@SETTINGS
@given(requests, catalogs, coverages)
def test_any_plan_the_engine_prices_says_only_registered_sentences(req, cat, cover):
    for sentence in sentences(estimate_plan(req, cat, cover)):
        assert_said_by_one_template(sentence)
