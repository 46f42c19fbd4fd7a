"""A patient uses the quote page in headless Chromium, on a phone and on a desktop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from estimator.formatting import money_text
from estimator.models import Clinic, GoodFaithEstimateRequest, InsurancePlan
from tests.web.conftest import SELF_PAY, START, engine_quote, url

from .chromium import CHROMEDRIVER, CHROMIUM, chromium_session

# Set E2E_SCREENSHOTS=/some/dir to keep a screenshot of each step for a person to look at.
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.browser,
    # The pages are served by this process, so its clock is the one that matters.
    pytest.mark.usefixtures("clock"),
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason="chromium and chromedriver are not installed (CI installs them in .ci/run)",
    ),
]

SIZES = {"phone": (375, 812), "desktop": (1280, 900)}
# 12 business days after the suite's today: far enough ahead for a Good Faith Estimate request.
GFE_START = "2026-12-14"


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium driven by the system chromedriver (Selenium Manager never runs)."""
    with chromium_session() as driver:
        yield driver


def shot(driver: Any, name: str) -> None:
    """Keep a full-page screenshot when asked to (E2E_SCREENSHOTS)."""
    if not SCREENSHOTS:
        return
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    size = driver.get_window_size()
    driver.set_window_size(size["width"], min(height + 200, 12000))
    driver.save_screenshot(str(Path(SCREENSHOTS) / f"{name}.png"))
    driver.set_window_size(size["width"], size["height"])
    assert width > 0


def click_label(driver: Any, input_selector: str) -> None:
    """Choose a radio button or checkbox the way a person does: by its label."""
    from selenium.webdriver.common.by import By

    control = driver.find_element(By.CSS_SELECTOR, input_selector)
    label = driver.find_element(By.CSS_SELECTOR, f'label[for="{control.get_attribute("id")}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
    label.click()


def fill(driver: Any, field_id: str, value: str) -> None:
    """Type into a field (date inputs take their value directly: typing them is locale-bound)."""
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, field_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    if element.get_attribute("type") == "date":
        driver.execute_script("arguments[0].value = arguments[1]", element, value)
        return
    element.clear()
    element.send_keys(value)


def wait_for(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 15).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def no_horizontal_scroll(driver: Any) -> bool:
    return bool(
        driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    )


@pytest.mark.parametrize("size", SIZES)
def test_patient_gets_an_estimate_and_requests_a_good_faith_estimate(
    browser, live_server, starter_catalog, size
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(*SIZES[size])
    clinic = Clinic.objects.get(slug="cascade")
    browser.get(live_server.url + "/")
    browser.find_element(By.CSS_SELECTOR, 'a[href="/quote/cascade/"]').click()
    wait_for(browser, "#f-form")
    assert no_horizontal_scroll(browser)
    shot(browser, f"{size}-1-form")

    # What hurts suggests a treatment (JavaScript marks and picks it).
    click_label(browser, 'input[name="area"][value="foot"]')
    suggested = browser.find_element(
        By.CSS_SELECTOR, 'input[name="service"][value="dry-needling-1-2"]'
    )
    assert suggested.is_selected()
    # Only the lengths and add-ons of the chosen treatment remain.
    assert not browser.find_element(
        By.CSS_SELECTOR, 'input[name="minutes"][value="60"]'
    ).is_displayed()
    click_label(browser, 'input[name="minutes"][value="30"]')
    click_label(browser, 'input[name="add_on"][value="estim-unattended"]')
    fill(browser, "f-sessions", "6")
    fill(browser, "f-per_week", "1")
    fill(browser, "f-start", GFE_START)
    click_label(browser, 'input[name="coverage"][value="self_pay"]')
    browser.find_element(By.CSS_SELECTOR, '#f-form button[type="submit"]').click()

    headline = wait_for(browser, '[data-testid="headline"]')
    quote = engine_quote(clinic, start=GFE_START)
    total = money_text(quote.estimate.primary.totals.patient_pays, "USD")
    per_session = money_text(quote.estimate.primary.sessions[0].totals.patient_pays, "USD")
    assert headline.text == f"You would pay {total} in total."
    page = browser.find_element(By.ID, "estimate").text
    assert per_session in page
    assert "Dry needling is often not covered by insurance" in page
    # The Print button needs JavaScript, so the script reveals it once it has run.
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-print]").is_displayed()
    )
    assert no_horizontal_scroll(browser)
    shot(browser, f"{size}-2-estimate")

    fill(browser, "g-name", "Ada Lovelace")
    fill(browser, "g-date_of_birth", "1985-12-10")
    fill(browser, "g-email", f"ada-{size}@example.com")
    fill(browser, "g-phone", "503-555-0199")
    click_label(browser, "#g-consent")
    browser.find_element(By.CSS_SELECTOR, '#g-form button[type="submit"]').click()
    reference = wait_for(browser, ".reference")
    shot(browser, f"{size}-3-sent")
    stored = GoodFaithEstimateRequest.objects.get(patient_email=f"ada-{size}@example.com")
    assert reference.text == stored.reference
    assert stored.patient_total.amount == quote.estimate.primary.totals.patient_pays
    assert "Ada" not in browser.current_url and "example.com" not in browser.current_url


def test_unsure_patient_sees_a_range_and_errors_link_to_their_fields(
    browser, live_server, starter_catalog
):
    from selenium.webdriver.common.by import By

    browser.set_window_size(*SIZES["desktop"])
    clinic = Clinic.objects.get(slug="cascade")
    browser.get(live_server.url + "/quote/cascade/")
    click_label(browser, 'input[name="service"][value="dry-needling-1-2"]')
    click_label(browser, 'input[name="minutes"][value="30"]')
    fill(browser, "f-sessions", "0")
    fill(browser, "f-start", START)
    click_label(browser, 'input[name="coverage"][value="unknown"]')
    browser.find_element(By.CSS_SELECTOR, '#f-form button[type="submit"]').click()
    summary = wait_for(browser, "#error-summary")
    assert browser.switch_to.active_element == summary
    summary.find_element(By.CSS_SELECTOR, 'a[href="#f-sessions"]').click()
    assert browser.switch_to.active_element.get_attribute("id") == "f-sessions"
    shot(browser, "desktop-4-errors")

    fill(browser, "f-sessions", "6")
    browser.find_element(By.CSS_SELECTOR, '#f-form button[type="submit"]').click()
    wait_for(browser, '[data-testid="best"]')
    quote = engine_quote(clinic, add_ons=(), mode="unknown")
    assert quote.estimate.best is not None
    best = browser.find_element(By.CSS_SELECTOR, '[data-testid="best"]').text
    worst = browser.find_element(By.CSS_SELECTOR, '[data-testid="worst"]').text
    assert money_text(quote.estimate.best.totals.patient_pays, "USD") in best
    assert money_text(quote.estimate.primary.totals.patient_pays, "USD") in worst
    shot(browser, "desktop-5-range")


@pytest.mark.parametrize(
    ("slug", "plan", "kind", "form"),
    [
        ("cascade", None, "good_faith_estimate", True),
        ("cascade", "Part B", "abn", False),
        ("harbour", None, "itemised_estimate", False),
    ],
)
def test_each_patient_is_offered_only_the_notice_that_applies(
    browser, live_server, starter_catalog, slug, plan, kind, form
):
    from selenium.webdriver.common.by import By

    answers = {**SELF_PAY, "start": GFE_START}
    if plan is not None:
        answers |= {"coverage": "insured", "plan": InsurancePlan.objects.get(name=plan).pk}
    if slug == "harbour":
        answers |= {"service": "ims", "add_on": []}
    browser.set_window_size(*SIZES["desktop"])
    browser.get(live_server.url + url(slug, answers=answers))
    notice = wait_for(browser, "#notice")
    assert notice.get_attribute("data-notice") == kind
    assert bool(browser.find_elements(By.ID, "g-form")) is form
    if form:
        assert browser.find_element(By.CSS_SELECTOR, '[data-testid="gfe-due"]').text == (
            "Dec 1, 2026"
        )
    shot(browser, f"desktop-6-notice-{kind}")
