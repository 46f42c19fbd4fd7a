"""Mutable running state while one scenario is priced: benefit-year and visit accumulators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .money import ZERO
from .types import Standing


class Ledger:
    """Benefit-year accumulators, carried from session to session in date order.

    The patient's standing belongs to one benefit year (the one containing its as_of day):
    that year starts from it, every other year from zero.
    """

    __slots__ = (
        "annual_used",
        "deductible_met",
        "limit_used",
        "oop_met",
        "standing",
        "standing_year",
        "visits_used",
        "year_start",
    )

    def __init__(
        self, year_start: date | None, standing: Standing, standing_year: date | None = None
    ) -> None:
        self.standing = standing
        self.standing_year = year_start if standing_year is None else standing_year
        self.reset(year_start)

    def reset(self, year_start: date | None) -> None:
        """Start a benefit year: from the standing if it is the standing's year, else zero."""
        self.year_start = year_start
        start = self.standing if year_start == self.standing_year else Standing()
        self.deductible_met: Decimal = start.deductible_met
        self.oop_met: Decimal = start.oop_met
        self.visits_used: int = start.visits_used
        self.annual_used: Decimal = start.annual_max_used
        self.limit_used: dict[str, int] = dict(start.limit_visits_used)


class Visit:
    """Per-visit state: copay still to collect and plan payments so far."""

    __slots__ = ("copay_left", "has_copay", "plan_paid", "therapy_units")

    def __init__(self, copay: Decimal | None) -> None:
        self.copay_left: Decimal = copay if copay is not None else ZERO
        self.has_copay = self.copay_left > ZERO
        self.therapy_units = 0  # "always therapy" units allowed so far (MPPR)
        self.plan_paid: Decimal = ZERO
