"""The clinic's own catalog text in the reader's language: its Spanish or French, else English.

A clinic enters each patient-facing text (names, descriptions, what to expect, the Good Faith
Estimate contact) in English and, optionally, in Spanish and French (`<field>_es`,
`<field>_fr`); an empty translation shows the English. The engine and the API keep the English
names; pages and documents swap them for the reader's with names_in_language().
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from estimator.models.base import TRANSLATED_LANGUAGES


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def localized(obj: Any, field: str) -> str:
    """obj's text for field in the active language, the English where it has none."""
    language = _language()
    if language in TRANSLATED_LANGUAGES:
        text = getattr(obj, f"{field}_{language}", "")
        if text:
            return str(text)
    return str(getattr(obj, field))


@dataclass(frozen=True)
class Text:
    """One catalog text in every language it was entered in; str() gives the reader's."""

    en: str
    es: str = ""
    fr: str = ""

    @classmethod
    def of(cls, obj: Any, field: str) -> Text:
        """A model's field with its translations."""
        return cls(
            en=getattr(obj, field),
            es=getattr(obj, f"{field}_es", ""),
            fr=getattr(obj, f"{field}_fr", ""),
        )

    def __str__(self) -> str:
        language = _language()
        text = getattr(self, language) if language in TRANSLATED_LANGUAGES else ""
        return str(text or self.en)

    def __bool__(self) -> bool:
        return bool(self.en or self.es or self.fr)


def names_in_language(texts: Iterable[Text]) -> dict[str, str]:
    """English catalog name -> the reader's, for names that differ in the active language."""
    return {text.en: str(text) for text in texts if text.en and str(text) != text.en}


def name_in_language(name: str, names: Mapping[str, str]) -> str:
    """A catalog name from the engine (English) in the reader's language.

    The engine names a session's line "<service> (30 min)" and lists names joined with ", ";
    each name in them is said in the reader's language, the rest kept as written."""
    if not names:
        return name
    found = _one_name(name, names)
    if found == name and ", " in name:
        return ", ".join(_one_name(part, names) for part in name.split(", "))
    return found


_LENGTH = re.compile(r"^(?P<name>.+) \((?P<minutes>\d+) min\)$")


def _one_name(name: str, names: Mapping[str, str]) -> str:
    found = names.get(name)
    if found is not None:
        return found
    length = _LENGTH.match(name)
    if length is not None and length["name"] in names:
        return f"{names[length['name']]} ({length['minutes']} min)"
    return name
