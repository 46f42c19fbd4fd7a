"""The result answers first: key figures from the engine, fitting notes, marked session table."""

from __future__ import annotations

import re
from typing import Any

from estimator.formatting import money_text
from estimator.models import InsurancePlan

from .conftest import SELF_PAY, engine_quote, url
from .test_quote_page import text

NOT_COVERED_NOTE = "Dry needling is often not covered by insurance"


def _key(page: str) -> str:
    """The key figures of the first screen, as text."""
    return text_between(page, 'data-testid="key-figures"', "</dl>")


def text_between(html: str, start: str, end: str) -> str:
    chunk = html[html.index(start) :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", chunk[: chunk.index(end)]))


def test_result_comes_before_the_form_with_a_way_back_to_the_answers(client, cascade):
    html = client.get(url(answers=SELF_PAY)).content.decode()
    assert html.index('id="estimate"') < html.index('id="f-form"')
    assert 'href="#f-form"' in html and "Change my answers" in html


def test_key_figures_give_total_per_session_and_the_package_due_at_the_first_visit(client, cascade):
    key = _key(client.get(url(answers=SELF_PAY)).content.decode())
    scenario = engine_quote(cascade).estimate.primary
    assert money_text(scenario.totals.patient_pays, "USD") in key
    per_session = sorted({s.totals.patient_pays for s in scenario.sessions})
    low, high = (money_text(per_session[i], "USD") for i in (0, -1))
    assert f"Per session {low if low == high else f'{low} to {high}'} " in key
    package = scenario.packages[0]
    # The package is paid at the first visit, with what it does not include.
    e_stim = scenario.sessions[0].lines[1]
    assert (
        f"{money_text(package.price, 'USD')} for the package ({package.name}) + "
        f"{money_text(e_stim.patient_pays, 'USD')} for {e_stim.name}"
    ) in key


def test_insured_key_figures_say_what_the_plan_pays(client, cascade):
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    answers = {**SELF_PAY, "coverage": "insured", "plan": plan.pk}
    key = _key(client.get(url(answers=answers)).content.decode())
    quote = engine_quote(cascade, mode="insured", plan=plan)
    assert f"Your plan pays {money_text(quote.estimate.primary.totals.plan_pays, 'USD')}" in key
    assert money_text(quote.estimate.primary.sessions[0].totals.patient_pays, "USD") in key


def test_range_gives_both_ends_with_one_sentence_each(client, cascade):
    answers = {**SELF_PAY, "coverage": "unknown", "add_on": []}
    key = _key(client.get(url(answers=answers)).content.decode())
    quote = engine_quote(cascade, add_ons=(), mode="unknown")
    assert quote.estimate.best is not None
    best = money_text(quote.estimate.best.totals.patient_pays, "USD")
    worst = money_text(quote.estimate.primary.totals.patient_pays, "USD")
    assert f"Best case {best} if your plan covers the treatment as its terms say." in key
    assert f"Worst case {worst} if your plan pays nothing" in key


def test_not_covered_note_only_where_the_patient_pays_for_needling(client, cascade):
    covers = InsurancePlan.objects.get(name="Preferred PPO")
    denies = InsurancePlan.objects.get(name__startswith="Choice POS")

    def page(**extra: Any) -> str:
        return text(client.get(url(answers={**SELF_PAY, **extra})))

    assert NOT_COVERED_NOTE in page()
    assert NOT_COVERED_NOTE not in page(coverage="insured", plan=covers.pk)
    assert NOT_COVERED_NOTE in page(coverage="insured", plan=denies.pk)


def test_session_table_marks_a_new_benefit_year_inline(client, cascade):
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    answers = {**SELF_PAY, "coverage": "insured", "plan": plan.pk, "sessions": "8"}
    page = text(client.get(url(answers=answers)))
    assert "New benefit year from Jan 1, 2027" in page


def test_not_sure_names_the_cheaper_of_the_range_and_paying_yourself(client, cascade):
    answers = {**SELF_PAY, "coverage": "unknown"}
    page = text(client.get(url(answers=answers)))
    unsure = engine_quote(cascade, mode="unknown")
    self_pay = engine_quote(cascade)
    assert unsure.estimate.best is not None
    mine = self_pay.estimate.primary.totals.patient_pays
    worst = unsure.estimate.primary.totals.patient_pays
    assert f"Paying yourself would cost {money_text(mine, 'USD')}" in page
    # The starter catalog's package makes paying yourself cheaper than the worst case.
    assert unsure.estimate.best.totals.patient_pays <= mine < worst
    assert f"less than the worst case ({money_text(worst, 'USD')})" in page
    assert "paying yourself is cheaper" in page
    assert "That includes a prepaid package" in page
    assert "the best case assumes a plan like" in page


def test_plan_not_listed_gives_the_self_pay_figure_and_what_to_ask(client, cascade):
    page = text(client.get(url(answers={**SELF_PAY, "coverage": "not_listed"})))
    total = engine_quote(cascade).estimate.primary.totals.patient_pays
    assert f"You would pay {money_text(total, 'USD')} in total." in page
    assert "Your plan isn't listed: what to ask your insurer" in page
    assert "20560 and 20561" in page and "prior authorization" in page


def test_plan_not_listed_is_offered_only_where_the_clinic_lists_plans(client, cascade):
    html = client.get(url()).content.decode()
    assert 'value="not_listed"' in html and "My plan isn&#x27;t listed" in html


def test_glossary_explains_each_word_and_the_page_links_to_it(client, cascade):
    glossary = client.get("/glossary/")
    assert glossary.status_code == 200
    html = glossary.content.decode()
    for slug in (
        "deductible",
        "coinsurance",
        "copay",
        "allowed-amount",
        "written-off",
        "benefit-year",
        "prior-authorization",
        "out-of-pocket-maximum",
        "billing-code",
        "good-faith-estimate",
        "abn",
    ):
        assert f'id="{slug}"' in html
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    page = client.get(url(answers={**SELF_PAY, "coverage": "insured", "plan": plan.pk}))
    result = page.content.decode()
    for slug in ("deductible", "coinsurance", "out-of-pocket-maximum", "billing-code"):
        assert f'href="/glossary/#{slug}"' in result


def test_engine_notes_to_staff_are_said_for_patients_in_the_pages_formats(client, starter_catalog):
    plan = InsurancePlan.objects.get(clinic__slug="harbour")
    answers = {**SELF_PAY, "service": "ims", "add_on": [], "coverage": "insured", "plan": plan.pk}
    page = text(client.get(url("harbour", answers=answers)))
    assert "No allowed amount is on file" not in page
    assert "the estimate assumes your plan accepts the full price of $" in page
    assert "CA$" not in page
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", page)
    assert not re.search(r"\d\.\d\d%", page)


def test_a_range_says_why_the_plan_pays_nothing_instead_of_zero_at_both_ends(client, cascade):
    page = text(client.get(url(answers={**SELF_PAY, "coverage": "unknown"})))
    quote = engine_quote(cascade, mode="unknown")
    assert quote.estimate.best is not None
    assert quote.estimate.best.totals.plan_pays == 0  # the $500 deductible takes it all
    assert "Insurance pays nothing: what you pay goes toward your deductible." in page
