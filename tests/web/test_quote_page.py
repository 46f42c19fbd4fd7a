"""The patient quote page: home, the form, the estimate, and errors beside their fields."""

from __future__ import annotations

import re
from typing import Any

import pytest

from estimator.formatting import money_text, plain_figures
from estimator.models import Clinic, InsurancePlan

from .conftest import SELF_PAY, engine_quote, url

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    """The page as a reader sees it: tags out, spaces collapsed, entities decoded."""
    import html

    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    # Inline links (a glossary word) are part of their sentence: no space where they start.
    body = re.sub(r"</?a\b[^>]*>", "", body)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_home_lists_active_clinics_and_leads_to_their_quote_pages(client, starter_catalog):
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/quote/cascade/"' in response.content
    assert "Choose your clinic" in text(response)


def test_home_with_one_active_clinic_offers_a_single_button(client, starter_catalog):
    Clinic.objects.exclude(slug="cascade").update(active=False)
    response = client.get("/")
    assert "Get my estimate from Cascade Needling" in text(response)


def test_quote_root_redirects_to_the_only_clinic_keeping_the_answers(client, starter_catalog):
    Clinic.objects.exclude(slug="cascade").update(active=False)
    response = client.get("/quote/?area=neck")
    assert response.status_code == 302
    assert response["Location"] == "/quote/cascade/?area=neck"


def test_quote_root_with_several_clinics_lets_the_patient_choose(client, starter_catalog):
    response = client.get("/quote/")
    assert response.status_code == 200
    assert b"/quote/cascade/" in response.content


def test_unknown_or_inactive_clinic_is_not_found(client, cascade):
    assert client.get("/quote/nowhere/").status_code == 404
    cascade.active = False
    cascade.save()
    assert client.get("/quote/cascade/").status_code == 404


def test_blank_form_has_defaults_and_no_estimate(client, cascade):
    response = client.get(url())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="sessions" value="6"' in page
    # Next business day after Wednesday 2026-11-25: Thursday is Thanksgiving, a federal holiday.
    assert 'value="2026-11-27"' in page
    assert 'id="estimate"' not in page
    assert "Prices in US dollars (USD)" in text(response)


def test_area_preselects_and_marks_the_suggested_treatment(client, cascade):
    page = client.get(url(answers={"area": "foot"})).content.decode()
    chosen = re.search(r'name="service"[^>]*value="([^"]+)"[^>]*checked', page)
    assert chosen is not None and chosen.group(1) == "dry-needling-1-2"
    assert page.count('class="choice choice-rich is-suggested"') == 1


def test_area_preselects_the_best_ranked_suggestion_not_the_first_in_display_order(client, cascade):
    # Neck ranks 3+ muscles first although 1-2 muscles comes first in the catalog's order.
    page = client.get(url(answers={"area": "neck"})).content.decode()
    chosen = re.search(r'name="service"[^>]*value="([^"]+)"[^>]*checked', page)
    assert chosen is not None and chosen.group(1) == "dry-needling-3-plus"


def test_area_alone_is_quoted_with_the_suggested_treatment_and_its_usual_length(client, cascade):
    answers = {**SELF_PAY, "service": "", "minutes": "", "add_on": [], "area": "foot"}
    response = client.get(url(answers=answers))
    assert response.status_code == 200
    expected = engine_quote(cascade, minutes=15, add_ons=())
    total = expected.estimate.primary.totals.patient_pays
    assert f"You would pay {money_text(total, 'USD')} in total." in text(response)


def test_self_pay_estimate_shows_the_engines_figures_reasons_and_package(client, cascade):
    response = client.get(url(answers=SELF_PAY))
    assert response.status_code == 200
    page = text(response)
    quote = engine_quote(cascade)
    totals = quote.estimate.primary.totals
    assert f"You would pay {money_text(totals.patient_pays, 'USD')} in total." in page
    first = quote.estimate.primary.sessions[0]
    assert "You pay each" in page
    assert re.search(
        rf"Sessions? 1\b[^$]*{re.escape(money_text(first.totals.charge, 'USD'))}", page
    )
    assert money_text(first.totals.patient_pays, "USD") in page
    for line in first.lines:
        for adjustment in line.adjustments:
            # The engine's reasons, in the page's formats (10%, Dec 2, 2026).
            assert plain_figures(adjustment.message, "USD") in page
    package = quote.estimate.primary.packages[0]
    assert f"you save {money_text(package.savings, 'USD')}" in page
    assert "Dry needling is often not covered by insurance" in page
    assert "This is an estimate, not a bill" in page
    assert "slight sting" in page  # the catalog's what-to-expect text
    assert "Each session lasts about 45 minutes" in page  # 30 minutes + 15 of e-stim
    assert "2145 NE Broadway St" in page and "503-555-0134" in page
    assert "All amounts in US dollars (USD)" in page


def test_unsure_patient_sees_the_range_with_each_ends_assumption(client, cascade):
    answers = {**SELF_PAY, "coverage": "unknown", "add_on": []}
    page = text(client.get(url(answers=answers)))
    quote = engine_quote(cascade, add_ons=(), mode="unknown")
    best, worst = quote.estimate.best, quote.estimate.primary
    assert best is not None
    low = money_text(best.totals.patient_pays, "USD")
    high = money_text(worst.totals.patient_pays, "USD")
    assert f"You would pay between {low} and {high} in total." in page
    for assumption in (*best.assumptions, *worst.assumptions):
        assert assumption in page


def test_insured_patient_sees_what_the_plan_and_they_would_pay(client, cascade):
    plan = InsurancePlan.objects.get(clinic=cascade, name="Preferred PPO")
    answers = {**SELF_PAY, "coverage": "insured", "plan": plan.pk, "add_on": []}
    answers["deductible_met"] = "100.00"
    page = text(client.get(url(answers=answers)))
    assert "You would pay" in page and "and your plan" in page
    assert "deductible met $100.00" in page


def test_unsure_option_is_hidden_when_the_clinic_has_no_assumed_plan(client, cascade):
    assert b'value="unknown"' in client.get(url()).content
    cascade.unsure_patient_plan = None
    cascade.save()
    assert b'value="unknown"' not in client.get(url()).content
    response = client.get(url(answers={**SELF_PAY, "coverage": "unknown"}))
    assert "Choose how you will pay from the options listed." in text(response)


def test_add_ons_show_price_and_minutes_and_which_treatments_take_them(client, cascade):
    page = client.get(url()).content.decode()
    assert "+15 minutes · $20.00 per session" in page
    assert "+15 minutes · $30.00 per 15 minutes" in page
    assert 'data-services="dry-needling-1-2 dry-needling-3-plus ims"' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"service": "", "area": ""}, "service", "Choose a treatment, or tell us what hurts."),
        ({"minutes": "60"}, "minutes", "offered for 15, 30 minutes"),
        ({"add_on": ["heat-cold", "nope"]}, "add_on", "Choose add-ons from the list."),
        ({"service": "initial-assessment", "minutes": "45"}, "add_on", "cannot be added"),
        ({"sessions": "0"}, "sessions", "Number of sessions: enter a whole number from 1 to 50."),
        ({"sessions": "51"}, "sessions", "from 1 to 50"),
        ({"per_week": "8"}, "per_week", "Sessions per week: enter a whole number from 1 to 7."),
        ({"start": "2031-01-01"}, "start", "Choose a first-visit date between"),
        ({"start": "26/11/2026"}, "start", "Enter the first visit as a date"),
        ({"coverage": "insured"}, "plan", "Choose your plan."),
        ({"coverage": "insured", "plan": "999999"}, "plan", "Choose your plan from the list."),
        ({"minutes": "60", "add_on": ["manual-therapy"], "service": "ims"}, "minutes", "maximum"),
    ],
)
def test_errors_are_shown_beside_the_field_and_in_the_summary(
    client, cascade, changes, field, message
):
    response = client.get(url(answers={**SELF_PAY, **changes}))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page
    assert 'id="estimate"' not in page
    error = re.search(rf'<p class="field-error" id="f-{field}-error">(.*?)</p>', page, re.S)
    assert error is not None, page
    assert message in error.group(1).replace("&#x27;", "'")
    assert re.search(rf'<a href="#f-{field}(-\d+)?">', page)
    assert response["Content-Type"].startswith("text/html")


def test_insured_deductible_error_sits_beside_its_field(client, cascade):
    plan = InsurancePlan.objects.get(clinic=cascade, name="Preferred PPO")
    answers = {**SELF_PAY, "coverage": "insured", "plan": plan.pk, "deductible_met": "-5"}
    page = client.get(url(answers=answers)).content.decode()
    assert 'id="f-deductible_met-error"' in page
    assert 'aria-invalid="true"' in page


def test_plan_of_another_clinic_cannot_be_chosen(client, cascade):
    other = InsurancePlan.objects.exclude(clinic=cascade).first()
    assert other is not None
    answers = {**SELF_PAY, "coverage": "insured", "plan": other.pk}
    assert 'id="f-plan-error"' in client.get(url(answers=answers)).content.decode()


def test_canadian_clinic_quotes_in_canadian_dollars(client, starter_catalog):
    clinic = Clinic.objects.get(currency="CAD")
    page = client.get(url(clinic.slug)).content.decode()
    assert "Prices in Canadian dollars (CAD)" in page


def test_every_control_has_a_label_and_radio_groups_have_legends(client, cascade):
    # A first visit far enough ahead for the Good Faith Estimate request form to be offered.
    page = client.get(url(answers={**SELF_PAY, "start": "2026-12-14"})).content.decode()
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', page)
    assert ids
    for control_id in ids:
        assert f'for="{control_id}"' in page, control_id
    assert page.count("<fieldset") == page.count("<legend")
    assert 'aria-hidden="true"' in page and 'tabindex="-1"' in page  # the honeypot


def test_quote_answers_are_a_bookmarkable_get_with_no_personal_details(client, cascade):
    page = client.get(url(answers=SELF_PAY)).content.decode()
    assert re.search(r'<form id="f-form"[^>]*method="get"', page)
    pdf = re.search(r'href="([^"]+estimate\.pdf[^"]*)"', page)
    assert pdf is not None
    for personal in ("name=", "email", "date_of_birth", "phone"):
        assert personal not in pdf.group(1)


def test_a_too_long_session_links_to_the_chosen_length_not_a_hidden_one(client, cascade):
    answers = {**SELF_PAY, "service": "dry-needling-3-plus", "minutes": "60"}
    page = client.get(url(answers=answers)).content.decode()
    # 15 and 30 minutes come first; 60 is the chosen one, the one the script keeps visible.
    chosen = re.search(r'id="(f-minutes-\d+)" value="60" checked', page)
    assert chosen is not None
    assert f'<a href="#{chosen.group(1)}">The session would last 75 minutes' in page
