"""GET /api/v1/estimates/{reference}/fhir: a Da Vinci PCT-shaped GFE Bundle, valid FHIR R4(B)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from estimator.models import Estimate, InsurancePlan
from estimator.services import PatientDetails, estimate_create, estimate_issue
from tests.factories import priced_estimate, self_pay_plan

from .conftest import auth

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

PCT = "http://hl7.org/fhir/us/davinci-pct"
DAR = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def fetch(client: Any, estimate: Estimate) -> dict[str, Any]:
    response = client.get(f"/api/v1/estimates/{estimate.reference}/fhir")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def validated(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every resource through the FHIR models; then the resources by type and id."""
    Bundle.model_validate(bundle)
    found = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        found[f"{resource['resourceType']}/{resource['id']}"] = resource
    # pct-gfe-bundle-2: every reference resolves to an entry of the bundle.
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    text = json.dumps([entry["resource"] for entry in bundle["entry"]])
    for reference in {r.split('"')[0] for r in text.split('"reference": "')[1:]}:
        assert reference in urls, reference
    return found


@pytest.fixture
def self_pay(starter_catalog: Any) -> Estimate:
    estimate = priced_estimate(diagnosis_codes=("M54.50", "M79.1"), name="Ada King Lovelace")
    return estimate_issue(estimate=estimate, by=None)


def test_a_self_pay_estimate_is_a_pct_gfe_bundle(reader, self_pay):
    bundle = fetch(reader, self_pay)
    resources = validated(bundle)
    assert bundle["type"] == "collection" and bundle["timestamp"]
    assert bundle["identifier"]["value"] == self_pay.reference
    assert bundle["meta"]["profile"] == [f"{PCT}/StructureDefinition/davinci-pct-gfe-bundle"]

    # pct-gfe-bundle-3: the first entry is the estimate-summary Claim.
    summary = bundle["entry"][0]["resource"]
    assert summary["resourceType"] == "Claim"
    assert summary["type"]["coding"][0] == {
        "system": f"{PCT}/CodeSystem/PCTEstimateTypeSummaryCSTemporaryTrialUse",
        "code": "estimate-summary",
        "display": "Estimate Summary",
    }
    assert summary["use"] == "predetermination" and "item" not in summary
    assert summary["billablePeriod"] == {
        "start": self_pay.start_date.isoformat(),
        "end": self_pay.end_date.isoformat(),
    }
    assert summary["provider"] == {"extension": [{"url": DAR, "valueCode": "not-applicable"}]}
    total = self_pay.patient_total.amount
    assert Decimal(str(summary["total"]["value"])) == total

    professional = resources["Claim/professional-1"]
    assert professional["use"] == "predetermination"
    assert professional["type"]["coding"][0]["code"] == "professional"
    [placer] = professional["identifier"]
    assert placer["type"]["coding"][0]["code"] == "PLAC" and placer["value"]
    taxonomy = professional["provider"]["extension"][0]
    assert taxonomy["url"] == f"{PCT}/StructureDefinition/providerTaxonomy"
    assert (
        taxonomy["valueCodeableConcept"]["coding"][0]["system"]
        == "http://nucc.org/provider-taxonomy"
    )
    assert [d["diagnosisCodeableConcept"]["coding"][0] for d in professional["diagnosis"]] == [
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.50"},
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M79.1"},
    ]
    assert professional["diagnosis"][0]["type"][0]["coding"][0]["code"] == "principal"
    items = professional["item"]
    assert 1 <= len(items) <= 50
    nets = Decimal("0")
    for item in items:
        [coding] = item["productOrService"]["coding"]
        assert coding["system"] == "http://www.ama-assn.org/go/cpt" and coding["display"]
        assert "servicedDate" in item or "servicedPeriod" in item
        assert item["locationCodeableConcept"]["coding"][0]["code"] == "11"
        assert item["extension"][0]["url"] == f"{PCT}/StructureDefinition/serviceDescription"
        unit = Decimal(str(item["unitPrice"]["value"]))
        net = Decimal(str(item["net"]["value"]))
        assert net == unit * item["quantity"]["value"]
        nets += net
    assert nets == Decimal(str(professional["total"]["value"])) == total
    # Two identical weekly sessions of 20561: one item, quantity 2.
    assert items[0]["productOrService"]["coding"][0]["code"] == "20561"
    assert items[0]["quantity"]["value"] == 2

    patient = resources["Patient/patient"]
    assert patient["name"][0] == {
        "text": "Ada King Lovelace",
        "family": "Lovelace",
        "given": ["Ada", "King"],
    }
    assert patient["birthDate"] == "1980-05-17" and patient["gender"] == "unknown"
    clinic = resources["Organization/clinic"]
    identifiers = {i["system"]: i for i in clinic["identifier"]}
    assert identifiers["http://hl7.org/fhir/sid/us-npi"]["value"] == "1548720634"
    tin = identifiers["urn:oid:2.16.840.1.113883.4.4"]
    assert tin["value"] == "93-1234567" and tin["type"]["coding"][0]["code"] == "TAX"
    # Self-pay: no Coverage; the claims say why.
    assert not any(key.startswith("Coverage/") for key in resources)
    assert professional["insurance"][0]["coverage"]["extension"] == [
        {"url": DAR, "valueCode": "not-applicable"}
    ]


@pytest.mark.parametrize("plan_name", ["Preferred PPO", "Part B"])
def test_an_insured_estimate_carries_its_coverage_and_payer(reader, starter_catalog, plan_name):
    plan = InsurancePlan.objects.get(clinic__slug="cascade", name=plan_name)
    quote_input = replace(self_pay_plan(plan.clinic), coverage_mode="insured", plan=plan)
    estimate = estimate_create(quote_input=quote_input, patient=PatientDetails(name="Pat"))
    resources = validated(fetch(reader, estimate))
    coverage = resources["Coverage/coverage"]
    assert coverage["payor"][0]["display"] == plan.payer.name
    assert coverage["class"][0]["name"] == plan.name and coverage["period"]
    assert resources["Organization/payer"]["type"][0]["coding"][0]["code"] == "pay"
    assert resources["Claim/professional-1"]["status"] == "draft"
    assert resources["Claim/summary"]["insurer"]["reference"].startswith("urn:uuid:")
    if plan_name == "Part B":
        # Dry needling by a physical therapist: Medicare expects to deny it; the ABN's GA.
        [item] = resources["Claim/professional-1"]["item"]
        modifiers = [m["coding"][0] for m in item["modifier"]]
        assert {
            "system": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
            "code": "GA",
        } in modifiers


def test_access_follows_the_estimate_rules(api, self_pay, harbour_key):
    url = f"/api/v1/estimates/{self_pay.reference}/fhir"
    assert api.get(url).status_code in (401, 403)
    assert api.get(url, **auth(harbour_key)).status_code == 404
    assert api.get("/api/v1/estimates/EST-NOPE2345/fhir", **auth(harbour_key)).status_code == 404


def test_json_or_fhir_json_is_accepted_and_anything_else_is_a_406(reader, self_pay):
    url = f"/api/v1/estimates/{self_pay.reference}/fhir"
    for accept in ("application/json", "application/fhir+json", "*/*"):
        response = reader.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+json"
    assert reader.get(url, HTTP_ACCEPT="text/csv").status_code == 406
