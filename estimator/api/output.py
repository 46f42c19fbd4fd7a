"""Stored estimates as the API answers them, written directly rather than by DRF serializers.

EstimateOut and EstimateListOut (estimator/api/serializers.py) stay the documented shapes (the
OpenAPI schema is generated from them); these functions build exactly the dicts the serializers'
.data would hold: the same keys in the same order, the same values and types. A serializer
deep-copies and binds every one of its fields, nested ones included, for each estimate it
writes: some 1 ms of CPU per stored estimate answered (GET or POST), for values that are mostly
read straight off the row. tests/api/test_estimate_output.py holds the two equal, as dicts and
as the JSON bytes sent, for estimates of every status, coverage and patient detail.

How each kind of field is written, as DRF writes it:
- A value that is None is None, whatever the field.
- CharField and ChoiceField: str(value). For a choice stored as a string (status, coverage mode,
  language), what ChoiceField answers (the matching choice's key, else the value) is str(value).
- DateField and DateTimeField: fields.date_out and fields.datetime_out (ISO 8601, in the current
  time zone); MoneyOutField: fields.money_out.
- JSONField and StoredEstimateField: the stored document itself, not a copy; a document still
  encoded (models.base.EncodedDocument, an estimate stored from a kept plan) as that
  EncodedDocument, whose bytes FastJSONRenderer writes as they are (an orjson fragment) and
  DRF's encoder (indented JSON, the browsable API) decodes.
"""

from __future__ import annotations

from typing import Any

from estimator.models import Estimate
from estimator.models.base import document_out
from estimator.selectors import notice_for_estimate

from .fields import date_out, datetime_out, money_out
from .notices import billing_out, notice_out


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def estimate_list_out(estimate: Estimate) -> dict[str, Any]:
    """A stored estimate as EstimateListOut writes it: references and totals."""
    total_charge = estimate.total_charge
    return {
        "reference": str(estimate.reference),
        "status": str(estimate.status),
        "source": str(estimate.source),
        "clinic": str(estimate.clinic.slug),
        "coverage_mode": str(estimate.coverage_mode),
        "plan": None if estimate.plan_id is None else int(estimate.plan_id),
        # The session types priced, as the request kept them: EstimateListOut.get_services.
        "services": sorted({item["service"] for item in estimate.request_data.get("items", [])}),
        "external_reference": str(estimate.external_reference),
        "created_at": datetime_out(estimate.created_at),
        "supersedes": _text(estimate.supersedes_reference),
        "superseded_by": _text(estimate.superseded_by_reference),
        "summary": {
            "currency": str(total_charge.currency),
            "is_range": bool(estimate.is_range),
            "total_charge": money_out(total_charge),
            "patient_total": money_out(estimate.patient_total),
            "patient_total_best": money_out(estimate.patient_total_best),
            "patient_total_worst": money_out(estimate.patient_total),
            "plan_total": money_out(estimate.plan_total),
            "sessions": int(estimate.sessions),
            "start_date": date_out(estimate.start_date),
            "end_date": date_out(estimate.end_date),
        },
    }


def estimate_out(estimate: Estimate, *, just_stored: bool = False) -> dict[str, Any]:
    """A stored estimate as EstimateOut writes it (context {"just_stored": just_stored}): the
    list's fields, who it is for, the request and estimate as stored, the notice and billing.
    just_stored: made by this very request, so it has no bill yet and none is looked up."""
    body = estimate_list_out(estimate)
    codes = estimate.diagnosis_codes
    body.update(
        {
            "issued_at": datetime_out(estimate.issued_at),
            "voided_at": datetime_out(estimate.voided_at),
            "patient": {
                "name": str(estimate.patient_name),
                "date_of_birth": date_out(estimate.patient_date_of_birth),
                "email": str(estimate.patient_email),
                "phone": str(estimate.patient_phone),
                "language": str(estimate.language),
            },
            "diagnosis_codes": None
            if codes is None
            else [None if code is None else str(code) for code in codes],
            "notes": str(estimate.notes),
            # Still-encoded documents (a kept plan just stored) go out as they are.
            "request": document_out(estimate, "request_data"),
            "estimate": document_out(estimate, "result_data"),
            "notice": notice_out(notice_for_estimate(estimate=estimate)),
            "billing": billing_out(estimate, just_stored=just_stored),
        }
    )
    return body
