"""Timed minutes to 15-minute billing units: CMS 8-minute rule and the AMA midpoint rule."""

from __future__ import annotations

from collections.abc import Sequence

from .types import UnitRule


def units_for_minutes(minutes: int) -> int:
    """Units for a minute count: under 8 = 0, 8-22 = 1, 23-37 = 2, then +1 per 15."""
    return (minutes + 7) // 15 if minutes > 0 else 0


def midpoint_units(minutes_by_code: Sequence[int]) -> tuple[int, ...]:
    """AMA midpoint rule: each code is counted on its own minutes."""
    return tuple(units_for_minutes(m) for m in minutes_by_code)


def eight_minute_units(minutes_by_code: Sequence[int]) -> tuple[int, ...]:
    """CMS 8-minute rule: pool the day's timed minutes, then assign units by minutes.

    Each code first gets one unit per full 15 minutes; leftover units go to the codes with
    the most remaining minutes, earlier codes winning ties so the result is deterministic.
    """
    total = units_for_minutes(sum(minutes_by_code))
    units = [m // 15 for m in minutes_by_code]
    leftover = total - sum(units)
    order = sorted(range(len(units)), key=lambda i: (-(minutes_by_code[i] % 15), i))
    while leftover > 0 and order:
        for i in order[:leftover]:
            units[i] += 1
        leftover -= min(leftover, len(order))
    return tuple(units)


def assign_units(rule: UnitRule, minutes_by_code: Sequence[int]) -> tuple[int, ...]:
    """Units per timed code under the given rule."""
    if rule is UnitRule.EIGHT_MINUTE:
        return eight_minute_units(minutes_by_code)
    return midpoint_units(minutes_by_code)
