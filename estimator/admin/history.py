"""History pages people can read: field names in words, amounts as money, times in the
clinic's zone, choices by their label, and the changes made to inline rows (prices of a
session type, coverage rules of a plan) beside the record's own."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.html import conditional_escape
from djmoney.models.fields import MoneyField
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper

from estimator.formatting import date_text, money_text

# The inline rows' changes listed under a record's history, newest first, at most this many.
MAX_CHILD_RECORDS = 100


def _zone_of(record: Any) -> zoneinfo.ZoneInfo:
    # A record's times are shown where its clinic is; the server's zone otherwise.
    name = getattr(record, "time_zone", None)
    clinic = getattr(record, "clinic", None) if name is None else None
    if clinic is not None:
        name = clinic.time_zone
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def value_text(field: models.Field[Any, Any], value: Any, record: Any) -> str:
    """One stored value as the admin's forms show it."""
    if value is None or value == "":
        return "—"
    if isinstance(field, MoneyField) and isinstance(value, Decimal | int | str):
        currency = str(getattr(record, f"{field.attname}_currency", settings.DEFAULT_CURRENCY))
        return money_text(Decimal(str(value)), currency)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        local = value.astimezone(_zone_of(record))
        return f"{date_text(local.date())} {local:%H:%M} {local.tzname()}"
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def when_text(record: Any) -> str:
    """When a historical record was made, in its clinic's time zone."""
    return value_text(record._meta.get_field("history_date"), record.history_date, record)


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """simple-history's change list, with values formatted for people."""

    def format_delta_change(self, change: ModelChange) -> ModelChange:
        field: Any = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            return super().format_delta_change(change)
        old = conditional_escape(value_text(field, change.old, self.record))
        new = conditional_escape(value_text(field, change.new, self.record))
        label = str(field.verbose_name)
        return ModelChange(field=label[:1].upper() + label[1:], old=old, new=new)


def record_changes(helper_for: Any, records: list[Any]) -> list[dict[str, Any]]:
    """Each record (newest first, one row's history) with what changed since the one before."""
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changes: list[dict[str, Any]] = []
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older, foreign_keys_are_objs=True)
            changes = helper_for(newer).context_for_delta_changes(delta)
        rows.append({"record": newer, "changes": changes})
    return rows


class ReadableHistoryAdmin(SimpleHistoryAdmin):  # type: ignore[type-arg,unused-ignore]
    """History pages with readable values; `history_children` names inline models whose
    changes are listed too, as (related model, foreign key to this model)."""

    history_children: tuple[tuple[type[models.Model], str], ...] = ()
    object_history_template = "admin/estimator/object_history.html"
    object_history_list_template = "admin/estimator/object_history_list.html"

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return ReadableHistoryHelper(self.model, historical_record)

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            # When, in the record's clinic's time zone, as the changes are shown.
            record.when_text = when_text(record)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {"child_changes": self.child_changes(object_id), **(extra_context or {})}
        return super().history_view(request, object_id, extra)

    def child_changes(self, object_id: str) -> list[dict[str, Any]]:
        """The inline rows' history, newest first (at most MAX_CHILD_RECORDS records)."""
        found: list[dict[str, Any]] = []
        for model, parent_field in self.history_children:
            history: Any = model.history  # type: ignore[attr-defined]
            records = list(
                history.filter(**{f"{parent_field}_id": object_id})
                .select_related("history_user")
                .order_by("-history_date", "-history_id")[:MAX_CHILD_RECORDS]
            )
            by_row: dict[Any, list[Any]] = {}
            for record in records:
                by_row.setdefault(record.id, []).append(record)

            def helper_for(record: Any, model: Any = model) -> ReadableHistoryHelper:
                return ReadableHistoryHelper(model, record)

            for row_records in by_row.values():
                for row in record_changes(helper_for, row_records):
                    row["kind"] = str(model._meta.verbose_name)
                    row["when"] = when_text(row["record"])
                    found.append(row)
        found.sort(key=lambda row: row["record"].history_date, reverse=True)
        return found
