"""The Spanish and French catalogs are complete and current: no string a patient sees is left
in English because nobody translated it, or because the catalogs were not refreshed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("es", "fr")
DOMAINS = ("django", "djangojs")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|\{(\w*)\}")


def catalogs() -> list[Path]:
    return sorted(
        path
        for path in (ROOT / "estimator").rglob("*.po")
        if path.parent.parent.name in LANGUAGES and path.stem in DOMAINS
    )


def entries(path: Path) -> dict[str, object]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        message.id if isinstance(message.id, str) else message.id[0]: message
        for message in catalog
        if message.id
    }


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated(path):
    untranslated, fuzzy, mismatched = [], [], []
    for msgid, message in entries(path).items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(msgid)
        if message.fuzzy:
            fuzzy.append(msgid)
        if any(placeholders(s) != placeholders(msgid) for s in strings if s):
            mismatched.append(msgid)
    assert not untranslated, f"untranslated in {path}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy (needs review) in {path}: {fuzzy[:10]}"
    assert not mismatched, f"placeholders differ in {path}: {mismatched[:10]}"


def test_the_catalogs_hold_exactly_the_strings_in_the_code(tmp_path, monkeypatch):
    """`make messages` on the code as it is now would change no catalog's entries."""
    copy = tmp_path / "repo"
    shutil.copytree(
        ROOT / "estimator",
        copy / "estimator",
        ignore=shutil.ignore_patterns("*.mo", "__pycache__", "static"),
    )
    monkeypatch.chdir(copy)
    locale_paths = [copy / Path(p).relative_to(ROOT) for p in settings.LOCALE_PATHS]
    with override_settings(LOCALE_PATHS=locale_paths):
        for domain in DOMAINS:
            call_command(
                "makemessages",
                locale=list(LANGUAGES),
                domain=domain,
                no_obsolete=True,
                ignore_patterns=["estimator/templates/admin", "estimator/admin", "estimator/api"],
                verbosity=0,
            )
    fresh = {
        path.relative_to(copy): set(entries(path)) for path in (copy / "estimator").rglob("*.po")
    }
    kept = {path.relative_to(ROOT): set(entries(path)) for path in catalogs()}
    assert {p for p, ids in fresh.items() if ids} == {p for p, ids in kept.items() if ids}
    for path, ids in fresh.items():
        known = kept.get(path, set())
        assert ids == known, (
            f"{path}: run `make messages` and translate; new: {sorted(ids - known)[:5]}, "
            f"gone: {sorted(known - ids)[:5]}"
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_entry_in_two_catalogs_has_one_translation(language):
    """Django merges every catalog into one, LOCALE_PATHS first: the same words translated two
    ways in two parts of the app would silently become one of them on every page."""
    seen: dict[tuple[str | None, str], tuple[Path, object]] = {}
    clashes = []
    for path in catalogs():
        if path.parent.parent.name != language or path.stem != "django":
            continue
        with path.open("rb") as handle:
            for message in read_po(handle):
                if not message.id:
                    continue
                key = (message.context, str(message.id))
                if key in seen and seen[key][1] != message.string:
                    clashes.append(
                        (key[1], str(seen[key][0].relative_to(ROOT)), str(path.relative_to(ROOT)))
                    )
                seen.setdefault(key, (path, message.string))
    assert not clashes, f"translated differently in two catalogs (give one a context): {clashes}"
