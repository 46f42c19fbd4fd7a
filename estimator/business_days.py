"""Business days: Monday to Friday less public holidays (US federal holidays for US deadlines).

45 CFR 149.610 counts its Good Faith Estimate deadlines in business days; a federal holiday,
or the weekday it is observed on, is not one.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import cache

import holidays

_lock = threading.Lock()


@cache
def _calendar(country: str) -> holidays.HolidayBase:
    # The calendar fills in a year the first time a date in it is asked for; the lock keeps two
    # threads of one worker from filling the same year at once.
    return holidays.country_holidays(country)


def is_business_day(day: dt.date, *, country: str = "US") -> bool:
    """Whether day is a weekday that is not a public holiday (observed days included)."""
    if day.weekday() >= 5:
        return False
    with _lock:
        return day not in _calendar(country)


def business_days_after(day: dt.date, count: int, *, country: str = "US") -> dt.date:
    """The date count business days after day (day itself not counted)."""
    current, remaining = day, count
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current, country=country):
            remaining -= 1
    return current


def business_days_before(day: dt.date, count: int, *, country: str = "US") -> dt.date:
    """The date count business days before day (day itself not counted)."""
    current, remaining = day, count
    while remaining > 0:
        current -= dt.timedelta(days=1)
        if is_business_day(current, country=country):
            remaining -= 1
    return current
