"""POST /api/v1/quotes: price a plan request; nothing is stored."""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estimator.models import Estimate
from tests.api.conftest import plan_id, start

pytestmark = pytest.mark.django_db


def test_self_pay_quote_returns_summary_and_full_estimate(api, plan_request):
    response = api.post("/api/v1/quotes", plan_request, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    summary = body["summary"]
    assert summary["currency"] == "USD"
    assert summary["sessions"] == 6
    assert summary["is_range"] is False
    assert summary["patient_total"] == summary["patient_total_best"]
    assert (
        summary["patient_total"]["amount"]
        == (body["estimate"]["scenarios"]["primary"]["totals"]["patient_pays"]["amount"])
    )
    estimate = body["estimate"]
    assert len(estimate["schedule"]) == 6
    line = estimate["scenarios"]["primary"]["sessions"][0]["lines"][0]
    assert line["code"] == "dry-needling-1-2"
    assert isinstance(line["charge"]["amount"], str)
    assert estimate["scenarios"]["best"] is None
    assert Estimate.objects.count() == 0


@pytest.mark.parametrize("mode", ["self_pay", "unknown"])
def test_summary_view_gives_each_sessions_figures_and_no_lines(api, plan_request, mode):
    plan_request["coverage"] = {"mode": mode}
    full = api.post("/api/v1/quotes", plan_request, format="json").json()
    response = api.post("/api/v1/quotes/summary", plan_request, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"summary", "sessions", "warnings"}
    assert body["summary"] == full["summary"]
    primary = full["estimate"]["scenarios"]["primary"]["sessions"]
    assert [s["number"] for s in body["sessions"]] == [s["number"] for s in primary]
    for row, session in zip(body["sessions"], primary, strict=True):
        assert row["date"] == session["date"]
        for name in ("charge", "plan_pays", "patient_pays"):
            assert row[name] == session["totals"][name]
    assert body["warnings"] == full["estimate"]["warnings"]
    assert len(response.content) * 5 < len(
        api.post("/api/v1/quotes", plan_request, format="json").content
    )


def test_the_same_plan_asked_again_is_answered_from_memory_until_the_catalog_changes(
    api, plan_request
):
    from estimator.models import ServicePrice

    first = api.post("/api/v1/quotes", plan_request, format="json")
    with CaptureQueriesContext(connection) as queries:
        again = api.post("/api/v1/quotes", plan_request, format="json")
    assert again.content == first.content
    assert len(queries) == 1  # the catalog version's token
    price = ServicePrice.objects.filter(
        clinic__slug="cascade", service__code="dry-needling-1-2", duration_minutes=30
    ).latest("effective_from")
    ServicePrice.objects.filter(pk=price.pk).update(amount=price.amount.amount + 5)
    changed = api.post("/api/v1/quotes", plan_request, format="json").json()
    before = first.json()["summary"]["total_charge"]["amount"]
    assert float(changed["summary"]["total_charge"]["amount"]) > float(before)


def test_the_summary_refuses_what_the_full_quote_refuses(api, plan_request):
    plan_request["items"][0]["duration_minutes"] = 20
    full = api.post("/api/v1/quotes", plan_request, format="json")
    summary = api.post("/api/v1/quotes/summary", plan_request, format="json")
    assert full.status_code == summary.status_code == 422
    assert summary["Content-Type"] == "application/problem+json"
    assert summary.json()["errors"] == full.json()["errors"]


def test_the_fast_renderer_writes_what_drfs_encoder_would(api, plan_request):
    import json

    from rest_framework.renderers import JSONRenderer

    from estimator.api.renderers import FastJSONRenderer

    body = api.post("/api/v1/quotes", plan_request, format="json").json()
    assert json.loads(FastJSONRenderer().render(body)) == json.loads(JSONRenderer().render(body))
    # Line and paragraph separators are escaped, as DRF does, so the JSON is safe in a script.
    assert FastJSONRenderer().render({"a": "x\u2028y\u2029"}) == b'{"a":"x\\u2028y\\u2029"}'


def test_unknown_coverage_quote_is_a_range(api, plan_request):
    plan_request["coverage"] = {"mode": "unknown"}
    body = api.post("/api/v1/quotes", plan_request, format="json").json()
    assert body["summary"]["is_range"] is True
    assert body["estimate"]["scenarios"]["best"] is not None


def test_insured_quote_uses_standing_amounts(api, plan_request):
    plan_request["items"][0]["service"] = "initial-assessment"
    plan_request["items"][0]["duration_minutes"] = 45
    plan_request["items"][0]["add_ons"] = []
    plan_request["items"][0]["sessions"] = 1
    fresh = copy.deepcopy(plan_request)
    fresh["coverage"] = {"mode": "insured", "plan": plan_id("Preferred PPO")}
    met = copy.deepcopy(fresh)
    met["coverage"]["standing"] = {
        "deductible_met": {"amount": "5000.00", "currency": "USD"},
        "visits_used": 1,
    }
    first = api.post("/api/v1/quotes", fresh, format="json")
    second = api.post("/api/v1/quotes", met, format="json")
    assert first.status_code == second.status_code == 200, (first.json(), second.json())
    assert first.json()["summary"]["plan_total"] != second.json()["summary"]["plan_total"]


def test_quote_for_the_canadian_clinic_is_in_cad(api, plan_request):
    plan_request.update(clinic="harbour", start_date=start(clinic="harbour"))
    plan_request["items"] = [{"service": "ims", "duration_minutes": 30, "sessions": 2}]
    body = api.post("/api/v1/quotes", plan_request, format="json").json()
    assert body["summary"]["currency"] == "CAD"


def test_coverage_defaults_to_self_pay(api, plan_request):
    del plan_request["coverage"]
    response = api.post("/api/v1/quotes", plan_request, format="json")
    assert response.status_code == 200
    assert response.json()["estimate"]["coverage"] == "self_pay"


def test_quote_is_open_to_a_read_key(reader, plan_request):
    assert reader.post("/api/v1/quotes", plan_request, format="json").status_code == 200


def _queries(api, request_body):
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/v1/quotes", request_body, format="json")
    assert response.status_code == 200, response.json()
    return len(queries)


def test_quote_costs_the_same_queries_for_a_big_plan_as_a_small_one(api, plan_request):
    small = copy.deepcopy(plan_request)
    small["items"] = [{"service": "dry-needling-1-2", "duration_minutes": 30, "sessions": 1}]
    big = copy.deepcopy(plan_request)
    big["items"] = [
        {"service": service, "duration_minutes": minutes, "add_ons": [add_on], "sessions": 20}
        for service, minutes, add_on in [
            ("dry-needling-1-2", 30, "estim-unattended"),
            ("dry-needling-3-plus", 30, "heat-cold"),
            ("ims", 30, "manual-therapy"),
            ("acupuncture", 30, "heat-cold"),
            ("dry-needling-1-2", 15, "estim-attended"),
        ]
    ]
    big["sessions_per_week"] = 7
    _queries(api, small)  # the first reads the clinic's catalog for this version
    # Then only the catalog version's token is read, whatever the plan's size.
    assert _queries(api, small) == _queries(api, big) == 1


def test_insured_quote_query_count_does_not_grow_with_the_plan(api, plan_request):
    plan_request["coverage"] = {"mode": "insured", "plan": plan_id("Preferred PPO")}
    small = copy.deepcopy(plan_request)
    small["items"][0]["sessions"] = 1
    small["items"][0]["add_ons"] = []
    big = copy.deepcopy(plan_request)
    big["items"] = [copy.deepcopy(plan_request["items"][0]) for _ in range(5)]
    for item in big["items"]:
        item["sessions"] = 20
    _queries(api, small)
    assert _queries(api, small) == _queries(api, big) == 1


def test_the_quote_says_which_notice_the_patient_is_owed(client, starter_catalog, clock):
    from estimator.models import InsurancePlan

    medicare = InsurancePlan.objects.get(clinic__slug="cascade", name="Part B")
    body = {
        "clinic": "cascade",
        "items": [{"service": "dry-needling-1-2", "duration_minutes": 30, "sessions": 2}],
        "sessions_per_week": 1,
        "start_date": "2026-12-14",
        "coverage": {"mode": "insured", "plan": medicare.pk},
    }
    notice = client.post("/api/v1/quotes", body, content_type="application/json").json()["notice"]
    assert notice["kind"] == "abn"
    assert notice["deadline"] == {
        "rule": "before_service",
        "due": "2026-12-14",
        "renew_by": None,
        "text": notice["deadline"]["text"],
    }
    body["coverage"] = {"mode": "self_pay"}
    notice = client.post("/api/v1/quotes", body, content_type="application/json").json()["notice"]
    assert notice["kind"] == "good_faith_estimate"
    assert notice["deadline"]["due"] == "2026-12-01"
    assert notice["deadline"]["rule"] == "scheduled_10_days"
