"""A stored estimate as an HL7 FHIR R4 Bundle shaped after the Da Vinci Patient Cost Transparency
(PCT) GFE Bundle (github.com/HL7/davinci-pct, input/fsh: pct_gfe_bundle, pct_gfe_summary,
pct_gfe_professional, pct_organization, pct_coverage).

Plain dicts from the estimate's frozen record (never today's prices). Validation against the FHIR
models (fhir.resources) is done by the tests, not at run time: the shapes here are fixed.

- Bundle: type collection, identifier, timestamp; the first entry is the GFE Summary Claim
  (type estimate-summary, billablePeriod = the whole period of care, total, provider absent
  with a data-absent-reason); then GFE Professional Claims (use predetermination, identifier
  slice PLAC, provider with its NUCC taxonomy, ICD-10-CM diagnoses, 1 to 50 items each with a
  CPT/HCPCS productOrService, modifiers, serviced date or period, place of service, quantity,
  unitPrice and net); the Patient; the clinic's Organization with NPI and TIN; for an insured
  estimate the Coverage and the payer's Organization. A self-pay patient has no Coverage: the
  claims' insurance.coverage carries a data-absent-reason (not-applicable) instead.
- Amounts are what the patient is expected to be charged (the estimate's patient_pays), so the
  claims' totals are the estimate's total; items of identical consecutive sessions are merged
  (quantity = sessions), as the printed GFE shows them.
"""

from __future__ import annotations

import uuid
import zoneinfo
from decimal import Decimal
from typing import Any

from django.utils import timezone

from estimator.formatting import consecutive_runs
from estimator.models import Estimate, EstimateStatus

PCT = "http://hl7.org/fhir/us/davinci-pct"
PROFILES = {
    "bundle": f"{PCT}/StructureDefinition/davinci-pct-gfe-bundle",
    "summary": f"{PCT}/StructureDefinition/davinci-pct-gfe-summary",
    "professional": f"{PCT}/StructureDefinition/davinci-pct-gfe-professional",
    "organization": f"{PCT}/StructureDefinition/davinci-pct-organization",
    "coverage": f"{PCT}/StructureDefinition/davinci-pct-coverage",
    "patient": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient",
}
ESTIMATE_TYPE = f"{PCT}/CodeSystem/PCTEstimateTypeSummaryCSTemporaryTrialUse"
DISCLAIMER = f"{PCT}/StructureDefinition/gfeDisclaimer"
SERVICE_DESCRIPTION = f"{PCT}/StructureDefinition/serviceDescription"
PROVIDER_TAXONOMY = f"{PCT}/StructureDefinition/providerTaxonomy"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
TIN = "urn:oid:2.16.840.1.113883.4.4"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
NUCC = "http://nucc.org/provider-taxonomy"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/diagnosistype"
REFERENCE_SYSTEM = "urn:estimator:estimate-reference"
# The clinics are physical-therapy practices; a per-clinic taxonomy would be a clinic setting.
CLINIC_TAXONOMY = ("225100000X", "Physical Therapist")
OFFICE = ("11", "Office")
MAX_ITEMS = 50  # per GFE Professional Claim (pct_gfe_professional: item 1..50)
DISCLAIMERS = (
    "This Good Faith Estimate shows the costs of items and services that are reasonably "
    "expected for your health care needs for an item or service. The estimate is based on "
    "information known at the time the estimate was created.",
    "If you are billed for more than this Good Faith Estimate, you have the right to dispute "
    "the bill.",
    "The Good Faith Estimate is not a contract and does not require the uninsured (or self-pay) "
    "individual to obtain the items or services from any of the providers or facilities "
    "identified in the Good Faith Estimate.",
)


def _urn(estimate: Estimate, name: str) -> str:
    # Stable for one estimate: fetching the bundle twice gives the same fullUrls.
    return "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"estimator:{estimate.reference}:{name}")
    )


def _money(amount: Decimal | str, currency: str) -> dict[str, Any]:
    # FHIR JSON writes decimals as numbers. Every amount here has two decimal places and at most
    # 12 digits, which a float holds exactly enough that its shortest form (what json writes)
    # is the same decimal: nothing is computed with it.
    return {"value": float(Decimal(amount)), "currency": currency}


def _code(code: str, display: str) -> dict[str, Any]:
    # CPT codes need a display (pct-cpt-display); HCPCS Level II codes start with a letter.
    system = HCPCS if code[:1].isalpha() else CPT
    return {"system": system, "code": code, "display": display}


def _modifier(code: str) -> dict[str, Any]:
    # GP, KX, GA, GY, GZ, GX are HCPCS Level II modifiers.
    return {"coding": [{"system": HCPCS, "code": code}]}


def _diagnoses(estimate: Estimate) -> list[dict[str, Any]]:
    return [
        {
            "sequence": number,
            "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": code}]},
            "type": [
                {
                    "coding": [
                        {
                            "system": DIAGNOSIS_TYPE,
                            "code": "principal" if number == 1 else "secondary",
                        }
                    ]
                }
            ],
        }
        for number, code in enumerate(estimate.diagnosis_codes, start=1)
    ]


def _signature(session: dict[str, Any]) -> list[Any]:
    return [(line["name"], line["billing"], line["patient_pays"]) for line in session["lines"]]


def _items(estimate: Estimate, currency: str) -> list[dict[str, Any]]:
    sessions = estimate.result_data["scenarios"]["primary"]["sessions"]
    items: list[dict[str, Any]] = []
    for run in consecutive_runs(sessions, _signature):
        first, last = run[0]["date"], run[-1]["date"]
        serviced = (
            {"servicedDate": first}
            if first == last
            else {"servicedPeriod": {"start": first, "end": last}}
        )
        for line in run[0]["lines"]:
            billing = line["billing"]
            if not billing:
                continue
            main = billing[0]
            each = Decimal(line["patient_pays"]["amount"])
            item: dict[str, Any] = {
                "extension": [{"url": SERVICE_DESCRIPTION, "valueString": line["name"]}],
                "sequence": len(items) + 1,
                "productOrService": {"coding": [_code(main["code"], line["name"])]},
                **serviced,
                "locationCodeableConcept": {
                    "coding": [{"system": POS, "code": OFFICE[0], "display": OFFICE[1]}]
                },
                "quantity": {"value": len(run)},
                "unitPrice": _money(each, currency),
                "net": _money(each * len(run), currency),
            }
            if main.get("modifiers"):
                item["modifier"] = [_modifier(m) for m in main["modifiers"][:4]]
            if len(billing) > 1 or main.get("units", 1) > 1:
                # The codes billed together for this line each session, with their units.
                item["detail"] = [
                    {
                        "sequence": number,
                        "productOrService": {"coding": [_code(b["code"], line["name"])]},
                        "quantity": {"value": b.get("units", 1)},
                    }
                    for number, b in enumerate(billing, start=1)
                ]
            items.append(item)
    return items


def _organization(estimate: Estimate) -> dict[str, Any]:
    clinic = estimate.clinic
    identifiers: list[dict[str, Any]] = []
    if clinic.npi:
        identifiers.append({"system": NPI, "value": clinic.npi})
    if clinic.tin:
        identifiers.append(
            {
                "type": {"coding": [{"system": V2_0203, "code": "TAX"}]},
                "system": TIN,
                "value": clinic.tin,
            }
        )
    telecom = [{"system": "phone", "value": clinic.phone}]
    if clinic.email:
        telecom.append({"system": "email", "value": clinic.email})
    return {
        "resourceType": "Organization",
        "id": "clinic",
        "meta": {"profile": [PROFILES["organization"]]},
        "identifier": identifiers,
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": "prov",
                        "display": "Healthcare Provider",
                    }
                ]
            }
        ],
        "name": clinic.name,
        "telecom": telecom,
        "address": [
            {
                "line": [x for x in (clinic.address_line1, clinic.address_line2) if x],
                "city": clinic.city,
                "state": clinic.region,
                "postalCode": clinic.postal_code,
                "country": clinic.country,
            }
        ],
    }


def _patient(estimate: Estimate) -> dict[str, Any]:
    parts = estimate.patient_name.split()
    name: dict[str, Any] = {"text": estimate.patient_name or "Unknown"}
    if parts:
        name["family"] = parts[-1]
        if len(parts) > 1:
            name["given"] = parts[:-1]
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "meta": {"profile": [PROFILES["patient"]]},
        "identifier": [
            {
                "system": "urn:estimator:external-reference"
                if estimate.external_reference
                else REFERENCE_SYSTEM,
                "value": estimate.external_reference or estimate.reference,
            }
        ],
        "name": [name],
        # Not recorded by the estimator; US Core asks for unknown rather than nothing.
        "gender": "unknown",
    }
    if estimate.patient_date_of_birth:
        patient["birthDate"] = estimate.patient_date_of_birth.isoformat()
    return patient


def _coverage(estimate: Estimate, patient_url: str, payer_url: str) -> dict[str, Any]:
    plan = estimate.plan
    assert plan is not None
    year = estimate.start_date.year
    return {
        "resourceType": "Coverage",
        "id": "coverage",
        "meta": {"profile": [PROFILES["coverage"]]},
        "extension": [
            {
                "url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-Coverage.kind",
                "valueCode": "insurance",
            }
        ],
        "status": "active",
        # The member id is not recorded by the estimator: absent, with the reason. (PCT fixes the
        # reason to not-applicable, meant for self-pay; here it is truly unknown.)
        "_subscriberId": {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]},
        "beneficiary": {"reference": patient_url},
        "relationship": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                    "code": "self",
                }
            ]
        },
        "period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "payor": [{"reference": payer_url, "display": plan.payer.name}],
        "class": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                            "code": "plan",
                        }
                    ]
                },
                "value": str(plan.pk),
                "name": plan.name,
            }
        ],
    }


def _payer(estimate: Estimate) -> dict[str, Any]:
    plan = estimate.plan
    assert plan is not None
    return {
        "resourceType": "Organization",
        "id": "payer",
        "meta": {"profile": [PROFILES["organization"]]},
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": "pay",
                        "display": "Payer",
                    }
                ]
            }
        ],
        "name": plan.payer.name,
    }


def _claim(
    estimate: Estimate,
    *,
    profile: str,
    claim_type: dict[str, Any],
    provider: dict[str, Any],
    insurance: list[dict[str, Any]],
    patient_url: str,
    created: str,
    total: Decimal,
    currency: str,
) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "meta": {"profile": [PROFILES[profile]]},
        "extension": [{"url": DISCLAIMER, "valueString": text} for text in DISCLAIMERS],
        "status": "draft" if estimate.status == EstimateStatus.DRAFT else "active",
        "type": {"coding": [claim_type]},
        "use": "predetermination",
        "patient": {"reference": patient_url},
        "created": created,
        "provider": provider,
        "priority": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                    "code": "normal",
                }
            ]
        },
        "insurance": insurance,
        "total": _money(total, currency),
    }
    diagnoses = _diagnoses(estimate)
    if diagnoses:
        claim["diagnosis"] = diagnoses
    return claim


def gfe_fhir_bundle(*, estimate: Estimate) -> dict[str, Any]:
    """The estimate as a PCT-shaped GFE Bundle (FHIR R4 JSON as a dict)."""
    currency = estimate.result_data["currency"]
    urls = {
        name: _urn(estimate, name) for name in ("summary", "patient", "clinic", "coverage", "payer")
    }
    zone = zoneinfo.ZoneInfo(estimate.clinic.time_zone)
    made = estimate.issued_at or estimate.created_at
    created = timezone.localtime(made, zone).isoformat(timespec="seconds")
    insured = estimate.plan is not None and estimate.coverage_mode != "self_pay"
    if insured:
        insurance = [{"sequence": 1, "focal": True, "coverage": {"reference": urls["coverage"]}}]
    else:
        insurance = [
            {
                "sequence": 1,
                "focal": True,
                "coverage": {
                    "extension": [{"url": DATA_ABSENT, "valueCode": "not-applicable"}],
                    "display": "Self-pay: no coverage is billed",
                },
            }
        ]
    items = _items(estimate, currency)
    common = {
        "insurance": insurance,
        "patient_url": urls["patient"],
        "created": created,
        "currency": currency,
    }
    summary = _claim(
        estimate,
        profile="summary",
        claim_type={
            "system": ESTIMATE_TYPE,
            "code": "estimate-summary",
            "display": "Estimate Summary",
        },
        provider={"extension": [{"url": DATA_ABSENT, "valueCode": "not-applicable"}]},
        total=Decimal(
            estimate.result_data["scenarios"]["primary"]["totals"]["patient_pays"]["amount"]
        ),
        **common,
    )
    summary["id"] = "summary"
    summary["billablePeriod"] = {
        "start": estimate.start_date.isoformat(),
        "end": estimate.end_date.isoformat(),
    }
    entries: list[dict[str, Any]] = [{"fullUrl": urls["summary"], "resource": summary}]
    provider = {
        "reference": urls["clinic"],
        "extension": [
            {
                "url": PROVIDER_TAXONOMY,
                "valueCodeableConcept": {
                    "coding": [
                        {"system": NUCC, "code": CLINIC_TAXONOMY[0], "display": CLINIC_TAXONOMY[1]}
                    ]
                },
            }
        ],
    }
    for part, start in enumerate(range(0, max(len(items), 1), MAX_ITEMS), start=1):
        chunk = [
            dict(item, sequence=n) for n, item in enumerate(items[start : start + MAX_ITEMS], 1)
        ]
        claim = _claim(
            estimate,
            profile="professional",
            claim_type={
                "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                "code": "professional",
            },
            provider=provider,
            total=sum((Decimal(str(i["net"]["value"])) for i in chunk), start=Decimal("0")),
            **common,
        )
        claim["id"] = f"professional-{part}"
        claim["identifier"] = [
            {
                "type": {
                    "coding": [{"system": V2_0203, "code": "PLAC", "display": "Placer Identifier"}]
                },
                "system": REFERENCE_SYSTEM,
                "value": estimate.reference if part == 1 else f"{estimate.reference}-{part}",
            }
        ]
        if insured:
            claim["insurer"] = {"reference": urls["payer"]}
        claim["item"] = chunk
        entries.append({"fullUrl": _urn(estimate, claim["id"]), "resource": claim})
    entries.append({"fullUrl": urls["patient"], "resource": _patient(estimate)})
    entries.append({"fullUrl": urls["clinic"], "resource": _organization(estimate)})
    if insured:
        summary["insurer"] = {"reference": urls["payer"]}
        entries.append(
            {
                "fullUrl": urls["coverage"],
                "resource": _coverage(estimate, urls["patient"], urls["payer"]),
            }
        )
        entries.append({"fullUrl": urls["payer"], "resource": _payer(estimate)})
    return {
        "resourceType": "Bundle",
        "id": estimate.reference,
        "meta": {"profile": [PROFILES["bundle"]]},
        "identifier": {"system": REFERENCE_SYSTEM, "value": estimate.reference},
        "type": "collection",
        "timestamp": created,
        "entry": entries,
    }
