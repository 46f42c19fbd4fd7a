"""{{ clinic|localized:"good_faith_estimate_contact" }}: the clinic's own text in the reader's
language (its Spanish or French where entered, else the English)."""

from __future__ import annotations

from typing import Any

from django import template

from estimator.catalog_text import localized as localized_text

register = template.Library()


@register.filter
def localized(obj: Any, field: str) -> str:
    """obj's field in the active language, the English where it has none."""
    return localized_text(obj, field)
