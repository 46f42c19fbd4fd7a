"""The worked example in README.md is what the engine prints for that plan, to the cent."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from estimator import pricing
from estimator.models import Clinic, InsurancePlan
from estimator.quotes import QuoteInput, quote_build

README = Path(__file__).resolve().parent.parent / "README.md"
COLUMNS = ["charge", "allowed", "deductible", "coinsurance", "plan_pays", "patient_pays"]


def readme_rows() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- worked-example:start -->(.*?)<!-- worked-example:end -->", text, re.S)
    assert block is not None, "README lost its worked example"
    rows = []
    for line in block.group(1).strip().splitlines()[2:]:
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


@pytest.mark.django_db
# The $450 met is the patient's standing on the clock's day (2026-11-25), in the 2026 benefit year.
@pytest.mark.usefixtures("clock")
def test_readme_worked_example_matches_the_engine(starter_catalog: Any) -> None:
    quote = QuoteInput(
        clinic=Clinic.objects.get(slug="cascade"),
        items=(pricing.PlanItem("dry-needling-3-plus", 30, 3, ("estim-unattended",)),),
        sessions_per_week=1,
        start_date=dt.date(2026, 12, 2),
        coverage_mode="insured",
        plan=InsurancePlan.objects.get(name="Preferred PPO"),
        standing=pricing.Standing(deductible_met=Decimal("450.00")),
    )
    estimate = quote_build(quote=quote).estimate
    printed = []
    for session in estimate.primary.sessions:
        for line in session.lines:
            printed.append(
                [str(session.number), session.on.isoformat(), line.billing[0].code]
                + [f"{getattr(line, c):.2f}" for c in [*COLUMNS, "written_off"]]
            )
    totals = estimate.primary.totals
    printed.append(
        ["total", "", ""] + [f"{getattr(totals, c):.2f}" for c in [*COLUMNS, "written_off"]]
    )
    documented = [[row[0], row[1], row[2].split(" ")[0], *row[3:]] for row in readme_rows()]
    assert documented == printed
