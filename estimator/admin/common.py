"""Pieces shared by the admin pages: money columns, current/ended price status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Model

from estimator.formatting import money_text


def money_column(field: str, label: str) -> Callable[[Any, Model], str]:
    """A changelist column showing an amount as '$1,234.50', sortable by the stored amount."""

    @admin.display(description=label, ordering=field)
    def column(self: Any, obj: Model) -> str:
        return money_text(getattr(obj, field))

    column.__name__ = f"{field}_text"
    return column


class PriceStatusFilter(admin.SimpleListFilter):
    """Current, scheduled or ended prices, judged in the server's today."""

    title = "status"
    parameter_name = "period"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [("current", "In effect today"), ("future", "Scheduled"), ("ended", "Ended")]

    def queryset(self, request: Any, queryset: Any) -> Any:
        from django.utils import timezone

        from estimator.selectors import in_effect

        today = timezone.localdate()
        if self.value() == "current":
            return queryset.filter(in_effect(today))
        if self.value() == "future":
            return queryset.filter(effective_from__gt=today)
        if self.value() == "ended":
            return queryset.filter(effective_to__lt=today)
        return queryset


def period_text(obj: Any) -> str:
    """'from 2026-01-01' or '2026-01-01 to 2026-06-30'."""
    return str(obj.describe_period())
