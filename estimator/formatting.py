"""How amounts, dates and runs of sessions are shown to people, by pages and documents alike.

Amounts are rounded half-up to the cent, in the currency's own locale."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from moneyed import Money
from moneyed.l10n import format_money

_LOCALES = {"USD": "en_US", "CAD": "en_CA"}
CURRENCY_WORDS = {"USD": "US dollars", "CAD": "Canadian dollars"}


def money_text(amount: Money | Decimal | str, currency: str | None = None) -> str:
    """'$1,234.50' for USD and CAD alike; 'US$' appears only when a Canadian reader sees USD."""
    if not isinstance(amount, Money):
        if currency is None:
            raise ValueError("A bare amount needs its currency.")
        amount = Money(Decimal(str(amount)), currency)
    code = str(amount.currency)
    # py-moneyed rounds half-even when formatting; round half-up first so the page and the
    # engine's figures agree to the cent.
    rounded = Money(amount.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), code)
    return format_money(rounded, locale=_LOCALES.get(code, "en_US"))


def billing_text(billing: Iterable[Mapping[str, Any]]) -> str:
    """Claim codes as people read them: '20561', '97810, 97811 × 2', '97140-GP'."""
    return ", ".join(
        b["code"]
        + "".join(f"-{m}" for m in b.get("modifiers", ()))
        + (f" × {b['units']}" if b["units"] > 1 else "")
        for b in billing
    )


def money_text_with_code(amount: Money | Decimal | str, currency: str | None = None) -> str:
    """'$1,234.50 USD': unambiguous wherever two currencies may sit side by side."""
    text = money_text(amount, currency)
    code = str(amount.currency) if isinstance(amount, Money) else str(currency)
    return f"{text} {code}"


def currency_words(code: str) -> str:
    """'US dollars' for USD: how the page names the currency every amount is in."""
    return CURRENCY_WORDS.get(code, code)


def percent_text(value: Decimal | str | int) -> str:
    """'20%' for 20.00, '12.5%' for 12.50: no trailing zeros."""
    number = Decimal(str(value))
    text = f"{number.normalize():f}" if number != number.to_integral() else f"{number:.0f}"
    return f"{text}%"


def date_text(day: dt.date | str) -> str:
    """'Nov 26, 2026'."""
    value = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{value:%b} {value.day}, {value.year}"


def consecutive_runs(
    sessions: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> list[list[dict[str, Any]]]:
    """Sessions in order, grouped while key(session) stays the same, to show each run once."""
    runs: list[list[dict[str, Any]]] = []
    for session in sessions:
        if runs and key(runs[-1][-1]) == key(session):
            runs[-1].append(session)
        else:
            runs.append([session])
    return runs


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_PERCENT = re.compile(r"\b\d+\.\d+%")
# How en_CA-less formatting writes Canadian dollars; on a page all in CAD, "$" says it.
_CAD_PREFIX = "CA$"


def _date_or_same(match: re.Match[str]) -> str:
    try:
        return date_text(match.group(0))
    except ValueError:
        return match.group(0)


def plain_figures(text: str, currency: str) -> str:
    """A sentence written elsewhere, with the page's formats: 'Dec 2, 2026', '20%', '$105.00'."""
    text = _ISO_DATE.sub(_date_or_same, text)
    text = _PERCENT.sub(lambda m: percent_text(m.group(0)[:-1]), text)
    if currency == "CAD":
        text = text.replace(_CAD_PREFIX, "$")
    return text
