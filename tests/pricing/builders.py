"""Small builders for engine inputs: a starter catalog, plans and plan terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from estimator.pricing import (
    AddonDef,
    AllowedAmount,
    AllowedKind,
    Basis,
    CatalogSnapshot,
    CoverageRule,
    CoverageStatus,
    Estimate,
    Insured,
    Line,
    Network,
    PackageDef,
    PlanItem,
    PlanKind,
    PlanRequest,
    PlanTerms,
    PricePeriod,
    ServiceDef,
    Standing,
)

START = date(2026, 3, 2)  # a Monday
NEEDLING = frozenset({"DN", "DN3", "ACU"})


def prices(amount: str, since: date = date(2020, 1, 1), until: date | None = None):
    return (PricePeriod(since, until, D(amount)),)


def catalog(**changes: Any) -> CatalogSnapshot:
    """A US clinic: assessment, dry needling, acupuncture; e-stim, manual therapy, hot pack."""
    base = CatalogSnapshot(
        currency="USD",
        services={
            "EVAL": ServiceDef(
                "EVAL", "Initial assessment", "97161", {45: prices("120.00")}, usually_covered=True
            ),
            "DN": ServiceDef(
                "DN", "Dry needling", "20560", {15: prices("61.00"), 30: prices("90.00")}
            ),
            "DN3": ServiceDef("DN3", "Dry needling, 3+ muscles", "20561", {30: prices("100.00")}),
            "ACU": ServiceDef(
                "ACU",
                "Acupuncture",
                "97810",
                {15: prices("70.00"), 30: prices("110.00")},
                basis=Basis.UNIT,
                additional_unit_code="97811",
            ),
        },
        addons={
            "ESTIM": AddonDef(
                "ESTIM",
                "E-stim, unattended",
                "97014",
                prices("20.00"),
                NEEDLING,
                minutes=10,
                usually_covered=True,
                medicare_billing_code="G0283",
            ),
            "ESTIM_ATT": AddonDef(
                "ESTIM_ATT",
                "E-stim, attended",
                "97032",
                prices("30.00"),
                NEEDLING,
                basis=Basis.UNIT,
                minutes=22,
                usually_covered=True,
            ),
            "MANUAL": AddonDef(
                "MANUAL",
                "Manual therapy",
                "97140",
                prices("35.00"),
                NEEDLING,
                basis=Basis.UNIT,
                minutes=22,
                usually_covered=True,
            ),
            "HOTPACK": AddonDef(
                "HOTPACK",
                "Hot pack",
                "97010",
                prices("15.00"),
                NEEDLING,
                minutes=5,
                medicare_bundled=True,
            ),
        },
        packages=(PackageDef("DN6", "Six needling sessions", "DN", 6, D("450.00"), 60, 30),),
        max_session_minutes=90,
    )
    return replace(base, **changes)


def with_service_prices(cat: CatalogSnapshot, code: str, minutes: int, periods) -> CatalogSnapshot:
    service = cat.services[code]
    new = replace(service, prices={**service.prices, minutes: periods})
    return replace(cat, services={**cat.services, code: new})


def package(**changes: Any) -> PackageDef:
    return replace(catalog().packages[0], **changes)


def item(code: str = "DN", minutes: int = 30, sessions: int = 1, *addons: str) -> PlanItem:
    return PlanItem(code, minutes, sessions, tuple(addons))


def plan(*items: PlanItem, per_week: int = 1, start: date = START) -> PlanRequest:
    return PlanRequest(tuple(items) or (item(),), per_week, start)


def rule(status: str = "covered", fixed: str | None = None, percent: str | None = None):
    allowed = None
    if fixed is not None:
        allowed = AllowedAmount(AllowedKind.FIXED, D(fixed))
    elif percent is not None:
        allowed = AllowedAmount(AllowedKind.PERCENT, D(percent))
    return CoverageRule(CoverageStatus(status), allowed)


def terms(**changes: Any) -> PlanTerms:
    """Commercial, in network: $500 deductible, 20% coinsurance, $2,000 out-of-pocket maximum."""
    base = PlanTerms(
        kind=PlanKind.COMMERCIAL,
        network=Network.IN,
        currency="USD",
        deductible=D("500.00"),
        coinsurance_percent=D("20"),
        oop_max=D("2000.00"),
        rules={
            ("service", "DN"): rule(fixed="70.00"),
            ("addon", "ESTIM"): rule(fixed="15.00"),
        },
    )
    return replace(base, **changes)


def standing(**changes: Any) -> Standing:
    return Standing(**{k: (D(v) if isinstance(v, str) else v) for k, v in changes.items()})


def insured(standing_: Standing | None = None, **term_changes: Any) -> Insured:
    return Insured(terms(**term_changes), standing_ or Standing())


def met() -> Standing:
    """The $500 deductible already met."""
    return standing(deductible_met="500.00")


def day(n: int) -> date:
    return START + timedelta(days=n)


def lines(estimate: Estimate, best: bool = False) -> list[Line]:
    scenario = estimate.best if best else estimate.primary
    assert scenario is not None
    return [line for session in scenario.sessions for line in session.lines]


def line(estimate: Estimate, session: int = 1, code: str = "DN", best: bool = False) -> Line:
    scenario = estimate.best if best else estimate.primary
    assert scenario is not None
    found = [ln for ln in scenario.sessions[session - 1].lines if ln.code == code]
    assert len(found) == 1, found
    return found[0]


def session_patient(estimate: Estimate, best: bool = False) -> list[D]:
    scenario = estimate.best if best else estimate.primary
    assert scenario is not None
    return [s.totals.patient_pays for s in scenario.sessions]


def codes(line_: Line) -> list[str]:
    return [a.code for a in line_.adjustments]
