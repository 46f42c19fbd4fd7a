"""Each kind of patient finds the answer in the first screen, on a phone and on a desktop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from estimator.formatting import money_text
from estimator.models import Clinic, InsurancePlan
from tests.web.conftest import SELF_PAY, engine_quote, url

from .chromium import chromium_session
from .test_quote_browser import browser, click_label, no_horizontal_scroll, pytestmark, wait_for

__all__ = ["browser", "pytestmark"]

PHONE, DESKTOP = (360, 800), (1280, 900)
# (clinic, coverage, plan name or None, answers changed from SELF_PAY)
CASES = {
    "self_pay": ("cascade", "self_pay", None, {}),
    "insured": ("cascade", "insured", "Preferred PPO", {}),
    "not_sure": ("cascade", "unknown", None, {}),
    "canadian": ("harbour", "insured", "Extended Health", {"service": "ims", "add_on": []}),
    "medicare": ("cascade", "insured", "Part B", {}),
}


LANGUAGES = ("en", "es", "fr")
SELF_PAY_COMPARED = {
    "en": "Paying yourself would cost",
    "es": "Pagar usted mismo costaría",
    "fr": "Payer vous-même coûterait",
}


@pytest.fixture(scope="module")
def patient_browser() -> Iterator[Any]:
    """One headless Chromium for the module's walks (each starts without cookies)."""
    with chromium_session() as driver:
        yield driver


def choose_language(driver: Any, language: str) -> None:
    """Switch the page's language as a patient does: the switch in the header."""
    from selenium.webdriver.common.by import By

    if language == "en":
        return
    before = driver.current_url
    driver.find_element(By.CSS_SELECTOR, f'.language-switch button[value="{language}"]').click()
    wait_for(driver, f'html[lang="{language}"] [data-testid="key-figures"]')
    assert driver.current_url == before  # the answers are kept


def spaced(text: str) -> str:
    """Text with no-break and narrow spaces as plain ones (WebDriver's .text makes them so)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _in_first_screen(driver: Any, css: str) -> bool:
    return bool(
        driver.execute_script(
            "var r = document.querySelector(arguments[0]).getBoundingClientRect();"
            "return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;",
            css,
        )
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", CASES)
def test_first_screen_answers_with_the_engines_figures(
    patient_browser, live_server, starter_catalog, case, language
):
    browser = patient_browser
    slug, mode, plan_name, changes = CASES[case]
    clinic = Clinic.objects.get(slug=slug)
    plans = InsurancePlan.objects.filter(clinic=clinic, name__startswith=plan_name or "-")
    plan = plans.order_by("name").first()
    answers = {**SELF_PAY, **changes, "coverage": mode}
    if plan is not None:
        answers["plan"] = plan.pk
    service = answers["service"]
    quote = engine_quote(
        clinic, service=service, add_ons=tuple(answers["add_on"]), mode=mode, plan=plan
    )
    primary = quote.estimate.primary
    currency = clinic.currency

    def money(amount: Any) -> str:
        # As the page writes it in the patient's language: "1 234,50 $" in French for CAD.
        with translation.override(language):
            return money_text(amount, currency)

    expected = {
        '[data-testid="key-per-session"]': money(primary.sessions[0].totals.patient_pays),
    }
    if quote.estimate.best is not None:
        expected['[data-testid="key-best"]'] = money(quote.estimate.best.totals.patient_pays)
        expected['[data-testid="key-worst"]'] = money(primary.totals.patient_pays)
    else:
        expected['[data-testid="key-total"]'] = money(primary.totals.patient_pays)
    if mode == "insured":
        expected['[data-testid="key-plan"]'] = money(primary.totals.plan_pays)
    if primary.packages:
        expected['[data-testid="key-first-visit"]'] = money(primary.packages[0].price)
    else:
        first = primary.sessions[0].totals.patient_pays
        expected['[data-testid="key-first-visit"]'] = money(first)

    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.set_window_size(*PHONE)
    browser.get(live_server.url + url(slug, answers=answers))
    wait_for(browser, '[data-testid="key-figures"]')
    choose_language(browser, language)
    for css, figure in expected.items():
        assert spaced(figure) in spaced(browser.find_element(By.CSS_SELECTOR, css).text), css
        assert _in_first_screen(browser, css), f"{css} is below the first screen at 360 px"
    assert _in_first_screen(browser, '[data-testid="change-answers"]')
    assert no_horizontal_scroll(browser)
    if quote.estimate.best is not None:
        # Set beside paying yourself, just below the figures on a phone.
        compare = browser.find_element(By.CSS_SELECTOR, '[data-testid="self-pay-compare"]')
        assert SELF_PAY_COMPARED[language] in compare.text

    browser.set_window_size(*DESKTOP)
    for css in expected:
        assert _in_first_screen(browser, css), f"{css} is below the first screen at 1280 px"
    assert no_horizontal_scroll(browser)


def test_session_length_shows_live_and_a_too_long_session_is_caught_before_sending(
    browser, live_server, starter_catalog
):
    from selenium.webdriver.common.by import By

    browser.set_window_size(*PHONE)
    browser.get(live_server.url + "/quote/cascade/")
    wait_for(browser, "#f-form")
    click_label(browser, 'input[name="service"][value="dry-needling-3-plus"]')
    click_label(browser, 'input[name="minutes"][value="60"]')
    region = browser.find_element(By.ID, "session-length")
    assert "Each session lasts about 60 minutes." in region.text
    click_label(browser, 'input[name="add_on"][value="estim-unattended"]')
    assert "would last 75 minutes" in region.text
    before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, '#f-form button[type="submit"]').click()
    assert browser.current_url == before  # not sent
    assert browser.switch_to.active_element == region
    link = region.find_element(By.TAG_NAME, "a")
    target = browser.find_element(By.CSS_SELECTOR, link.get_attribute("hash"))
    assert (
        target.is_displayed()
        or browser.find_element(
            By.CSS_SELECTOR, f'label[for="{target.get_attribute("id")}"]'
        ).is_displayed()
    )


def test_good_faith_estimate_request_errors_take_focus(browser, live_server, starter_catalog):
    from selenium.webdriver.common.by import By

    browser.set_window_size(*PHONE)
    answers = {**SELF_PAY, "start": "2026-12-14"}  # far enough ahead for a request
    browser.get(live_server.url + url("cascade", answers=answers))
    wait_for(browser, "#g-form")
    button = browser.find_element(By.CSS_SELECTOR, '#g-form button[type="submit"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    summary = wait_for(browser, "#gfe-error-summary")
    assert browser.switch_to.active_element == summary
    link = summary.find_element(By.CSS_SELECTOR, 'a[href="#g-name"]')
    link.click()
    assert browser.switch_to.active_element.get_attribute("id") == "g-name"
