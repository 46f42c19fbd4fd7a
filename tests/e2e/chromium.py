"""Headless Chromium through the system chromedriver (Selenium Manager never runs).

Shared by the browser tests and docs/screenshots.py."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def headless_chromium(*extra_flags: str) -> Any:
    """A Chrome WebDriver on headless Chromium with the flags above and any extra ones."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, *extra_flags):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


@contextmanager
def chromium_session() -> Iterator[Any]:
    """A driver with a profile of its own, closed and its profile removed afterwards."""
    profile = tempfile.mkdtemp(prefix="estimator-e2e-")
    driver = headless_chromium(f"--user-data-dir={profile}")
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
