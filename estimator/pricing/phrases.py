"""The engine's sentences as templates, so a page can say them again in the reader's language.

Every sentence the engine writes (assumptions, warnings, adjustment reasons, error messages)
is a module-level template registered here by gettext_noop(): the English is `TEMPLATE %
params`, and Django's makemessages extracts each template for the Spanish and French
catalogs. A stored estimate keeps only the English, so parse() finds the template and its
parameters from the sentence alone; estimator.sentences translates the template and
re-formats the parameters for the reader.

Placeholders are named `%(kind_role)s`; the kind says what the value is and how a page may
re-format it:

    money_    an amount as format_money writes it: "$1,234.50", "CA$1,234.50"
    date_     an ISO date: "2026-12-02"
    percent_  a percentage with its sign, as str(Decimal) writes it: "20%", "12.5%"
    count_    a whole number: minutes, sessions, visits, units, a day or month
    code_     one word shown exactly as given: a billing or currency code, a figure as entered
    name_     text shown exactly as given and never translated: catalog names, the clinic's
              own notes, lists of names
    clause_   another registered phrase (a reason, a field's label), translated on its own

Templates carry no other "%" (a percentage is always a percent_ value). A sentence built from
parts keeps each part a template of its own, passed as a clause_ value; a short template that
other catalogs may also hold (a field's label) is registered with pgettext() and a context.

To add a sentence: a module-level `NAME = gettext_noop("... %(kind_role)s ...")`, rendered with
`NAME % {...}` (amounts through format_money, dates isoformat()); then `make messages` and
translate the new es/fr entries. tests/pricing/test_phrases.py fails until a plan in its
corpus produces the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Every template, in registration order (a dict as an ordered set).
_REGISTRY: dict[str, None] = {}
# Short templates that other catalogs may also hold ("Deductible" as a page's column), with
# the context that keeps their translations apart.
_CONTEXTS: dict[str, str] = {}

PLACEHOLDER = re.compile(r"%\((?P<name>(?P<kind>[a-z]+)_\w+)\)s")
KINDS: dict[str, str] = {
    "money": r"(?:CA\$|\$|[A-Z]{3} )-?\d[\d,]*\.\d\d",
    "date": r"\d{4}-\d{2}-\d{2}",
    "percent": r"-?\d[\d.]*(?:E[+-]?\d+)?%",
    "count": r"-?\d+",
    "code": r"\S+",
    "name": r".+?",
    "clause": r".+?",
}


def gettext_noop(template: str) -> str:
    """Register an engine sentence's template and return it unchanged (English)."""
    _REGISTRY[template] = None
    return template


def pgettext(context: str, template: str) -> str:
    """Register a short template under a context (makemessages writes it as msgctxt)."""
    _CONTEXTS[template] = context
    return gettext_noop(template)


def context_of(template: str) -> str | None:
    """The context a template was registered under, if any."""
    return _CONTEXTS.get(template)


def templates() -> tuple[str, ...]:
    """Every registered template (complete once estimator.pricing is imported)."""
    return tuple(_REGISTRY)


def placeholders(template: str) -> list[str]:
    """The placeholder names of a template, in order (a repeated one once)."""
    return list(dict.fromkeys(m.group("name") for m in PLACEHOLDER.finditer(template)))


@dataclass(frozen=True, slots=True)
class Compiled:
    """A template as an anchored pattern: literal parts escaped, each placeholder a group."""

    template: str
    pattern: re.Pattern[str]
    literal: int  # characters of literal text: the more, the more specific
    anchor: str  # the longest literal piece, checked with `in` before the pattern runs
    clauses: tuple[str, ...]


def compile_template(template: str) -> Compiled:
    """The template's pattern; a placeholder used twice must match the same text twice."""
    parts: list[str] = []
    literals: list[str] = []
    seen: set[str] = set()
    at = 0
    for match in PLACEHOLDER.finditer(template):
        literals.append(template[at : match.start()])
        parts.append(re.escape(literals[-1]))
        name, kind = match.group("name"), match.group("kind")
        if kind not in KINDS:
            raise ValueError(f"Unknown placeholder kind in {template!r}: {name}")
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{KINDS[kind]})")
        seen.add(name)
        at = match.end()
    literals.append(template[at:])
    parts.append(re.escape(literals[-1]))
    if "%" in PLACEHOLDER.sub("", template):
        raise ValueError(f"A template has a bare %: {template!r}")
    return Compiled(
        template,
        re.compile("".join(parts), re.DOTALL),
        sum(len(piece) for piece in literals),
        max(literals, key=len),
        tuple(n for n in seen if n.startswith("clause_")),
    )


@lru_cache(maxsize=4)
def _compiled(count: int) -> tuple[Compiled, ...]:
    # Keyed on the registry's size, so a template registered later is not missed.
    found = [compile_template(t) for t in tuple(_REGISTRY)[:count]]
    return tuple(sorted(found, key=lambda c: -c.literal))


def _fits(compiled: Compiled, sentence: str) -> dict[str, str] | None:
    if compiled.anchor not in sentence:
        return None
    match = compiled.pattern.fullmatch(sentence)
    if match is None:
        return None
    params = match.groupdict()
    if any(parse(params[name]) is None for name in compiled.clauses):
        return None
    return params


def matches(sentence: str) -> list[tuple[str, dict[str, str]]]:
    """Every template the sentence fits, most literal text first (for tests and checks)."""
    found = []
    for compiled in _compiled(len(_REGISTRY)):
        params = _fits(compiled, sentence)
        if params is not None:
            found.append((compiled.template, params))
    return found


@lru_cache(maxsize=8192)
def parse(sentence: str) -> tuple[str, dict[str, str]] | None:
    """The template an English sentence was written from, and its parameters; None if none.

    Where several templates fit (one has a catch-all name_ part), the one with the most
    literal text wins. The same sentences recur on every page, so results are cached; the
    params dict is shared, so callers must not change it.
    """
    for compiled in _compiled(len(_REGISTRY)):
        params = _fits(compiled, sentence)
        if params is not None:
            return compiled.template, params
    return None
