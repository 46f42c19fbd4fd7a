"""Bad input of every kind is a 4xx application/problem+json that says what to fix, never a 500."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _post(api, body, **extra):
    if not isinstance(body, str | bytes):
        body = json.dumps(body)
    return api.post("/api/v1/quotes", body, content_type="application/json", **extra)


def _fields(response):
    assert response["Content-Type"] == PROBLEM, response.content[:200]
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == response.status_code
    return {(e["field"], e["code"]) for e in body.get("errors", [])}


def _changed(plan_request, path, value):
    body = copy.deepcopy(plan_request)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "status", "field", "code"),
    [
        (("items", 0, "service"), "no-such-service", 422, "items[0].service", "unknown_service"),
        (("items", 0, "duration_minutes"), 20,
         422, "items[0].duration_minutes", "duration_not_offered"),
        (("items", 0, "add_ons"), ["estim-unattended", "nope"],
         422, "items[0].add_ons[1]", "unknown_addon"),
        (("items", 0, "service"), "acupuncture", 422, "items[0].add_ons[0]", "addon_not_allowed"),
        (("items", 0, "sessions"), 0, 400, "items[0].sessions", "min_value"),
        (("items", 0, "sessions"), 10**9, 400, "items[0].sessions", "max_value"),
        (("items", 0, "sessions"), "6", 400, "items[0].sessions", "invalid"),
        (("items", 0, "sessions"), 6.0, 400, "items[0].sessions", "invalid"),
        (("items", 0, "sessions"), True, 400, "items[0].sessions", "invalid"),
        (("items", 0, "service"), 123, 400, "items[0].service", "invalid"),
        (("items", 0, "add_ons"), "estim-unattended", 400, "items[0].add_ons", "not_a_list"),
        (("items", 0, "add_ons"), ["heat-cold"] * 11, 400, "items[0].add_ons", "max_length"),
        (("items",), [], 400, "items", "min_length"),
        (("sessions_per_week",), 8, 400, "sessions_per_week", "max_value"),
        (("clinic",), "atlantis", 400, "clinic", "unknown_clinic"),
        (("start_date",), "0000-01-01", 400, "start_date", "invalid"),
        (("start_date",), "9999-12-31", 400, "start_date", "out_of_range"),
        (("start_date",), "2100-01-01", 422, "start_date", "start_date_out_of_range"),
        (("start_date",), "2001-01-01", 422, "start_date", "start_date_out_of_range"),
        (("start_date",), "next tuesday", 400, "start_date", "invalid"),
        (("start_date",), 20261201, 400, "start_date", "invalid"),
        (("coverage", "mode"), "free", 400, "coverage.mode", "invalid_choice"),
        (("coverage",), {"mode": "insured"}, 422, "coverage.plan", "required"),
        (("coverage",), {"mode": "insured", "plan": 999999}, 400, "coverage.plan", "unknown_plan"),
        (("surprise",), 1, 400, "surprise", "unknown_field"),
        (("coverage", "surprise"), 1, 400, "coverage.surprise", "unknown_field"),
        (("items", 0, "surprise"), 1, 400, "items[0].surprise", "unknown_field"),
    ],
)  # fmt: skip
def test_bad_field_is_a_problem_naming_the_field(
    api, plan_request, path, value, status, field, code
):
    response = _post(api, _changed(plan_request, path, value))
    assert response.status_code == status, response.json()
    assert (field, code) in _fields(response)


def test_missing_fields_are_each_named(api, starter_catalog):
    response = _post(api, {})
    assert response.status_code == 400
    fields = {f for f, _ in _fields(response)}
    assert {"clinic", "items", "sessions_per_week", "start_date"} <= fields


def test_too_many_items_is_refused(api, plan_request):
    item = dict(plan_request["items"][0], sessions=1)
    response = _post(api, dict(plan_request, items=[item] * 21))
    assert response.status_code == 400
    assert ("items", "max_length") in _fields(response)


def _standing(plan_request, amount, currency="USD"):
    return dict(
        plan_request,
        coverage={
            "mode": "unknown",
            "standing": {"deductible_met": {"amount": amount, "currency": currency}},
        },
    )


@pytest.mark.parametrize(
    ("raw_amount", "code"),
    [
        ("100.5", None),
        ("-1.00", "negative"),
        ("abc", "invalid"),
        ("1.005", "precision"),
        ("1e3", "invalid"),
        ("NaN", "invalid"),
        ("12345678901.00", "invalid"),
    ],
)
def test_money_amounts_must_be_decimal_strings(api, plan_request, raw_amount, code):
    response = _post(api, _standing(plan_request, raw_amount))
    if code is None:
        assert response.status_code == 200, response.json()
    else:
        assert response.status_code == 400
        assert ("coverage.standing.deductible_met.amount", code) in _fields(response)


@pytest.mark.parametrize("literal", ["100.00", "100", "1e2"])
def test_money_amount_as_a_json_number_is_refused(api, plan_request, literal):
    body = json.dumps(_standing(plan_request, "PLACEHOLDER")).replace('"PLACEHOLDER"', literal)
    response = _post(api, body)
    assert response.status_code == 400
    assert ("coverage.standing.deductible_met.amount", "not_string") in _fields(response)


def test_money_in_another_currency_than_the_clinics_is_refused(api, plan_request):
    response = _post(api, _standing(plan_request, "10.00", currency="CAD"))
    assert response.status_code == 400
    assert ("coverage.standing.deductible_met", "wrong_currency") in _fields(response)


def test_money_with_unknown_currency_is_refused(api, plan_request):
    response = _post(api, _standing(plan_request, "10.00", currency="EUR"))
    assert response.status_code == 400
    assert ("coverage.standing.deductible_met.currency", "invalid_choice") in _fields(response)


@pytest.mark.parametrize(
    "body",
    [
        *["{bad json", "[1, 2", '{"a": NaN}', b"\xff\xfe", '"just a string"', "[]"],
        b'{"clinic": "\xed\xa0\x80"}',  # not UTF-8 inside a string: the fast parser refers it
    ],
)
def test_malformed_or_non_object_json_is_a_400(api, starter_catalog, body):
    response = _post(api, body)
    assert response.status_code == 400
    _fields(response)


def test_several_megabyte_body_is_a_413_problem(api, plan_request):
    body = dict(plan_request, notes="x" * 5_000_000)
    response = _post(api, body)
    assert response.status_code == 413
    _fields(response)


def test_deeply_nested_json_is_a_400_not_a_crash(api, starter_catalog):
    response = _post(api, "[" * 100_000 + "]" * 100_000)
    assert response.status_code in (400, 413)
    _fields(response)


def test_form_body_is_415(api, starter_catalog):
    response = api.post("/api/v1/quotes", {"clinic": "cascade"})  # multipart
    assert response.status_code == 415
    _fields(response)


def test_unsupported_accept_is_406(api, plan_request):
    response = _post(api, plan_request, HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    _fields(response)


def test_wrong_method_is_405(api, starter_catalog):
    response = api.get("/api/v1/quotes")
    assert response.status_code == 405
    _fields(response)


def test_unknown_api_address_is_404_problem(api, starter_catalog):
    for url in ("/api/v1/nothing-here", "/api/v2/quotes", "/api/"):
        response = api.get(url)
        assert response.status_code == 404
        _fields(response)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "head"])
def test_every_method_on_an_unknown_api_address_is_a_404_problem(method, starter_catalog):
    # With CSRF enforced, as for a browser: a POST used to get Django's CSRF page.
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_failed_csrf_check_under_the_api_is_a_problem(starter_catalog, django_user_model):
    from django.test import RequestFactory

    from estimator.api.errors import csrf_failure

    response = csrf_failure(RequestFactory().post("/api/v1/estimates"), "CSRF cookie not set.")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    page = csrf_failure(RequestFactory().post("/quote/cascade/request/"), "CSRF cookie not set.")
    assert page.status_code == 403
    assert "text/html" in page["Content-Type"]


def test_unexpected_error_is_a_500_problem_and_logged(api, plan_request, monkeypatch, caplog):
    def boom(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("estimator.api.views.quote_build", boom)
    response = _post(api, plan_request)
    assert response.status_code == 500
    _fields(response)
    assert "Unhandled error" in caplog.text


def test_django_level_handlers_answer_problem_json_under_api(rf):
    from estimator.api import errors

    request = rf.get("/api/v1/x")
    assert errors.handler500(request)["Content-Type"] == PROBLEM
    assert errors.handler400(request)["Content-Type"] == PROBLEM
    assert errors.handler404(request)["Content-Type"] == PROBLEM
    assert errors.handler404(rf.get("/elsewhere"), None)["Content-Type"].startswith("text/html")
