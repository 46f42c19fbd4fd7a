"""Times the pricing engine alone: a 12-session insured plan against a self-pay baseline.

Run: .venv/bin/python bench/bench_engine.py

Machines differ (the same commit measured 0.8 ms per plan on one machine and 3.9 ms on
another), so the engine is also given in units of a fixed pure-Python workload timed in the
same run (REFERENCE: Decimal sums rounded to cents, dicts and tuples, as the engine's work is):
that multiple compares across machines and sessions where microseconds do not.
"""

from __future__ import annotations

import statistics
import sys
import timeit
from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
    Network,
    PackageDef,
    PlanItem,
    PlanKind,
    PlanRequest,
    PlanTerms,
    PricePeriod,
    SelfPay,
    SelfPayDiscount,
    ServiceDef,
    Standing,
    estimate_plan,
)

TARGET_US = 1000.0
REFERENCE_LINES = 200
CENT = D("0.01")


def reference() -> D:
    """A fixed workload shaped like the engine's (not the engine): REFERENCE_LINES lines of
    price x share, each rounded to the cent, kept in dicts and summed. Never change it: its
    only use is as a unit that stays the same across commits."""
    lines: dict[tuple[int, str], D] = {}
    for n in range(REFERENCE_LINES):
        price = D(90 + n % 7) + D(n % 100) / 100
        share = D(20 + n % 3 * 5) / 100
        patient = (price * share).quantize(CENT)
        lines[(n, "patient")] = patient
        lines[(n, "plan")] = price - patient
    return sum(lines.values(), D(0))


def _prices(amount: str) -> tuple[PricePeriod, ...]:
    return (
        PricePeriod(date(2025, 1, 1), date(2026, 1, 1), D(amount) - D("5.00")),
        PricePeriod(date(2026, 1, 1), None, D(amount)),
    )


CATALOG = CatalogSnapshot(
    currency="USD",
    services={
        "DN": ServiceDef("DN", "Dry needling, 1-2 muscles", "20560", {30: _prices("90.00")}),
    },
    addons={
        "ESTIM": AddonDef(
            "ESTIM",
            "Electrical stimulation, unattended",
            "97014",
            _prices("20.00"),
            frozenset({"DN"}),
            minutes=10,
            usually_covered=True,
            medicare_billing_code="G0283",
        ),
        "MANUAL": AddonDef(
            "MANUAL",
            "Manual therapy",
            "97140",
            _prices("35.00"),
            frozenset({"DN"}),
            basis=Basis.UNIT,
            minutes=15,
            usually_covered=True,
        ),
    },
    packages=(PackageDef("DN6", "Six sessions", "DN", 6, D("450.00"), 90),),
    max_session_minutes=60,
    self_pay_discount=SelfPayDiscount(D("10"), applies_to_uncovered=True),
)
REQUEST = PlanRequest((PlanItem("DN", 30, 12, ("ESTIM", "MANUAL")),), 2, date(2026, 3, 2))
TERMS = PlanTerms(
    kind=PlanKind.COMMERCIAL,
    network=Network.IN,
    currency="USD",
    deductible=D("1500.00"),
    coinsurance_percent=D("20"),
    oop_max=D("1900.00"),
    rules={
        ("service", "DN"): CoverageRule(
            CoverageStatus.COVERED, AllowedAmount(AllowedKind.FIXED, D("72.50"))
        ),
        ("addon", "ESTIM"): CoverageRule(
            CoverageStatus.COVERED, AllowedAmount(AllowedKind.PERCENT, D("80"))
        ),
        ("addon", "MANUAL"): CoverageRule(
            CoverageStatus.COVERED, AllowedAmount(AllowedKind.FIXED, D("28.10"))
        ),
    },
)
INSURED = Insured(TERMS, Standing(deductible_met=D("1200.00"), oop_met=D("1500.00")))


def _time(
    label: str, run: Callable[[], object], number: int, repeat: int, unit: str = "plan"
) -> float:
    runs = timeit.repeat(run, number=number, repeat=repeat)
    per_plan = [t / number * 1e6 for t in runs]
    median, best = statistics.median(per_plan), min(per_plan)
    print(f"{label:<28} median {median:8.1f} µs/{unit}   best {best:8.1f} µs/{unit}")
    return median


def main() -> None:
    """Print per-plan timings and the insured/self-pay ratio."""
    insured: Estimate = estimate_plan(REQUEST, CATALOG, INSURED)
    self_pay: Estimate = estimate_plan(REQUEST, CATALOG, SelfPay())
    print(
        f"12 sessions, 2 add-ons: insured patient pays {insured.primary.totals.patient_pays}, "
        f"self-pay {self_pay.primary.totals.patient_pays} "
        f"(packages bought: {len(self_pay.primary.packages)})"
    )
    number, repeat = 200, 15
    insured_us = _time(
        "insured (deductible, OOP)",
        lambda: estimate_plan(REQUEST, CATALOG, INSURED),
        number,
        repeat,
    )
    self_pay_us = _time(
        "self-pay (packages)", lambda: estimate_plan(REQUEST, CATALOG, SelfPay()), number, repeat
    )
    print(f"insured / self-pay ratio: {insured_us / self_pay_us:.2f}")
    reference_us = _time("reference workload", reference, number, repeat, unit="run")
    print(
        f"insured plan = {insured_us / reference_us:.2f} x the reference workload "
        "(compare this multiple across machines)"
    )
    verdict = "within" if insured_us < TARGET_US else "OVER"
    print(f"target {TARGET_US:.0f} µs per insured plan: {verdict}")


if __name__ == "__main__":
    main()
