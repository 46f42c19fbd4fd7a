"""Pieces shared by the admin pages: money columns, current/ended price status, translations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from estimator.formatting import money_text
from estimator.models.base import TRANSLATED_LANGUAGES

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts


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
    """Inline prices. A price increase is one save: end the current row and add the next in
    the same submit, and each row is checked for clashes against the others as they will be
    after the save. Ticking "Delete" on a price that has applied is an error, not a 500."""

    # Rows with equal values of these fields may not share a day.
    same_price_fields = ("clinic", "duration_minutes")

    def full_clean(self) -> None:
        if self.is_bound:
            periods = self._submitted_periods()
            for form in self.forms:
                form.instance.pending_periods = {
                    pk: period for pk, period in periods.items() if pk != form.instance.pk
                }
        super().full_clean()

    def _submitted_periods(self) -> dict[Any, tuple[dt.date, dt.date | None] | None]:
        """The stored rows' periods as this submit would leave them (None: deleted)."""
        periods: dict[Any, tuple[dt.date, dt.date | None] | None] = {}
        for form in self.initial_forms:
            if not form.instance.pk:
                continue
            if self.can_delete and form["DELETE"].value():
                periods[form.instance.pk] = None
                continue
            try:
                first = form.fields["effective_from"].clean(form["effective_from"].value())
                last = form.fields["effective_to"].clean(form["effective_to"].value())
            except ValidationError:
                continue  # the form says what is wrong; the stored period is judged meanwhile
            if first is not None:
                periods[form.instance.pk] = (first, last)
        return periods

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if form.instance.pk and self.can_delete and form.cleaned_data.get("DELETE"):
                stored = type(form.instance)._default_manager.get(pk=form.instance.pk)
                reason = stored.deletion_refused()
                if reason:
                    raise ValidationError(reason)
        self._refuse_clashes()

    def _refuse_clashes(self) -> None:
        kept = [
            form.instance
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not form.errors and not (self.can_delete and form.cleaned_data.get("DELETE"))
            if form.instance.effective_from is not None
        ]
        for i, row in enumerate(kept):
            for other in kept[i + 1 :]:
                same = all(
                    getattr(row, f"{name}_id", getattr(row, name, None))
                    == getattr(other, f"{name}_id", getattr(other, name, None))
                    for name in self.same_price_fields
                    if name in self.form.base_fields
                )
                if same and row.shares_a_day(other.effective_from, other.effective_to):
                    raise ValidationError(
                        f"Two prices cover the same days: {row.amount}, {row.describe_period()} "
                        f"and {other.amount}, {other.describe_period()}. End one the day "
                        "before the other starts."
                    )


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


def translation_fieldsets(*fields: str) -> list[tuple[str, _FieldOpts]]:
    """Collapsed "Spanish" and "French" fieldsets for these patient-facing fields."""
    return [
        (
            word,
            {
                "fields": [f"{field}_{code}" for field in fields],
                "classes": ["collapse"],
                "description": f"What patients reading {word} see; leave a field empty to "
                "show them the English.",
            },
        )
        for code, word in TRANSLATED_LANGUAGES.items()
    ]
