"""Shared answers for the quote page tests."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest

from estimator import pricing
from estimator.models import Clinic, CoverageMode, InsurancePlan
from estimator.quotes import Quote, QuoteInput, quote_build

# A Thursday, the day after the suite's "today" (tests.conftest.TODAY, 2026-11-25).
START = "2026-11-26"


@pytest.fixture(autouse=True)
def _clock(clock: Any) -> Any:
    # Every quote page answer is about dates relative to the clinic's today.
    return clock


SELF_PAY: dict[str, Any] = {
    "area": "neck",
    "service": "dry-needling-1-2",
    "minutes": "30",
    "add_on": ["estim-unattended"],
    "sessions": "6",
    "per_week": "1",
    "start": START,
    "coverage": "self_pay",
}


def url(slug: str = "cascade", answers: dict[str, Any] | None = None, page: str = "") -> str:
    """The quote page (or its PDF) with answers in the query string."""
    path = f"/quote/{slug}/{page}"
    return path + "?" + urlencode(answers, doseq=True) if answers else path


def engine_quote(
    clinic: Clinic,
    *,
    service: str = "dry-needling-1-2",
    minutes: int = 30,
    add_ons: tuple[str, ...] = ("estim-unattended",),
    sessions: int = 6,
    per_week: int = 1,
    start: str = START,
    mode: str = CoverageMode.SELF_PAY,
    plan: InsurancePlan | None = None,
) -> Quote:
    """The same plan priced straight through the use case, to compare with the page."""
    return quote_build(
        quote=QuoteInput(
            clinic=clinic,
            items=(pricing.PlanItem(service, minutes, sessions, add_ons),),
            sessions_per_week=per_week,
            start_date=dt.date.fromisoformat(start),
            coverage_mode=mode,
            plan=plan,
        )
    )


@pytest.fixture
def cascade(starter_catalog: Any) -> Clinic:
    """The Portland clinic of the starter catalog (USD)."""
    return Clinic.objects.get(slug="cascade")
