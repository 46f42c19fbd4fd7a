"""POST /api/v1/estimates/{reference}/billed-charges: bills compared with the GFE."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from estimator.models import BilledCharges, BilledProvider, Estimate, InsurancePlan
from estimator.services import PatientDetails, estimate_create, estimate_issue, estimate_void
from tests.factories import priced_estimate, self_pay_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

CLINIC_NPI = "1548720634"  # the starter catalog's Portland clinic
OTHER_NPI = "1234567893"


@pytest.fixture
def issued(starter_catalog: Any) -> Estimate:
    return estimate_issue(estimate=priced_estimate(), by=None)


def bill(estimate: Estimate, *amounts: str, npi: str = CLINIC_NPI, currency: str = "USD") -> dict:
    day = estimate.clinic.today().isoformat()
    return {
        "bill_date": day,
        "providers": [
            {
                "npi": npi,
                "name": "Cascade Needling & Physical Therapy",
                "lines": [
                    {"code": "20561", "date": day, "amount": {"amount": a, "currency": currency}}
                    for a in amounts
                ],
            }
        ],
    }


def post(client: Any, estimate: Estimate, body: dict, **headers: Any) -> Any:
    url = f"/api/v1/estimates/{estimate.reference}/billed-charges"
    return client.post(url, body, format="json", **headers)


def above(estimate: Estimate, extra: str) -> str:
    return f"{estimate.patient_total.amount + Decimal(extra):.2f}"


def test_a_bill_400_or_more_above_the_gfe_is_flagged_with_the_dispute_deadline(writer, issued):
    response = post(writer, issued, bill(issued, above(issued, "400.00")))
    assert response.status_code == 201, response.json()
    body = response.json()
    provider = body["providers"][0]
    assert provider["flagged"] is True
    assert provider["over_by"] == {"amount": "400.00", "currency": "USD"}
    assert provider["expected"]["amount"] == f"{issued.patient_total.amount:.2f}"
    deadline = (issued.clinic.today() + dt.timedelta(days=120)).isoformat()
    assert provider["dispute_deadline"] == deadline
    assert body["billing"] == {
        "status": "over_threshold",
        "bill_date": issued.clinic.today().isoformat(),
        "over_by": {"amount": "400.00", "currency": "USD"},
        "dispute_deadline": deadline,
    }
    fetched = writer.get(f"/api/v1/estimates/{issued.reference}").json()
    assert fetched["billing"]["status"] == "over_threshold"


def test_a_bill_under_400_above_is_within_and_a_later_bill_replaces_it(writer, issued):
    assert writer.get(f"/api/v1/estimates/{issued.reference}").json()["billing"]["status"] == (
        "not_billed"
    )
    # Two lines, split so the total is one cent under the threshold.
    first = post(writer, issued, bill(issued, "100.00", above(issued, "299.99")))
    assert first.json()["billing"]["status"] == "within"
    assert first.json()["providers"][0]["flagged"] is False
    post(writer, issued, bill(issued, above(issued, "500.00")))
    assert BilledCharges.objects.filter(estimate=issued).count() == 2
    assert BilledCharges.objects.get(estimate=issued, replaced=False).providers.get().flagged


def test_a_provider_the_estimate_did_not_list_was_expected_to_bill_nothing(writer, issued):
    body = post(writer, issued, bill(issued, "400.00", npi=OTHER_NPI)).json()
    assert body["providers"][0]["expected"]["amount"] == "0.00"
    assert body["providers"][0]["flagged"] is True


def test_patients_not_owed_a_gfe_have_no_dispute_flag(writer, starter_catalog):
    plan = InsurancePlan.objects.get(clinic__slug="cascade", name="Preferred PPO")
    quote_input = replace(self_pay_plan(plan.clinic), coverage_mode="insured", plan=plan)
    insured = estimate_create(quote_input=quote_input, patient=PatientDetails(name="Pat"))
    estimate_issue(estimate=insured, by=None)
    body = post(writer, insured, bill(insured, "5000.00")).json()
    assert body["providers"][0]["flagged"] is False
    assert body["billing"]["status"] == "no_gfe"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "CAD"}, "providers[0].lines[0].amount.currency"),
        ({"npi": "1234567890"}, "providers[0].npi"),
    ],
)
def test_field_errors_are_400s_naming_the_field(writer, issued, change, field):
    body = bill(issued, "100.00", **change)
    response = post(writer, issued, body)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not BilledCharges.objects.exists()


def test_bad_code_amount_and_dates_are_400s(writer, issued):
    body = bill(issued, "100.00")
    line = body["providers"][0]["lines"][0]
    line["code"] = "ABC"
    line["amount"]["amount"] = 100
    body["bill_date"] = "2030-01-01"
    response = post(writer, issued, body)
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"providers[0].lines[0].code", "providers[0].lines[0].amount.amount"} <= fields
    assert post(writer, issued, {"bill_date": "2026-11-25"}).status_code == 400


def test_unknown_reference_is_404_and_draft_or_void_is_409(writer, starter_catalog):
    draft = priced_estimate()
    response = writer.post(
        "/api/v1/estimates/EST-NOPE2345/billed-charges", bill(draft, "1.00"), format="json"
    )
    assert response.status_code == 404
    response = post(writer, draft, bill(draft, "1.00"))
    assert response.status_code == 409
    assert "draft" in response.json()["detail"]
    void = estimate_void(estimate=estimate_issue(estimate=draft, by=None), by=None, reason="x")
    assert post(writer, void, bill(void, "1.00")).status_code == 409
    assert not BilledCharges.objects.exists()


def test_a_read_key_cannot_report_bills(reader, issued):
    assert post(reader, issued, bill(issued, "1.00")).status_code == 403


def test_a_replay_with_the_same_idempotency_key_records_one_bill(writer, issued):
    body = bill(issued, "100.00")
    first = post(writer, issued, body, HTTP_IDEMPOTENCY_KEY="bill-1")
    again = post(writer, issued, body, HTTP_IDEMPOTENCY_KEY="bill-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert BilledCharges.objects.count() == 1 and BilledProvider.objects.count() == 1
    changed = post(writer, issued, bill(issued, "200.00"), HTTP_IDEMPOTENCY_KEY="bill-1")
    assert changed.status_code == 422
