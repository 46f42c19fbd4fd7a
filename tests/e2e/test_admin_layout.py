"""Admin at 1280 px with the navigation open: no list scrolls sideways, the breakdown's Why
column shows whole (headless Chromium; the layout is CSS, so only a browser can tell)."""

from __future__ import annotations

from typing import Any

from tests.factories import priced_estimate

from .test_quote_browser import SIZES, browser, no_horizontal_scroll, shot
from .test_quote_browser import pytestmark as quote_marks

__all__ = ["browser"]  # the fixture, shared with the quote page's browser test

# The quote page's marks: a browser test, on the clock, skipped without chromium.
pytestmark = quote_marks

OVERFLOWING = """
  return [...document.querySelectorAll('#changelist-form .results, .form-row.field-breakdown')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.className + ' ' + e.scrollWidth + '>' + e.clientWidth);
"""


def test_lists_and_the_breakdown_fit_1280_pixels(
    browser: Any, live_server: Any, starter_catalog: Any, staff_client: Any
) -> None:
    estimate = priced_estimate()
    browser.set_window_size(*SIZES["desktop"])
    browser.get(live_server.url + "/admin/login/")
    browser.add_cookie({"name": "sessionid", "value": staff_client.cookies["sessionid"].value})
    for page in [
        "/admin/estimator/estimate/",
        "/admin/estimator/insuranceplan/",
        "/admin/estimator/coveragerule/",
        "/admin/estimator/serviceprice/",
        f"/admin/estimator/estimate/{estimate.pk}/change/",
    ]:
        browser.get(live_server.url + page)
        shot(browser, "admin" + page.replace("/", "-"))
        assert "Log in" not in browser.title, page
        assert browser.execute_script(OVERFLOWING) == [], page
        assert no_horizontal_scroll(browser), page
