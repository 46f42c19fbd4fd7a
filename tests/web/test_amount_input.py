"""Amounts of the year so far are read as the reader writes them: '150,00' on a French page,
'1,500' on an English one; what is ambiguous in the page's language is refused beside the field."""

from __future__ import annotations

import re

from estimator.models import InsurancePlan

from .conftest import SELF_PAY, url


def _answers(**year: str) -> dict[str, object]:
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    return {**SELF_PAY, "coverage": "insured", "plan": plan.pk, **year}


def _total(html: str) -> str:
    found = re.search(r'id="estimate".*?<strong[^>]*>([^<]+)<', html, re.S)
    assert found, "no estimate on the page"
    return found.group(1)


def _page(client, language: str, **year: str) -> str:
    response = client.get(url(answers=_answers(**year)), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_french_reader_writes_cents_after_a_comma(client, cascade):
    french = _page(client, "fr", deductible_met="150,00", oop_met="1 234,50")
    assert 'id="f-deductible_met-error"' not in french
    assert 'id="f-oop_met-error"' not in french
    plain = _page(client, "fr", deductible_met="150.00", oop_met="1234.50")
    assert _total(french) == _total(plain)


def test_an_english_reader_may_group_thousands_with_commas(client, cascade):
    grouped = _page(client, "en", oop_met="1,500")
    assert 'id="f-oop_met-error"' not in grouped
    assert _total(grouped) == _total(_page(client, "en", oop_met="1500"))


def test_a_comma_before_cents_is_refused_on_an_english_page(client, cascade):
    html = _page(client, "en", deductible_met="150,00")
    assert 'id="f-deductible_met-error"' in html
    assert 'id="estimate"' not in html


def test_the_example_in_the_french_message_uses_a_comma(client, cascade):
    html = _page(client, "fr", deductible_met="cent")
    assert "p. ex. 150,00" in html


def test_amount_boxes_are_text_with_a_decimal_keypad(client, cascade):
    html = client.get(url()).content.decode()
    box = re.search(r'<input[^>]*name="deductible_met"[^>]*>', html)
    assert box and 'type="text"' in box.group(0) and 'inputmode="decimal"' in box.group(0)


def test_the_totals_compared_are_amounts(client, cascade):
    assert re.search(r"\d", _total(_page(client, "fr", oop_met="1 234,50")))
