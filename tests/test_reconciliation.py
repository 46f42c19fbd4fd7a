"""How close estimates came to bills (admin report, aggregates) and the flagged-estimate filter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from estimator.models import Estimate
from estimator.reconciliation import LineBill, ProviderBill, billed_charges_record, billing_accuracy
from estimator.services import estimate_issue
from tests.factories import priced_estimate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

NPI = "1548720634"  # the starter catalog's Portland clinic


def billed(estimate: Estimate, extra: str) -> None:
    amount = estimate.patient_total.amount + Decimal(extra)
    line = LineBill("20561", estimate.clinic.today(), amount, "USD")
    billed_charges_record(
        estimate=estimate,
        bill_date=estimate.clinic.today(),
        providers=(ProviderBill(NPI, "Cascade", (line,)),),
    )


@pytest.fixture
def two_bills(starter_catalog: Any) -> tuple[Estimate, Estimate]:
    close = estimate_issue(estimate=priced_estimate(), by=None)
    far = estimate_issue(estimate=priced_estimate(), by=None)
    billed(close, "-10.00")
    billed(far, "450.00")
    return close, far


def test_accuracy_per_service_and_plan_is_one_aggregate_query(two_bills, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = billing_accuracy(by="service")
    [row] = rows
    assert (row.group, row.currency, row.bills, row.within) == (
        "Dry needling, 3 or more muscles",
        "USD",
        2,
        1,
    )
    assert row.share_within == Decimal("50.0")
    assert row.mean_absolute_error == Decimal("230.00")  # (10 + 450) / 2
    [plan] = billing_accuracy(by="plan")
    assert plan.group == "Self-pay (no plan)" and plan.bills == 2


def test_admin_shows_the_report_and_filters_flagged_estimates(staff_client, two_bills):
    close, far = two_bills
    page = staff_client.get("/admin/estimator/billedcharges/report/").content.decode()
    assert "Dry needling, 3 or more muscles" in page and "50.0%" in page and "230.00" in page
    listing = "/admin/estimator/estimate/?billing=over_threshold"
    flagged = staff_client.get(listing).content.decode()
    assert far.reference in flagged and close.reference not in flagged
    within = staff_client.get("/admin/estimator/estimate/?billing=within").content.decode()
    assert close.reference in within and far.reference not in within
    bill = far.bills.get()
    assert staff_client.get(f"/admin/estimator/billedcharges/{bill.pk}/change/").status_code == 200
