"""Start the estimate builder from a patient's Good Faith Estimate request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from estimator.models import AddOn, CoverageMode, GoodFaithEstimateRequest, ServiceType


def gfe_request_for_builder(value: str | None) -> GoodFaithEstimateRequest | None:
    """The request named by the builder's ?gfe_request= (or its hidden field), if any."""
    if not value or not value.isdigit():
        return None
    return GoodFaithEstimateRequest.objects.select_related("clinic").filter(pk=value).first()


def _standing(coverage: dict[str, Any]) -> dict[str, Any]:
    standing = coverage.get("standing") or {}
    initial: dict[str, Any] = {}
    for field in ("deductible_met", "oop_met", "annual_max_used"):
        if Decimal(str(standing.get(field) or "0")):
            initial[field] = Decimal(str(standing[field]))
    if standing.get("visits_used"):
        initial["visits_used"] = int(standing["visits_used"])
    return initial


def builder_initial(
    gfe_request: GoodFaithEstimateRequest,
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any], list[str]]:
    """Initial plan, item rows and patient of the builder from the request's quote inputs,
    with notes for staff about anything that could not be carried over."""
    data = gfe_request.request_data
    coverage = data.get("coverage") or {}
    notes: list[str] = []
    plan: dict[str, Any] = {
        "clinic": gfe_request.clinic_id,
        "coverage_mode": coverage.get("mode", CoverageMode.SELF_PAY),
        "sessions_per_week": data.get("sessions_per_week", 1),
        "start_date": dt.date.fromisoformat(data["start_date"]),
        **_standing(coverage),
    }
    # An assumed plan (patient unsure) is the clinic's default: leave the field empty, as the
    # patient did, so the builder assumes the same.
    if coverage.get("plan") and not coverage.get("plan_assumed"):
        plan["plan"] = coverage["plan"]
    if plan["start_date"] < gfe_request.clinic.today():
        notes.append(
            f"The patient asked to start on {plan['start_date']:%Y-%m-%d}, which has passed: "
            "set the first session to the date scheduled with them."
        )
    if plan["coverage_mode"] != CoverageMode.SELF_PAY:
        notes.append(
            "The patient chose insurance on the quote page. A Good Faith Estimate is for "
            "uninsured or self-pay patients: choose Self-pay if they will pay for themselves."
        )
    services = dict(ServiceType.objects.filter(active=True).values_list("code", "pk"))
    add_ons = dict(AddOn.objects.filter(active=True).values_list("code", "pk"))
    items = []
    for item in data.get("items", []):
        if item["service"] not in services:
            notes.append(f"Session type {item['service']!r} is no longer offered; choose another.")
            continue
        items.append(
            {
                "service": services[item["service"]],
                "duration_minutes": item["duration_minutes"],
                "sessions": item["sessions"],
                "add_ons": [add_ons[code] for code in item["add_ons"] if code in add_ons],
            }
        )
    patient = {
        "name": gfe_request.patient_name,
        "date_of_birth": gfe_request.patient_date_of_birth,
        "email": gfe_request.patient_email,
        "phone": gfe_request.patient_phone,
        "notes": f"Answers Good Faith Estimate request {gfe_request.reference}.",
    }
    return plan, items, patient, notes
