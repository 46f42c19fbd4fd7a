"""PNGs of the patient quote page (360 and 1280 px) and admin for README: `make screenshots`.

Starts its own server on a free port with a throwaway SQLite database and the starter catalog,
drives headless Chromium (the system chromium and chromedriver), saves PNGs into
docs/screenshots/, and stops the server. Nothing else is touched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.e2e.chromium import headless_chromium  # noqa: E402 - needs the project on the path

OUT = ROOT / "docs" / "screenshots"
PY = sys.executable
# One answered quote of each kind a patient is likely to ask for.
QUOTES = {
    "quote-self-pay": "/quote/cascade/?area=neck&service=dry-needling-1-2&minutes=30"
    "&add_on=estim-unattended&sessions=6&per_week=1&coverage=self_pay&start={start}",
    "quote-not-sure": "/quote/cascade/?area=neck&service=dry-needling-1-2&minutes=30"
    "&add_on=estim-unattended&sessions=6&per_week=1&coverage=unknown&start={start}",
}
# The same page in the patient's language (the switch's cookie): Spanish, and French in Canada.
LANGUAGE_QUOTES = {
    "quote-not-sure-es": (
        "es",
        "/quote/cascade/?area=neck&service=dry-needling-1-2&minutes=30"
        "&add_on=estim-unattended&sessions=6&per_week=1&coverage=unknown&start={start}",
    ),
    "quote-harbour-fr": (
        "fr",
        "/quote/harbour/?area=neck&service=ims&sessions=6&per_week=1&coverage=self_pay"
        "&start={start}",
    ),
}
WIDTHS = {"phone": (360, 800), "desktop": (1280, 900)}
TALLEST = 4000  # px: a full page, cut where a reader would have stopped long before


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def wait_up(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - our own local server
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The server at {url} did not start.")


def full_page(driver: Any, width: int, path: Path) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(int(height), TALLEST))
    driver.save_screenshot(str(path))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="estimator-shots-")
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{workdir}/shots.sqlite3",
    }
    for command in ("migrate", "load_starter_catalog", "ensure_roles", "ensure_local_admin"):
        manage(env, command)
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    driver = None
    try:
        wait_up(base + "/")
        driver = headless_chromium("--hide-scrollbars")
        pages = [(name, "en", path) for name, path in QUOTES.items()]
        pages += [(name, language, path) for name, (language, path) in LANGUAGE_QUOTES.items()]
        for name, language, path in pages:
            driver.get(base + "/")
            driver.delete_all_cookies()
            driver.add_cookie({"name": "estimator_language", "value": language, "path": "/"})
            for size, (width, height) in WIDTHS.items():
                driver.set_window_size(width, height)
                # A week ahead of today: a first visit the quote page accepts on any day.
                start = (dt.date.today() + dt.timedelta(days=7)).isoformat()
                driver.get(base + path.format(start=start))
                driver.save_screenshot(str(OUT / f"{name}-{size}-first-screen.png"))
                full_page(driver, width, OUT / f"{name}-{size}.png")
        driver.set_window_size(1280, 900)
        driver.get(base + "/admin/login/")
        driver.find_element("id", "id_username").send_keys("admin")
        driver.find_element("id", "id_password").send_keys("estimator-local")
        driver.find_element("css selector", "[type=submit]").click()
        driver.get(base + "/admin/")
        driver.save_screenshot(str(OUT / "admin-desktop.png"))
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    for png in sorted(OUT.glob("*.png")):
        print(png.relative_to(ROOT))


if __name__ == "__main__":
    main()
