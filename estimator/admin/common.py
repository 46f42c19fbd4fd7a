"""Pieces shared by the admin pages: money columns, current/ended price status."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

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


class RefuseRecordDeletes:
    """Admin mixin: rows that are part of the record are shown as protected, with the reason,
    so the delete page and "Delete selected" explain the refusal and delete nothing."""

    def get_deleted_objects(self, objs: Iterable[Any], request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        refused = [reason for obj in objs if (reason := obj.deletion_refused())]
        if refused:
            # Nobody may delete these rows; the reason says more than "no permission" would.
            return deleted, counts, set(), [*protected, *refused]
        return deleted, counts, perms_needed, protected


class PriceFormSet(BaseInlineFormSet):  # type: ignore[type-arg,unused-ignore]
    """Inline prices: ticking "Delete" on a price that has applied is an error, not a 500."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if form.instance.pk and self.can_delete and form.cleaned_data.get("DELETE"):
                stored = type(form.instance)._default_manager.get(pk=form.instance.pk)
                reason = stored.deletion_refused()
                if reason:
                    raise ValidationError(reason)


class PageFlags:
    """Admin mixin: the change list and change pages get page_flags() in their context, so
    templates show a button only to those who may use it."""

    def page_flags(self, request: HttpRequest) -> dict[str, bool]:
        return {}

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra = {**self.page_flags(request), **(extra_context or {})}
        return super().changelist_view(request, extra)  # type: ignore[misc]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        extra = {**self.page_flags(request), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)  # type: ignore[misc]
