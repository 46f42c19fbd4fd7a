"""The words of insurance and billing in plain language, and links to them from the page's text."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Term:
    """One word a patient may not know: its anchor, name, plain meaning, and how it is written."""

    slug: str
    name: StrOrPromise
    meaning: StrOrPromise
    pattern: StrOrPromise


TERMS = (
    Term(
        "deductible",
        gettext_lazy("Deductible"),
        gettext_lazy(
            "What you pay each benefit year for covered care before your plan starts to pay. "
            "If your deductible is $500, you pay the first $500 of covered care yourself."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"deductibles?"),
    ),
    Term(
        "coinsurance",
        gettext_lazy("Coinsurance"),
        gettext_lazy(
            # xgettext:no-python-format
            "Your share of a covered visit after the deductible, as a percentage. With 20% "
            "coinsurance, you pay 20 of every 100 dollars your plan allows and the plan pays 80."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"coinsurance"),
    ),
    Term(
        "copay",
        gettext_lazy("Copay"),
        gettext_lazy(
            "A fixed amount you pay for each visit, such as $30, whatever the visit costs."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"copays?"),
    ),
    Term(
        "allowed-amount",
        gettext_lazy("Allowed amount"),
        gettext_lazy(
            "The most your plan will count for a service. It can be less than the clinic's price; "
            "your deductible and coinsurance are worked out from it."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"allowed amounts?"),
    ),
    Term(
        "written-off",
        gettext_lazy("Written off"),
        gettext_lazy(
            "Part of the price the clinic does not charge anyone, because its agreement with your "
            "plan says so. You do not pay it."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"written off|writes it off"),
    ),
    Term(
        "benefit-year",
        gettext_lazy("Benefit year"),
        gettext_lazy(
            "The 12 months your plan's deductible, out-of-pocket maximum and visit limits count "
            "over. Often January to December; when a new one starts, they start again from zero."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"benefit years?"),
    ),
    Term(
        "prior-authorization",
        gettext_lazy("Prior authorization"),
        gettext_lazy(
            "Your plan's approval, asked for before treatment. Without it, a plan that would "
            "otherwise pay may refuse to."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"prior authori[sz]ation"),
    ),
    Term(
        "out-of-pocket-maximum",
        gettext_lazy("Out-of-pocket maximum"),
        gettext_lazy(
            "The most you pay for covered care in a benefit year (deductible, copays and "
            "coinsurance together). Once you reach it, your plan pays in full for the rest of the "
            "year."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"out-of-pocket maximum"),
    ),
    Term(
        "billing-code",
        gettext_lazy("CPT and HCPCS codes"),
        gettext_lazy(
            "The numbers clinics put on a claim to say what was done, such as 20560 for dry "
            "needling of one or two muscles. Your plan decides what it pays code by code."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"CPT|HCPCS"),
    ),
    Term(
        "good-faith-estimate",
        gettext_lazy("Good Faith Estimate"),
        gettext_lazy(
            "A written estimate US clinics must give patients who pay for care themselves, before "
            "the care. If the bill is $400 or more above it, you may dispute the bill."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"Good Faith Estimates?"),
    ),
    Term(
        "abn",
        gettext_lazy("ABN (Advance Beneficiary Notice)"),
        gettext_lazy(
            "A form a clinic gives a Medicare patient before a service Medicare may not pay for. "
            "By signing it you agree to pay if Medicare does not."
        ),
        # Translators: a regular expression matching the word (and its plural) in sentences.
        pgettext_lazy("glossary pattern", r"ABN|Advance Beneficiary Notice"),
    ),
)


@functools.cache
def _words(language: str) -> re.Pattern[str]:
    """The glossary words as written in this language (the active one's patterns)."""
    return re.compile(
        "|".join(rf"(?P<t{i}>\b(?:{term.pattern})\b)" for i, term in enumerate(TERMS)),
        re.IGNORECASE,
    )


def glossary_links(text: str) -> SafeString:
    """The text escaped, with the first mention of each glossary word linked to its meaning."""
    page = reverse("estimator:glossary")
    seen: set[int] = set()
    out: list[str] = []
    last = 0
    for match in _words(get_language() or "en").finditer(text):
        index = int(next(name for name, value in match.groupdict().items() if value)[1:])
        if index in seen:
            continue
        seen.add(index)
        out.append(escape(text[last : match.start()]))
        href = f"{page}#{TERMS[index].slug}"
        out.append(f'<a class="term" href="{href}">{escape(match.group(0))}</a>')
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above
