"""GET /api/v1/clinics, services, add-ons, payers, plans: public, paginated, filterable, cached."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from djmoney.money import Money

from estimator.api.ratelimit import rate_leases_clear
from estimator.models import Clinic, ServicePrice, ServiceType
from tests.factories import PayerFactory

pytestmark = pytest.mark.django_db


def test_clinics_list_public_fields_only(api, starter_catalog):
    response = api.get("/api/v1/clinics")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    cascade = next(c for c in body["results"] if c["slug"] == "cascade")
    assert cascade["currency"] == "USD"
    assert cascade["time_zone"] == "America/Los_Angeles"
    assert "tin" not in cascade and "good_faith_estimate_contact" not in cascade


def test_clinics_filter_by_active(api, starter_catalog):
    Clinic.objects.filter(slug="harbour").update(active=False)
    assert [c["slug"] for c in api.get("/api/v1/clinics?active=true").json()["results"]] == [
        "cascade"
    ]
    assert [c["slug"] for c in api.get("/api/v1/clinics?active=false").json()["results"]] == [
        "harbour"
    ]


@pytest.mark.usefixtures("clock")
def test_services_show_offered_durations_and_todays_prices_per_clinic(api, starter_catalog):
    body = api.get("/api/v1/services?clinic=cascade").json()
    needling = next(s for s in body["results"] if s["code"] == "dry-needling-1-2")
    assert needling["durations"] == [15, 30]
    prices = {p["duration_minutes"]: p for p in needling["prices"]}
    # 2026-11-25: the 2027 increase is not in effect yet.
    assert prices[30]["price"] == {"amount": "85.00", "currency": "USD"}
    assert prices[30]["effective_to"] == "2026-12-31"
    assert {p["clinic"] for p in needling["prices"]} == {"cascade"}


def test_services_without_clinic_list_prices_of_every_clinic(api, starter_catalog):
    body = api.get("/api/v1/services").json()
    ims = next(s for s in body["results"] if s["code"] == "ims")
    assert {p["clinic"] for p in ims["prices"]} == {"cascade", "harbour"}
    assert {p["price"]["currency"] for p in ims["prices"]} == {"USD", "CAD"}


def test_services_filter_by_active(api, starter_catalog):
    ServiceType.objects.filter(code="acupuncture").update(active=False)
    codes = [s["code"] for s in api.get("/api/v1/services?active=true").json()["results"]]
    assert "acupuncture" not in codes and "ims" in codes


def test_add_ons_list_the_services_they_combine_with(api, starter_catalog):
    body = api.get("/api/v1/add-ons?clinic=cascade").json()
    estim = next(a for a in body["results"] if a["code"] == "estim-unattended")
    assert estim["services"] == ["dry-needling-1-2", "dry-needling-3-plus", "ims"]
    assert estim["prices"][0]["price"] == {"amount": "20.00", "currency": "USD"}
    assert estim["medicare_billing_code"] == "G0283"


def test_payers_list(api, starter_catalog):
    names = [p["name"] for p in api.get("/api/v1/payers").json()["results"]]
    assert "Medicare" in names


def test_plans_filter_by_clinic_and_show_money_with_currency(api, starter_catalog):
    body = api.get("/api/v1/plans?clinic=harbour").json()
    assert body["count"] == 1
    plan = body["results"][0]
    assert plan["clinic"] == "harbour"
    assert plan["annual_max"]["currency"] == "CAD"
    assert "notes" not in plan


def test_lists_paginate_with_limit_and_offset(api, starter_catalog):
    first = api.get("/api/v1/services?limit=2").json()
    second = api.get("/api/v1/services?limit=2&offset=2").json()
    # Six starter session types (acupuncture with e-stim, 97813/97814, is the sixth).
    assert first["count"] == 6 and len(first["results"]) == 2
    assert first["next"].endswith("limit=2&offset=2")
    assert {s["code"] for s in first["results"]}.isdisjoint(s["code"] for s in second["results"])


def test_huge_offset_gives_an_empty_page_not_an_error(api, starter_catalog):
    response = api.get("/api/v1/payers?offset=99999999999999999999999")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_bad_filter_value_is_a_400_problem(api, starter_catalog):
    response = api.get("/api/v1/plans?payer=abc")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "payer"


def test_filters_remembered_by_query_string_still_refuse_bad_values_every_time(
    api, starter_catalog
):
    for _ in range(2):
        assert api.get("/api/v1/services?active=maybe").status_code == 400
        narrowed = api.get("/api/v1/services?clinic=cascade&active=true")
        assert narrowed.status_code == 200
    everything = api.get("/api/v1/services").json()["results"]
    only_cascade = narrowed.json()["results"]
    assert 0 < len(only_cascade) <= len(everything)
    assert all({p["clinic"] for p in service["prices"]} == {"cascade"} for service in only_cascade)


def test_catalog_etag_gives_304_when_unchanged(api, starter_catalog):
    first = api.get("/api/v1/services")
    etag = first["ETag"]
    assert "max-age" in first["Cache-Control"]
    again = api.get("/api/v1/services", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_conditional_get_is_still_checked_and_negotiated_as_any_other(api, starter_catalog):
    etag = api.get("/api/v1/services")["ETag"]
    # A stale tag: the body, in the format asked for (the renderer is chosen only now).
    stale = api.get("/api/v1/services", HTTP_IF_NONE_MATCH='"stale"', HTTP_ACCEPT="text/html")
    assert stale.status_code == 200 and stale["Content-Type"].startswith("text/html")
    plain = api.get("/api/v1/services", HTTP_IF_NONE_MATCH='"stale"')
    assert plain.status_code == 200 and plain.json()["results"]
    refused = api.get("/api/v1/services", HTTP_IF_NONE_MATCH='"stale"', HTTP_ACCEPT="image/png")
    assert refused.status_code == 406
    # The key, and the limit, are checked before any 304.
    bad_key = api.get(
        "/api/v1/services", HTTP_IF_NONE_MATCH=etag, HTTP_AUTHORIZATION="Api-Key nope.nope"
    )
    assert bad_key.status_code == 401
    cache.clear()  # the counts so far
    rate_leases_clear()
    with override_settings(ESTIMATOR_RATE_ANON="1/min"):
        assert api.get("/api/v1/services", HTTP_IF_NONE_MATCH=etag).status_code == 304
        limited = api.get("/api/v1/services", HTTP_IF_NONE_MATCH=etag)
    assert limited.status_code == 429 and limited["Content-Type"] == "application/problem+json"


def test_catalog_etag_changes_when_a_price_changes(api, starter_catalog):
    etag = api.get("/api/v1/services")["ETag"]
    ServicePrice.objects.filter(service__code="ims", duration_minutes=30).update(
        amount=Decimal("99.00")
    )
    response = api.get("/api/v1/services", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


@pytest.mark.parametrize("url", ["/api/v1/services", "/api/v1/add-ons", "/api/v1/plans"])
def test_catalog_lists_cost_the_same_queries_for_one_row_as_for_many(api, starter_catalog, url):
    assert api.get(url + "?limit=2").status_code == 200  # reads the clinics' time zones
    with CaptureQueriesContext(connection) as one:
        assert api.get(url + "?limit=1").status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert api.get(url + "?limit=100").status_code == 200
    assert len(one) == len(many)
    # Asked again: built once for this catalog version, so only its token is read.
    with CaptureQueriesContext(connection) as again:
        assert api.get(url + "?limit=100").status_code == 200
    assert len(again) == 1


def test_payers_list_queries_do_not_grow_with_rows(api, starter_catalog):
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/payers")
    PayerFactory.create_batch(50)
    with CaptureQueriesContext(connection) as many:
        body = api.get("/api/v1/payers").json()
    assert body["count"] == 54 and len(body["results"]) == 50
    assert len(few) == len(many)


def test_services_price_that_ended_yesterday_is_not_current(api, starter_catalog):
    clinic = Clinic.objects.get(slug="cascade")
    today = clinic.today()
    service = ServiceType.objects.get(code="ims")
    ServicePrice.objects.filter(clinic=clinic, service=service, duration_minutes=45).update(
        effective_from=today - dt.timedelta(days=30), effective_to=today - dt.timedelta(days=1)
    )
    ServicePrice.objects.create(
        clinic=clinic,
        service=service,
        duration_minutes=45,
        amount=Money("130.00", "USD"),
        effective_from=today,
    )
    body = api.get("/api/v1/services?clinic=cascade").json()
    ims = next(s for s in body["results"] if s["code"] == "ims")
    assert {p["duration_minutes"]: p["price"]["amount"] for p in ims["prices"]}[45] == "130.00"


@pytest.mark.usefixtures("clock")
def test_a_list_asked_again_is_the_same_body_and_indented_json_says_the_same(api, starter_catalog):
    import json

    first = api.get("/api/v1/services?clinic=cascade", HTTP_ACCEPT="application/json")
    again = api.get("/api/v1/services?clinic=cascade", HTTP_ACCEPT="application/json")
    indented = api.get("/api/v1/services?clinic=cascade", HTTP_ACCEPT="application/json; indent=2")
    assert first.status_code == again.status_code == indented.status_code == 200
    assert first["Content-Type"] == again["Content-Type"] == "application/json"
    assert first["ETag"] == again["ETag"] == indented["ETag"]
    assert "Accept" in first["Vary"]
    # The kept body is the one rendered the first time; an indented answer is the same JSON.
    assert again.content == first.content
    assert b"\n  " in indented.content
    assert json.loads(indented.content) == json.loads(first.content)
    assert json.loads(first.content)["results"]


@pytest.mark.parametrize(
    ("path", "query", "secure"),
    [
        ("/api/v1/services", "clinic=cascade", False),
        ("/api/v1/services", "", True),
        ("/api/v1/plans", "clinic=cascade&payer=medicare&page=2", False),
        ("/api/v1/services", "clinic=caf%C3%A9&x=a b", False),
        ("/api/v1/se rvices/é", "q=ü", False),
        ("//api/v1/clinics", "a=1", False),
        ("/api/v1/./clinics/../clinics", "", False),
    ],
)
def test_a_lists_remembered_address_is_the_one_django_builds(
    path: str, query: str, secure: bool
) -> None:
    from django.test import RequestFactory
    from rest_framework.request import Request

    from estimator.api.views import _address_of

    django_request = RequestFactory().get(path, secure=secure, QUERY_STRING=query)
    django_request.META["QUERY_STRING"] = query
    expected = django_request.build_absolute_uri()
    assert _address_of(Request(django_request)) == expected
    assert _address_of(Request(django_request)) == expected  # and again, remembered
