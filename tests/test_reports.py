"""The monthly report: estimates given to patients per month, clinic and currency."""

from __future__ import annotations

from typing import Any

import pytest

from estimator.reports import estimates_per_month
from estimator.services import estimate_issue, estimate_supersede, estimate_void

from .factories import priced_estimate

pytestmark = pytest.mark.django_db


def test_counts_and_totals_per_month_clinic_and_currency_in_one_query(
    starter_catalog: Any, clock: Any, django_assert_num_queries: Any
) -> None:
    issued = [estimate_issue(estimate=priced_estimate(), by="t") for _ in range(3)]
    estimate_void(estimate=issued[0], by="t", reason="Patient cancelled")
    estimate_supersede(estimate=issued[1], by="t", reason="Wrong birth date")
    estimate_issue(estimate=priced_estimate(clinic_slug="harbour"), by="t")
    priced_estimate()  # drafts are not reported
    with django_assert_num_queries(1):
        rows = estimates_per_month()
    each = issued[2].patient_total.amount
    by_clinic = {row.clinic.split()[0]: row for row in rows}
    assert set(by_clinic) == {"Cascade", "Harbour"}
    cascade, harbour = by_clinic["Cascade"], by_clinic["Harbour"]
    assert (cascade.currency, harbour.currency) == ("USD", "CAD")
    assert (cascade.issued, cascade.void, cascade.superseded) == (1, 1, 1)
    assert cascade.issued_total == cascade.void_total == cascade.superseded_total == each
    assert (harbour.issued, harbour.void, harbour.superseded) == (1, 0, 0)
    assert cascade.month.isoformat() == "2026-11-01"
