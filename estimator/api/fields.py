"""Strict fields: JSON types are not coerced, money is a decimal string with its currency."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from djmoney.money import Money
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

AMOUNT_RE = re.compile(r"^-?\d{1,10}(\.\d+)?$")
AMOUNT_PATTERN = r"^\d{1,10}(\.\d{1,2})?$"
# ICD-10-CM: a letter, two characters, then optionally a dot and one to four more (M54.50).
ICD10_RE = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, so a typo is an error rather than silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(k) for k in data if k not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [serializers.ErrorDetail("This field is not known.", "unknown_field")]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer; "30", 30.0 and true are refused."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictCharField(serializers.CharField):
    """A JSON string; numbers are refused."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictSlugField(serializers.SlugField):
    """A JSON string that is a slug (catalog codes)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictDateField(serializers.DateField):
    """An ISO date string (YYYY-MM-DD), refused outside the years 1900–2200."""

    default_error_messages = {
        "out_of_range": "Use a date between 1900-01-01 and 2200-12-31.",
    }

    def to_internal_value(self, value: Any) -> dt.date:
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        parsed = super().to_internal_value(value)
        if not dt.date(1900, 1, 1) <= parsed <= dt.date(2200, 12, 31):
            self.fail("out_of_range")
        return parsed


@extend_schema_field(
    {
        "type": "string",
        "pattern": AMOUNT_PATTERN,
        "example": "100.00",
        "description": "A decimal string with at most two decimals; never a JSON number.",
    }
)
class AmountField(serializers.Field):
    """An amount as a decimal string: "100.00". Numbers are refused so no float ever creeps in."""

    default_error_messages = {
        "not_string": 'Write the amount as a string, e.g. "100.00", not a number.',
        "invalid": 'Write the amount as a decimal string, e.g. "100.00".',
        "negative": "The amount cannot be negative.",
        "precision": "Use at most two decimal places.",
    }

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            self.fail("not_string")
        text = data.strip()
        if not AMOUNT_RE.match(text):
            self.fail("invalid")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            self.fail("invalid")
        if amount < 0:
            self.fail("negative")
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            self.fail("precision")
        return amount

    def to_representation(self, value: Any) -> str:
        return f"{Decimal(value):.2f}"


@extend_schema_serializer(component_name="MoneyInput")
class MoneyInput(StrictSerializer):
    """{"amount": "100.00", "currency": "USD"}; the currency must be the clinic's."""

    amount = AmountField()
    currency = serializers.ChoiceField(choices=["USD", "CAD"])


class MoneyOut(serializers.Serializer):
    """{"amount": "100.00", "currency": "USD"}."""

    amount = serializers.CharField(help_text='Decimal string, e.g. "123.45".')
    currency = serializers.CharField(help_text="ISO 4217 code: USD or CAD.")


@extend_schema_field(MoneyOut)
class MoneyOutField(serializers.Field):
    """A django-money Money as {"amount", "currency"}."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Money) -> dict[str, str]:
        return money_out(value)


def money_out(value: Money) -> dict[str, str]:
    """Money as JSON: the amount rounded to cents as a string, with its currency."""
    return {"amount": f"{value.amount:.2f}", "currency": str(value.currency)}


# Dates and times as DRF's DateField and DateTimeField write them under this project's settings
# (REST_FRAMEWORK sets no DATE_FORMAT or DATETIME_FORMAT: ISO 8601), for the responses built
# without a serializer (estimator/api/output.py); its tests hold the two equal.


def date_out(value: dt.date | None) -> str | None:
    """A date as DRF's DateField writes it: YYYY-MM-DD, or None."""
    return value.isoformat() if value else None


def datetime_out(value: dt.datetime | None) -> str | None:
    """A date and time as DRF's DateTimeField writes it: in the current time zone, ISO 8601,
    with Z for UTC; or None."""
    if not value:
        return None
    zone = timezone.get_current_timezone()
    local = value.astimezone(zone) if timezone.is_aware(value) else timezone.make_aware(value, zone)
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
