"""How amounts, dates and runs of sessions are shown to people, by pages and documents alike.

Everything follows the active language (Django's translation.get_language(): the patient's
choice on a page, the recorded language in a document) and the estimate's currency, through
Babel's locale data: one money, date and percent format per page. Amounts are rounded half-up
to the cent."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    format_percent,
    parse_decimal,
)
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from moneyed import Money

# The Babel locale whose conventions a page follows, by (language, currency). A page is in one
# currency; where the reader's own locale would spell that currency with a code, the page says
# "$" and names the currency in words once (currency_words).
_MONEY_LOCALES = {
    ("en", "USD"): "en_US",
    ("en", "CAD"): "en_CA",
    ("es", "USD"): "es_US",
    ("es", "CAD"): "es_US",
    ("fr", "USD"): "fr",
    ("fr", "CAD"): "fr_CA",
}
# Dates and percentages when no currency is in view.
_LANGUAGE_LOCALES = {"en": "en_US", "es": "es_US", "fr": "fr_CA"}
# (language, currency) pairs whose locale has no "$" for the currency: the figure is written
# with that locale's digits and a plain "$".
_PLAIN_DOLLAR = frozenset({("es", "CAD")})
CURRENCY_WORDS: dict[str, Promise] = {
    "USD": gettext_lazy("US dollars"),
    "CAD": gettext_lazy("Canadian dollars"),
}


def language() -> str:
    """The active language's base code: 'en', 'es' or 'fr' (English when none is active)."""
    code = (translation.get_language() or "en").split("-")[0].lower()
    return code if code in _LANGUAGE_LOCALES else "en"


def babel_locale(currency: str | None = None) -> str:
    """The Babel locale for the active language and, where known, the page's currency."""
    lang = language()
    if currency is not None:
        found = _MONEY_LOCALES.get((lang, currency))
        if found:
            return found
    return _LANGUAGE_LOCALES[lang]


def money_text(amount: Money | Decimal | str, currency: str | None = None) -> str:
    """'$1,234.50' in English, '1 234,50 $' in Canadian French: the page's locale and currency."""
    if not isinstance(amount, Money):
        if currency is None:
            raise ValueError("A bare amount needs its currency.")
        amount = Money(Decimal(str(amount)), currency)
    code = str(amount.currency)
    # Babel rounds half-even when formatting; round half-up first so the page and the engine's
    # figures agree to the cent.
    rounded = amount.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    locale = babel_locale(code)
    if (language(), code) in _PLAIN_DOLLAR:
        return "$" + format_decimal(rounded, "#,##0.00", locale=locale)
    return format_currency(rounded, code, locale=locale)


def amount_from_text(text: str, currency: str | None = None) -> str:
    """An amount as the reader typed it, as a plain decimal: '1 234,50' in French, '1,234.50'
    in English -> '1234.50'. Text that is not an amount in the page's locale comes back as typed
    (stripped of spaces and a "$"), for the form field to accept as a plain decimal or refuse."""
    plain = text.strip().replace("$", "")
    for space in (" ", NBSP, NNBSP):
        plain = plain.replace(space, "")
    if plain.replace(".", "", 1).isdigit():
        # A plain '150.00' (what a decimal keypad gives anywhere) needs no locale.
        return plain
    try:
        return str(parse_decimal(plain, locale=babel_locale(currency), strict=True))
    except NumberFormatError:
        return plain


NBSP = "\xa0"
NNBSP = "\u202f"


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
    """'US dollars' for USD, in the active language: how a page names its currency."""
    words = CURRENCY_WORDS.get(code)
    return code if words is None else str(words)


def percent_text(value: Decimal | str | int, currency: str | None = None) -> str:
    """'20%' for 20.00, '12.5%' for 12.50 (no trailing zeros); '12,5 %' in French."""
    number = Decimal(str(value)) / 100
    return format_percent(number, locale=babel_locale(currency), decimal_quantization=False)


def date_text(day: dt.date | str, currency: str | None = None) -> str:
    """'Nov 26, 2026', '26 nov 2026', '26 nov. 2026': the locale's medium date."""
    value = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return format_date(value, "medium", locale=babel_locale(currency))


def long_date_text(day: dt.date | str, currency: str | None = None) -> str:
    """'November 26, 2026', '26 de noviembre de 2026': for a document's dated statements."""
    value = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return format_date(value, "long", locale=babel_locale(currency))


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


def _date_or_same(match: re.Match[str], currency: str | None = None) -> str:
    try:
        return date_text(match.group(0), currency)
    except ValueError:
        return match.group(0)


def plain_figures(text: str, currency: str) -> str:
    """A sentence written elsewhere, with the page's formats: 'Dec 2, 2026', '20%', '$105.00'."""
    text = _ISO_DATE.sub(lambda m: _date_or_same(m, currency), text)
    text = _PERCENT.sub(lambda m: percent_text(m.group(0)[:-1], currency), text)
    if currency == "CAD":
        text = text.replace(_CAD_PREFIX, "$")
    return text
