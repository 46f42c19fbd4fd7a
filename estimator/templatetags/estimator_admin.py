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


@register.simple_tag(takes_context=True)
def lockout_ends(context: Any, cooloff: dt.timedelta) -> dt.datetime:
    """When a locked-out sign-in may try again: django-axes counts the cool-off from the latest
    failed attempt it keeps for this username and address (now, if none is found)."""
    from axes.models import AccessAttempt

    from estimator.network import client_address

    request = context.get("request")
    latest = None
    if request is not None:
        latest = (
            AccessAttempt.objects.filter(
                username=context.get("username", ""), ip_address=client_address(request)
            )
            .order_by("-attempt_time")
            .values_list("attempt_time", flat=True)
            .first()
        )
    return timezone.localtime((latest or timezone.now()) + cooloff)


@register.filter
def duration_words(delta: dt.timedelta) -> str:
    """'1 hour', '30 minutes', '2 hours 15 minutes'."""
    minutes = round(delta.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not parts:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)
