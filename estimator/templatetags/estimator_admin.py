"""Template filters for showing stored estimate data in admin."""

from __future__ import annotations

from typing import Any

from django import template

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
