"""The engine's English sentences, said in the reader's language with the page's formats.

The engine (estimator.pricing, pure Python) writes its assumptions, warnings, adjustment
reasons and error messages in English from registered templates (estimator.pricing.phrases);
the API returns them so, and stored estimates keep them so. Pages and documents pass each one
through say(): the sentence's template is found from the English alone, translated with the
catalogs, and its figures re-formatted for the active language and the estimate's currency.
Catalog names (name_… placeholders) stay as the engine wrote them unless the page passes the
clinic's names in the reader's language (ClinicCatalog.names_in_language()).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext, pgettext

from estimator import pricing  # noqa: F401 - importing the engine registers every template
from estimator.catalog_text import name_in_language
from estimator.formatting import date_text, money_text, percent_text, plain_figures
from estimator.pricing.phrases import context_of, parse

_NOT_DIGITS = re.compile(r"[^\d.-]")


def say(sentence: str, currency: str, names: Mapping[str, str] | None = None) -> str:
    """The engine's sentence in the active language, figures in the page's formats.

    names: English catalog name -> the reader's, for the name_… placeholders (else as written).
    A sentence no template fits (text from elsewhere) comes back in English with the page's
    formats.
    """
    frozen = frozenset(names.items()) if names else frozenset()
    return _said(sentence, currency, translation.get_language() or "", frozen)


@lru_cache(maxsize=8192)
def _said(sentence: str, currency: str, language: str, names: frozenset[tuple[str, str]]) -> str:
    # Cached per language: the same sentences recur on every line of a page.
    found = parse(sentence)
    if found is None:
        return plain_figures(sentence, currency)
    template, params = found
    if not params:
        return translated(template)
    local = {
        name: _figure(name, value, currency, language, names) for name, value in params.items()
    }
    try:
        return translated(template) % local
    except (KeyError, ValueError, TypeError):
        # A catalog entry whose placeholders do not fit (the catalog tests forbid it).
        return template % local


def translated(template: str) -> str:
    """A registered template in the active language (its placeholders still to fill)."""
    context = context_of(template)
    return gettext(template) if context is None else pgettext(context, template)


def _figure(
    name: str, value: str, currency: str, language: str, names: frozenset[tuple[str, str]]
) -> str:
    """One parameter as the reader's language writes it (names only from the catalog's own)."""
    kind = name.split("_", 1)[0]
    try:
        if kind == "money":
            return money_text(Decimal(_NOT_DIGITS.sub("", value)), currency)
        if kind == "date":
            return date_text(value, currency)
        if kind == "percent":
            return percent_text(value.removesuffix("%"), currency)
    except (InvalidOperation, ValueError):
        return value
    if kind == "clause":
        return _said(value, currency, language, names)
    if kind == "name" and names:
        return name_in_language(value, dict(names))
    return value
