"""API shape of the billing rules: code-set limits on plans, visits used toward them."""

from __future__ import annotations

import pytest

from tests.api.conftest import plan_id

pytestmark = pytest.mark.django_db


def test_plans_list_their_code_set_limits(api, starter_catalog):
    body = api.get("/api/v1/plans?clinic=cascade").json()
    part_b = next(p for p in body["results"] if p["name"] == "Part B")
    assert part_b["visit_limit"] is None
    assert part_b["copay_design"] == "copay_then_deductible"
    assert part_b["code_set_limits"] == [
        {
            "key": "acupuncture",
            "name": "acupuncture",
            "billing_codes": ["97810", "97811", "97813", "97814"],
            "max_visits": 20,
            "certain_visits": 12,
        }
    ]


def test_quote_takes_visits_used_toward_a_code_set_limit(api, plan_request):
    plan_request["items"] = [{"service": "acupuncture", "duration_minutes": 30, "sessions": 1}]
    plan_request["coverage"] = {
        "mode": "insured",
        "plan": plan_id("Part B"),
        "standing": {"limit_visits_used": {"acupuncture": 20}},
    }
    response = api.post("/api/v1/quotes", plan_request, format="json")
    assert response.status_code == 200, response.json()
    line = response.json()["estimate"]["scenarios"]["primary"]["sessions"][0]["lines"][0]
    assert line["treatment"] == "not_covered"
    assert line["adjustments"][0]["code"] == "code_set_limit"


def test_quote_refuses_visits_used_toward_an_unknown_limit(api, plan_request):
    plan_request["coverage"] = {
        "mode": "insured",
        "plan": plan_id("Part B"),
        "standing": {"limit_visits_used": {"massage": 2}},
    }
    response = api.post("/api/v1/quotes", plan_request, format="json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "unknown_visit_limit"


def test_services_list_their_contact_minutes(api, starter_catalog):
    body = api.get("/api/v1/services").json()
    acupuncture = next(s for s in body["results"] if s["code"] == "acupuncture")
    assert acupuncture["contact_minutes"] == {"30": 15, "45": 25, "60": 30}


def test_quote_says_when_an_abn_is_needed(api, plan_request):
    plan_request["coverage"] = {"mode": "insured", "plan": plan_id("Part B")}
    body = api.post("/api/v1/quotes", plan_request, format="json").json()
    assert body["estimate"]["abn_required"] is True
    assert body["estimate"]["waiver_required"] is False
    line = body["estimate"]["scenarios"]["primary"]["sessions"][0]["lines"][0]
    assert line["billing"][0]["modifiers"] == ["GA"]


def test_therapy_spend_in_the_standing_puts_kx_on_medicare_therapy(api, plan_request):
    # 2,470.00 of therapy this year + G0283 allowed 12.04 = 2,482.04, past 2,480.00: KX.
    plan_request["items"][0]["sessions"] = 1
    plan_request["coverage"] = {
        "mode": "insured",
        "plan": plan_id("Part B"),
        "standing": {"therapy_spend": {"amount": "2470.00", "currency": "USD"}},
    }
    response = api.post("/api/v1/quotes", plan_request, format="json")
    assert response.status_code == 200, response.json()
    estim = response.json()["estimate"]["scenarios"]["primary"]["sessions"][0]["lines"][1]
    assert estim["billing"][0] == {"code": "G0283", "units": 1, "modifiers": ["GP", "KX"]}


def test_therapy_spend_in_another_currency_is_refused(api, plan_request):
    plan_request["coverage"] = {
        "mode": "insured",
        "plan": plan_id("Part B"),
        "standing": {"therapy_spend": {"amount": "10.00", "currency": "CAD"}},
    }
    assert api.post("/api/v1/quotes", plan_request, format="json").status_code == 400
