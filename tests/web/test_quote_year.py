"""The year so far: asked as the clinic's plans need it, checked against the chosen plan's terms."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.test import Client

from estimator import pricing
from estimator.formatting import money_text
from estimator.models import Clinic, InsurancePlan
from estimator.quotes import QuoteInput, quote_build

from .conftest import SELF_PAY, START, url
from .test_quote_page import text


def _insured(plan: InsurancePlan, **year: str) -> dict[str, object]:
    return {**SELF_PAY, "coverage": "insured", "plan": plan.pk, **year}


def _html(client: Client, plan: str = "Preferred PPO", **year: str) -> str:
    """The page answered with this plan of the Portland clinic and the year so far."""
    answers = _insured(InsurancePlan.objects.get(name=plan), **year)
    return str(client.get(url(answers=answers)).content.decode())


def test_us_clinic_asks_deductible_out_of_pocket_and_visits_not_annual_maximum(client, cascade):
    html = client.get(url()).content.decode()
    for name in ("deductible_met", "oop_met", "visits_used"):
        assert f'name="{name}"' in html
    assert 'name="annual_max_used"' not in html


def test_canadian_clinic_asks_annual_maximum_and_visits_never_a_deductible(client, starter_catalog):
    html = client.get(url("harbour")).content.decode()
    assert 'name="annual_max_used"' in html and 'name="visits_used"' in html
    assert 'name="deductible_met"' not in html and 'name="oop_met"' not in html


def test_year_so_far_reaches_the_engine_and_the_page_shows_its_figures(client, cascade):
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    answers = _insured(plan, deductible_met="500", oop_met="100", visits_used="3")
    page = text(client.get(url(answers=answers)))
    quote = quote_build(
        quote=QuoteInput(
            clinic=cascade,
            items=(pricing.PlanItem("dry-needling-1-2", 30, 6, ("estim-unattended",)),),
            sessions_per_week=1,
            start_date=dt.date.fromisoformat(START),
            coverage_mode="insured",
            plan=plan,
            standing=pricing.Standing(
                deductible_met=Decimal("500"), oop_met=Decimal("100"), visits_used=3
            ),
        )
    )
    total = money_text(quote.estimate.primary.totals.patient_pays, "USD")
    assert f"You would pay {total} in total" in page


def test_year_so_far_past_the_plans_terms_is_refused_beside_the_field(client, cascade):
    plan = InsurancePlan.objects.get(name="Preferred PPO")  # $500 deductible, 20 visits
    response = client.get(url(answers=_insured(plan, deductible_met="9999", visits_used="21")))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="f-deductible_met-error"' in html and 'id="f-visits_used-error"' in html
    assert "Your plan&#x27;s deductible is $500.00" in html
    assert "Your plan pays for 20 visits a year" in html
    assert 'href="#f-deductible_met"' in html  # in the error summary
    assert 'id="estimate"' not in html


def test_visits_used_cannot_pass_a_year(client, cascade):
    html = _html(client, "Part B", visits_used="400")
    assert "Visits already used: enter a whole number from 0 to 366." in html


def test_chosen_plans_terms_are_shown_in_plain_words(client, cascade):
    page = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"</?a\b[^>]*>", "", _html(client))).split())
    assert "Deductible: $500.00 a year" in page
    assert "Coinsurance: you pay 20% of the allowed amount" in page
    assert "Out-of-pocket maximum: $3,000.00 a year" in page
    assert "Visit limit: 20 visits a year." in page
    assert "The benefit year starts on Jan 1." in page
    assert "20.00%" not in page


def test_bookmarked_year_so_far_comes_back_in_the_form(client, cascade):
    html = _html(client, oop_met="120.50")
    assert 'name="oop_met" value="120.50"' in html


def test_harbour_plan_terms_have_no_deductible(client, starter_catalog):
    plan = InsurancePlan.objects.get(clinic__slug="harbour")
    answers = {**SELF_PAY, "service": "ims", "add_on": [], "coverage": "insured", "plan": plan.pk}
    page = text(client.get(url("harbour", answers=answers)))
    assert Clinic.objects.get(slug="harbour").currency == "CAD"
    assert "Deductible" not in page.split("Your plan's terms")[1][:400]
    assert "Yearly maximum: the plan pays at most $1,000.00 a year." in page
