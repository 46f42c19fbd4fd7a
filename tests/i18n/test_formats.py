"""One money, date and percent format per language and currency, from Babel's locale data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from estimator.formatting import currency_words, date_text, money_text, percent_text

NBSP = "\xa0"
NNBSP = "\u202f"

CASES = [
    # language, currency, money, date, percent
    ("en", "USD", "$1,234.50", "Dec 2, 2026", "12.5%"),
    ("en", "CAD", "$1,234.50", "Dec 2, 2026", "12.5%"),
    ("es", "USD", "$1,234.50", "2 dic 2026", "12.5%"),
    ("es", "CAD", "$1,234.50", "2 dic 2026", "12.5%"),
    ("fr", "USD", f"1{NNBSP}234,50{NBSP}$US", "2 déc. 2026", f"12,5{NBSP}%"),
    ("fr", "CAD", f"1{NBSP}234,50{NBSP}$", "2 déc. 2026", f"12,5{NBSP}%"),
]


@pytest.mark.parametrize(("language", "currency", "money", "day", "percent"), CASES)
def test_each_language_and_currency_has_one_format(language, currency, money, day, percent):
    with translation.override(language):
        assert money_text(Decimal("1234.5"), currency) == money
        assert date_text(dt.date(2026, 12, 2), currency) == day
        assert percent_text(Decimal("12.50"), currency) == percent


def test_amounts_round_half_up_in_every_language():
    for language in ("en", "es", "fr"):
        with translation.override(language):
            assert "0,13" in money_text("0.125", "CAD") or "0.13" in money_text("0.125", "CAD")


def test_whole_percentages_carry_no_decimals():
    with translation.override("en"):
        assert percent_text(Decimal("20.00")) == "20%"
    with translation.override("fr"):
        assert percent_text(Decimal("20.00")) == f"20{NBSP}%"


def test_an_unknown_language_falls_back_to_english_formats():
    with translation.override("de"):
        assert money_text(Decimal("5"), "USD") == "$5.00"
        assert date_text("2026-12-02") == "Dec 2, 2026"


def test_currency_words_follow_the_language():
    with translation.override("en"):
        assert currency_words("CAD") == "Canadian dollars"
        assert currency_words("EUR") == "EUR"
    with translation.override("es"):
        assert currency_words("CAD") == "dólares canadienses"
    with translation.override("fr"):
        assert currency_words("USD") == "dollars américains"
