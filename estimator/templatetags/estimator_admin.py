"""Template filters for showing stored estimate data in admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from estimator.formatting import billing_text, money_text

register = template.Library()

COVERAGE_LABELS = {
    "self_pay": "Self-pay",
    "insured": "Insurance plan",
    "unverified": "Coverage not verified (range)",
}


@register.filter
def money(value: Any) -> str:
    """{"amount": "12.30", "currency": "USD"} as '$12.30'."""
    if not isinstance(value, dict) or "amount" not in value:
        return ""
    return money_text(value["amount"], value.get("currency", "USD"))


@register.filter
def coverage_label(value: str) -> str:
    """The engine's coverage name in words."""
    return COVERAGE_LABELS.get(value, value)


@register.filter
def billing(value: Any) -> str:
    """A line's claim codes with modifiers and units, as on the quote page and the GFE."""
    return billing_text(value) if isinstance(value, list) else ""


@register.filter
def from_now(delta: dt.timedelta) -> dt.datetime:
    """The time delta from now, in the current time zone (when a lockout ends)."""
    return timezone.localtime(timezone.now() + delta)


@register.filter
def duration_words(delta: dt.timedelta) -> str:
    """'1 hour', '30 minutes', '2 hours 15 minutes'."""
    minutes = round(delta.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not parts:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)
