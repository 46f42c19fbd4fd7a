"""Session dates and benefit years."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from .types import PlanItem, PlanRequest, PlanTerms, Standing


@dataclass(frozen=True, slots=True)
class Slot:
    """One scheduled session before pricing."""

    number: int
    on: date
    item_index: int
    item: PlanItem


def session_offset_days(index: int, sessions_per_week: int) -> int:
    """Days from the start to session `index` (0-based).

    Offsets are floor(index * 7 / sessions_per_week), computed from the start rather than
    added up gap by gap, so rounding never drifts: at 2 a week sessions fall on days
    0, 3, 7, 10, 14 ...; at 3 a week on 0, 2, 4, 7, 9, 11, 14 ...
    """
    return index * 7 // sessions_per_week


def build_schedule(request: PlanRequest) -> tuple[Slot, ...]:
    """Date every session: items in order, all of an item's sessions before the next item."""
    slots: list[Slot] = []
    for item_index, item in enumerate(request.items):
        for _ in range(item.sessions):
            offset = session_offset_days(len(slots), request.sessions_per_week)
            on = request.start_date + timedelta(days=offset)
            slots.append(Slot(len(slots) + 1, on, item_index, item))
    return tuple(slots)


def _anniversary(year: int, month: int, day: int) -> date:
    # A 29 February benefit year starts on the 28th in common years.
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def benefit_year_start(on: date, month: int, day: int) -> date:
    """The first day of the benefit year containing `on`."""
    start = _anniversary(on.year, month, day)
    return start if on >= start else _anniversary(on.year - 1, month, day)


def standing_year(standing: Standing, terms: PlanTerms, first_session: date) -> date:
    """The benefit year the patient's standing belongs to: the one containing its as_of day."""
    return benefit_year_start(standing.as_of or first_session, *terms.benefit_year_start)
