"""say(): the engine's English sentences in the reader's language, with the page's formats."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from estimator.formatting import plain_figures
from estimator.pricing import SelfPay, estimate_to_dict
from estimator.pricing import estimate_plan as price
from estimator.pricing.phrases import parse, templates
from estimator.sentences import say, translated
from tests.pricing.builders import catalog, insured, item, plan, rule, standing

NBSP = "\xa0"
NNBSP = "\u202f"
# Templates whose Spanish or French is rightly the same as the English (codes and figures).
SAME_IN = {
    "es": {
        "%(name_line)s: %(name_note)s",
        "%(code_billing)s %(money_fee)s × %(count_units)s + %(code_extra_billing)s "
        "%(money_extra_fee)s × %(count_extra_units)s",
    },
    "fr": {
        "%(code_billing)s %(money_fee)s × %(count_units)s + %(code_extra_billing)s "
        "%(money_extra_fee)s × %(count_extra_units)s",
    },
}


def stored_estimate() -> dict:
    """An insured estimate as the database keeps it: JSON with the engine's English."""
    coverage = insured(
        standing(deductible_met="100.00"),
        copay=None,
        rules={("service", "DN"): rule(fixed="70.00"), ("addon", "ESTIM"): rule("prior_auth")},
    )
    estimate = price(plan(item("DN", 30, 3, "ESTIM")), catalog(), coverage)
    return json.loads(json.dumps(estimate_to_dict(estimate)))


def stored_sentences(data: dict) -> list[str]:
    found = list(data["assumptions"]) + [w["message"] for w in data["warnings"]]
    for scenario in data["scenarios"].values():
        if scenario is None:
            continue
        found += scenario["assumptions"]
        for session in scenario["sessions"]:
            for line in session["lines"]:
                found += [a["message"] for a in line["adjustments"]]
    return list(dict.fromkeys(found))


def test_in_english_a_sentence_is_the_engines_with_the_pages_formats():
    with translation.override("en"):
        assert say(
            "A new benefit year starts on 2026-12-02: from then the deductible, out-of-pocket "
            "maximum, visit count and annual maximum start again from zero.",
            "USD",
        ) == (
            "A new benefit year starts on Dec 2, 2026: from then the deductible, out-of-pocket "
            "maximum, visit count and annual maximum start again from zero."
        )
        assert say("CA$1,234.50 copay for this visit.", "CAD") == "$1,234.50 copay for this visit."
        assert (
            say("Self-pay discount of 12.50%: $5.00 off.", "USD")
            == "Self-pay discount of 12.5%: $5.00 off."
        )


def test_in_english_say_agrees_with_plain_figures_on_a_whole_estimate():
    data = stored_estimate()
    with translation.override("en"):
        for sentence in stored_sentences(data):
            assert say(sentence, "USD") == plain_figures(sentence, "USD")


@pytest.mark.parametrize(
    ("language", "currency", "english", "said"),
    [
        ("es", "USD", "$1,234.50 copay for this visit.", "Copago de $1,234.50 por esta visita."),
        (
            "fr",
            "CAD",
            "CA$1,234.50 copay for this visit.",
            f"Quote-part de 1{NBSP}234,50{NBSP}$ pour cette visite.",
        ),
        (
            "fr",
            "USD",
            "$20.00 coinsurance: 20% of the remaining $100.00.",
            f"Coassurance de 20,00{NBSP}$US{NBSP}: 20{NBSP}% des 100,00{NBSP}$US restants.",
        ),
        (
            "es",
            "USD",
            "A new benefit year starts on 2026-12-02: from then the deductible, out-of-pocket "
            "maximum, visit count and annual maximum start again from zero.",
            "Un nuevo año de beneficios empieza el 2 dic 2026: desde entonces el deducible, el "
            "máximo de gastos de bolsillo, el conteo de visitas y el máximo anual vuelven a "
            "empezar desde cero.",
        ),
        (
            # A reason inside a sentence is translated on its own; the service's name is not.
            "es",
            "USD",
            "Acupuncture (30 min) is not covered because your plan does not cover it; you pay "
            "for it.",
            "Acupuncture (30 min) no tiene cobertura porque su plan no lo cubre; usted lo paga.",
        ),
        (
            "fr",
            "CAD",
            "The plan allows CA$61.75 (CA$65.00 per unit × 1, at 95% for a non-participating "
            "provider).",
            f"Le régime admet 61,75{NBSP}$ (65,00{NBSP}$ par unité × 1, à 95{NBSP}% pour un "
            "fournisseur non participant).",
        ),
        (
            # A field's label is translated under its own context ("field label").
            "es",
            "USD",
            "Oop max must be a USD amount of zero or more with at most 2 decimal places, not -5.",
            "Máximo de gastos de bolsillo: debe ser una cantidad en USD de cero o más, con 2 "
            "decimales como máximo, no -5.",
        ),
    ],
)
def test_spanish_and_french_translate_with_the_locales_formats(language, currency, english, said):
    with translation.override(language):
        assert say(english, currency) == said


def test_a_sentence_from_elsewhere_comes_back_unchanged_but_formatted():
    sentence = "Bring comfortable clothes on 2026-12-02."
    assert parse(sentence) is None
    with translation.override("fr"):
        assert say(sentence, "CAD") == "Bring comfortable clothes on 2 déc. 2026."
    with translation.override("en"):
        assert say(sentence, "USD") == "Bring comfortable clothes on Dec 2, 2026."


@pytest.mark.parametrize("language", ["es", "fr"])
def test_a_stored_estimates_english_is_said_in_the_readers_language(language):
    data = stored_estimate()
    sentences = stored_sentences(data)
    assert len(sentences) > 10
    with translation.override(language):
        for sentence in sentences:
            assert parse(sentence) is not None, sentence
            assert say(sentence, data["currency"]) != sentence, sentence


@pytest.mark.parametrize("language", ["es", "fr"])
def test_every_template_has_a_compiled_translation(language):
    with translation.override(language):
        untranslated = [
            t for t in templates() if translated(t) == t and t not in SAME_IN.get(language, ())
        ]
    assert untranslated == []


def test_a_self_pay_estimate_is_said_in_french():
    estimate = price(plan(item("DN", 30, 1)), catalog(), SelfPay())
    with translation.override("fr"):
        said = [say(s, "USD") for s in estimate.primary.assumptions]
    assert said == ["Vous payez la clinique directement, à ses prix pour paiement direct."]
