"""Mutable running state while one scenario is priced: benefit-year and visit accumulators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .money import ZERO
from .types import Standing


class Ledger:
    """Benefit-year accumulators, carried from session to session in date order."""

    __slots__ = (
        "annual_used",
        "deductible_met",
        "limit_used",
        "oop_met",
        "visits_used",
        "year_start",
    )

    def __init__(self, year_start: date | None, standing: Standing) -> None:
        self.year_start = year_start
        self.deductible_met: Decimal = standing.deductible_met
        self.oop_met: Decimal = standing.oop_met
        self.visits_used: int = standing.visits_used
        self.annual_used: Decimal = standing.annual_max_used
        self.limit_used: dict[str, int] = dict(standing.limit_visits_used)

    def reset(self, year_start: date) -> None:
        """Start a new benefit year from zero."""
        self.year_start = year_start
        self.deductible_met = self.oop_met = self.annual_used = ZERO
        self.visits_used = 0
        self.limit_used = {}


class Visit:
    """Per-visit state: copay still to collect and plan payments so far."""

    __slots__ = ("copay_left", "plan_paid")

    def __init__(self, copay: Decimal | None) -> None:
        self.copay_left: Decimal = copay if copay is not None else ZERO
        self.plan_paid: Decimal = ZERO
