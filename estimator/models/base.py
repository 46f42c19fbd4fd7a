"""Shared model pieces: timestamps, money fields, effective-dated rows."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, cast

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from djmoney.models.fields import MoneyField
from djmoney.money import Money


def _document_text(value: Any) -> str:
    """JSON text of a document: orjson (several times faster than json.dumps on a 60 KB result);
    json.dumps for what orjson does not take (Decimals, integers past 64 bits), so any document
    Django's JSONField accepts is still stored."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


class EncodedDocument:
    """A JSON document as the UTF-8 bytes orjson wrote for it, not yet decoded.

    A priced plan kept for storing again (services._priced) holds its documents this way: a
    DocumentField given one writes these bytes to the database as they are, an answer embeds
    them as they are (fragment), and the document is decoded only when code reads the field.
    A stored estimate's 60 KB result was decoded from the kept plan, encoded again for the
    INSERT and a third time for the answer; now it is copied twice.
    """

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text

    def decode(self) -> Any:
        return orjson.loads(self.text)

    def fragment(self) -> orjson.Fragment:
        """The document for orjson to write into a larger one as is."""
        return orjson.Fragment(self.text)

    def __repr__(self) -> str:
        return f"<EncodedDocument: {len(self.text)} bytes>"


class DocumentAttribute(DeferredAttribute):
    """A DocumentField's attribute: a value set as an EncodedDocument is decoded on first read
    (and kept decoded), so every reader of the field sees the document, never the bytes."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, EncodedDocument):
            value = instance.__dict__[self.field.attname] = value.decode()
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


def document_raw(instance: Any, attname: str) -> Any:
    """A DocumentField's value as set, without decoding an EncodedDocument (None if unset)."""
    return instance.__dict__.get(attname)


def document_out(instance: Any, attname: str) -> Any:
    """A DocumentField's value for an answer: an EncodedDocument as it is (the API's JSON
    writers write its bytes as they are, or decode it: api.renderers), anything else as read."""
    raw = document_raw(instance, attname)
    if isinstance(raw, EncodedDocument):
        return raw
    return getattr(instance, attname)


class DocumentField(models.JSONField):
    """A JSON document written once and read whole (an estimate's request, catalog snapshot and
    result): a JSONField whose value is encoded by orjson on PostgreSQL, and which also takes
    an EncodedDocument (bytes orjson wrote before) and stores those bytes without decoding
    them. The stored jsonb is the same; only the text handed to the database is made faster."""

    descriptor_class = DocumentAttribute

    def deconstruct(self) -> Any:
        # To migrations it is the JSONField it stores as: changing the class needs no migration
        # (on SQLite an AlterField rebuilds the table, and the record-lock triggers with it).
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        raw = document_raw(model_instance, self.attname)
        if isinstance(raw, EncodedDocument):
            return raw
        return super().pre_save(model_instance, add)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        postgresql = connection.vendor == "postgresql"
        if isinstance(value, EncodedDocument) and not postgresql:
            return value.text.decode()
        if not postgresql:
            return super().get_db_prep_value(value, connection, prepared)
        from psycopg.types.json import Jsonb

        if isinstance(value, EncodedDocument):
            return Jsonb(value, dumps=_encoded_text)
        adapted = super().get_db_prep_value(value, connection, prepared)
        if self.encoder is None and isinstance(adapted, Jsonb):
            return Jsonb(adapted.obj, dumps=_document_text)
        return adapted


def _encoded_text(value: EncodedDocument) -> bytes:
    return value.text


class Currency(models.TextChoices):
    """Currencies an amount may be stored in (settings.CURRENCIES)."""

    USD = "USD", "US dollar"
    CAD = "CAD", "Canadian dollar"


def money_field(verbose_name: str, *, help_text: str = "", default: str = "0") -> MoneyField:
    """A non-nullable amount with an explicit default currency and the restricted currency list."""
    return MoneyField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        default=Decimal(default),
        default_currency=settings.DEFAULT_CURRENCY,
        currency_choices=Currency.choices,
        help_text=help_text,
    )


def percent_field(verbose_name: str, *, help_text: str, default: str = "0") -> models.DecimalField:
    """A percentage between 0 and 100 with two decimals."""
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=help_text,
    )


class TimeStamped(models.Model):
    """Created and updated times, for finding recent changes in admin."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def require_non_negative(errors: dict[str, list[str]], field: str, amount: Money) -> None:
    """Collect an error if a stored amount is below zero."""
    if amount is not None and amount.amount < 0:
        errors.setdefault(field, []).append("Amounts cannot be negative.")


def require_currency(
    errors: dict[str, list[str]], field: str, amount: Money, currency: str, owner: str
) -> None:
    """Collect an error if an amount is not in the currency of the clinic or plan it belongs to."""
    if amount is not None and str(amount.currency) != currency:
        errors.setdefault(field, []).append(
            f"This amount is in {amount.currency} but {owner} works in {currency}; "
            "one estimate never mixes currencies."
        )


class RecordLocked(ValidationError):
    """Refused: the row is part of the record (an issued estimate, a price that has applied)."""


class GuardedDeleteQuerySet(models.QuerySet[Any]):
    """A queryset whose delete() refuses, as a whole, when any row says it may not go."""

    def delete(self) -> tuple[int, dict[str, int]]:
        for row in self:
            reason = row.deletion_refused()
            if reason:
                raise RecordLocked(reason)
        return super().delete()


class GuardedDelete(models.Model):
    """A model whose rows may say why they must not be deleted; delete() then refuses."""

    class Meta:
        abstract = True

    def deletion_refused(self) -> str | None:
        """Why this row may not be deleted, or None."""
        return None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        reason = self.deletion_refused()
        if reason:
            raise RecordLocked(reason)
        return super().delete(*args, **kwargs)


class EffectiveDated(GuardedDelete):
    """A row that applies from one date to another (inclusive); a change is a new row."""

    # Set only by the starter-catalog loader: a fresh install's opening prices start in the
    # past, and no estimate can have been priced before them.
    allow_past_start = False
    # Set by a form that changes several rows in one save (end a price, add the next): the
    # other rows' periods as they will be, {pk: (first, last) or None if deleted}, so the clash
    # check below judges them after the save, not as stored. The form checks them pairwise.
    pending_periods: dict[Any, tuple[dt.date, dt.date | None] | None] = {}

    effective_from = models.DateField(
        help_text="First day this applies (in the clinic's time zone).",
    )
    effective_to = models.DateField(
        null=True,
        blank=True,
        help_text="Last day this applies, inclusive. Leave empty while it is the current price.",
    )

    class Meta:
        abstract = True

    def clean_period(self, errors: dict[str, list[str]]) -> None:
        """Reject periods that end before they start."""
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors.setdefault("effective_to", []).append(
                "The last day cannot be before the first day."
            )

    def clean_history(
        self, errors: dict[str, list[str]], today: dt.date, amount_field: str
    ) -> None:
        """Refuse to rewrite a price that has applied (end it and add a new row instead) and
        to start a price before today, over days estimates were already priced without it."""
        stored = type(self)._default_manager.filter(pk=self.pk).first() if self.pk else None
        if stored is None or stored.effective_from > today:
            if self.effective_from and self.effective_from < today and not self.allow_past_start:
                errors.setdefault("effective_from", []).append(
                    f"A price cannot start before today ({today:%Y-%m-%d}): days that have "
                    "passed were priced without it. Start it today or later."
                )
            return
        for field in (amount_field, "effective_from"):
            if getattr(stored, field) != getattr(self, field):
                errors.setdefault(field, []).append(
                    f"This price has applied since {stored.effective_from:%Y-%m-%d} and past "
                    "estimates rely on it. Set its last day instead, and add a new price."
                )
        if self.effective_to is not None and self.effective_to < min(
            today, stored.effective_to or today
        ):
            errors.setdefault("effective_to", []).append(
                "A price cannot be ended in the past; the earliest last day is today."
            )

    def deletion_refused(self) -> str | None:
        """Why this row may not be deleted (it has applied), or None."""
        # Every effective-dated row belongs to a clinic, whose day decides what has applied.
        today = cast(Any, self).clinic.today()
        if self.effective_from > today:
            return None
        return (
            f"{self} has applied since {self.effective_from:%Y-%m-%d} and past estimates were "
            "priced from it: it cannot be deleted. Set its last day instead."
        )

    def overlaps(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """Rows in queryset (other than this one) whose period shares a day with this one."""
        qs = queryset.exclude(pk=self.pk) if self.pk else queryset
        settled = [
            pk
            for pk, period in self.pending_periods.items()
            if period is None or not self.shares_a_day(*period)
        ]
        if settled:
            qs = qs.exclude(pk__in=settled)
        if self.effective_to is not None:
            qs = qs.filter(effective_from__lte=self.effective_to)
        return qs.filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=self.effective_from)
        )

    def shares_a_day(self, first: dt.date, last: dt.date | None) -> bool:
        """Whether the period first..last (inclusive; None = open) shares a day with this row's."""
        return (self.effective_to is None or first <= self.effective_to) and (
            last is None or last >= self.effective_from
        )

    def describe_period(self) -> str:
        """'from 2026-01-01' or '2026-01-01 to 2026-06-30'."""
        if self.effective_to is None:
            return f"from {self.effective_from:%Y-%m-%d}"
        return f"{self.effective_from:%Y-%m-%d} to {self.effective_to:%Y-%m-%d}"

    def applies_on(self, day: dt.date) -> bool:
        """Whether this row is in effect on day."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


def raise_if(errors: dict[str, list[str]]) -> None:
    """Raise the collected field errors at once, so admin shows each beside its field."""
    if errors:
        raise ValidationError(errors)


def language_field(help_text: str) -> models.CharField[str, str]:
    """The patient's language for what is printed or sent later: one of settings.LANGUAGES."""
    return models.CharField(
        "language",
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=help_text,
    )


# The languages a clinic may enter its patient-facing text in, besides English.
TRANSLATED_LANGUAGES = {"es": "Spanish", "fr": "French"}


def translation_field(
    verbose_name: str, language: str, *, max_length: int | None = None
) -> models.CharField[str, str] | models.TextField[str, str]:
    """A blank Spanish or French version of a patient-facing text (CharField with max_length)."""
    word = TRANSLATED_LANGUAGES[language]
    options: dict[str, Any] = {
        "blank": True,
        "help_text": f"Shown to patients reading {word}; empty: the English text is shown.",
    }
    label = f"{verbose_name} ({word})"
    if max_length is None:
        return models.TextField(label, **options)
    return models.CharField(label, max_length=max_length, **options)
