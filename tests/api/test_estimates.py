"""POST/GET /api/v1/estimates and GET /api/v1/estimates/{reference}."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from estimator.models import Estimate, EstimateStatus, IntegrationKey
from tests.api.conftest import auth, plan_id, start

pytestmark = pytest.mark.django_db


def _estimate_body(plan_request, **extra):
    return {
        **plan_request,
        "patient": {
            "name": "Alex Rivera",
            "date_of_birth": "1984-03-09",
            "email": "alex@example.com",
            "phone": "503-555-0199",
        },
        "external_reference": "CHART-1042",
        "diagnosis_codes": ["M54.50", "m79.1"],
        "notes": "Booked by phone.",
        **extra,
    }


def test_create_stores_the_estimate_and_answers_201_with_location(writer, plan_request):
    response = writer.post("/api/v1/estimates", _estimate_body(plan_request), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    estimate = Estimate.objects.get(reference=body["reference"])
    assert response["Location"].endswith(f"/api/v1/estimates/{estimate.reference}")
    assert estimate.source == "api"
    assert estimate.api_key is not None and estimate.api_key.name == "billing"
    assert estimate.patient_name == "Alex Rivera"
    assert estimate.diagnosis_codes == ["M54.50", "M79.1"]
    assert body["patient"]["date_of_birth"] == "1984-03-09"
    assert body["summary"]["patient_total"]["amount"] == f"{estimate.patient_total.amount:.2f}"
    assert body["estimate"]["scenarios"]["primary"]["sessions"]
    assert body["services"] == ["dry-needling-1-2"]


def test_the_patients_language_is_kept_for_the_estimates_pdfs_and_emails(writer, plan_request):
    body = _estimate_body(plan_request)
    body["patient"] = {**body["patient"], "language": "fr"}
    response = writer.post("/api/v1/estimates", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["patient"]["language"] == "fr"
    assert Estimate.objects.get().language == "fr"
    plain = writer.post("/api/v1/estimates", _estimate_body(plan_request), format="json")
    assert plain.json()["patient"]["language"] == "en"
    body["patient"]["language"] = "de"
    refused = writer.post("/api/v1/estimates", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "patient.language"


def test_staff_session_may_create_and_is_recorded(staff_client, plan_request):
    response = staff_client.post(
        "/api/v1/estimates", _estimate_body(plan_request), content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert Estimate.objects.get().created_by.username == "staff"


def test_invalid_diagnosis_code_is_a_field_error(writer, plan_request):
    body = _estimate_body(plan_request, diagnosis_codes=["M54.50", "not-a-code"])
    response = writer.post("/api/v1/estimates", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "diagnosis_codes[1]"
    assert Estimate.objects.count() == 0


def test_future_date_of_birth_is_refused(writer, plan_request):
    body = _estimate_body(plan_request)
    body["patient"]["date_of_birth"] = "2999-01-01"
    response = writer.post("/api/v1/estimates", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "patient.date_of_birth"


def test_unpriceable_plan_stores_nothing(writer, plan_request):
    plan_request["items"][0]["duration_minutes"] = 45
    response = writer.post("/api/v1/estimates", _estimate_body(plan_request), format="json")
    assert response.status_code == 422
    assert Estimate.objects.count() == 0


def test_fetch_by_reference(writer, reader, plan_request):
    reference = writer.post(
        "/api/v1/estimates", _estimate_body(plan_request), format="json"
    ).json()["reference"]
    response = reader.get(f"/api/v1/estimates/{reference}")
    assert response.status_code == 200
    assert response.json()["reference"] == reference
    assert response.json()["request"]["clinic"] == "cascade"
    # A self-pay patient is owed a Good Faith Estimate (estimator.notices decides).
    assert response.json()["notice"]["kind"] == "good_faith_estimate"


def test_unknown_reference_is_a_404_problem(reader, starter_catalog):
    response = reader.get("/api/v1/estimates/EST-NOPE2345")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def _create(client, plan_request, **changes):
    body = copy.deepcopy(_estimate_body(plan_request))
    body.update(changes)
    response = client.post("/api/v1/estimates", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["reference"]


def test_list_filters_by_clinic_status_service_plan_and_reference(writer, plan_request):
    first = _create(writer, plan_request)
    insured = _create(
        writer,
        plan_request,
        coverage={"mode": "insured", "plan": plan_id("Preferred PPO")},
        external_reference="OTHER-7",
    )
    harbour = _create(
        writer,
        plan_request,
        clinic="harbour",
        start_date=start(clinic="harbour"),
        items=[{"service": "ims", "duration_minutes": 30, "sessions": 1}],
    )
    Estimate.objects.filter(reference=first).update(status=EstimateStatus.ISSUED)

    def refs(query):
        response = writer.get("/api/v1/estimates" + query)
        assert response.status_code == 200, response.json()
        return {row["reference"] for row in response.json()["results"]}

    assert refs("") == {first, insured, harbour}
    assert refs("?clinic=harbour") == {harbour}
    assert refs("?status=issued") == {first}
    assert refs("?service=ims") == {harbour}
    assert refs(f"?plan={plan_id('Preferred PPO')}") == {insured}
    assert refs("?external_reference=OTHER-7") == {insured}


def test_list_filters_by_creation_time(writer, plan_request):
    old = _create(writer, plan_request)
    new = _create(writer, plan_request)
    Estimate.objects.filter(reference=old).update(created_at=timezone.now() - dt.timedelta(days=10))
    cutoff = (timezone.now() - dt.timedelta(days=1)).isoformat()
    after = writer.get("/api/v1/estimates", {"created_after": cutoff}).json()["results"]
    before = writer.get("/api/v1/estimates", {"created_before": cutoff}).json()["results"]
    assert [r["reference"] for r in after] == [new]
    assert [r["reference"] for r in before] == [old]


def test_bad_filter_is_a_400_problem(writer, starter_catalog):
    response = writer.get("/api/v1/estimates?created_after=yesterday")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "created_after"


def test_key_limited_to_a_clinic_sees_only_that_clinics_estimates(
    writer, harbour_key, plan_request
):
    cascade_ref = _create(writer, plan_request)
    harbour = APIClient()
    harbour.credentials(**auth(harbour_key))
    harbour_ref = _create(
        harbour,
        plan_request,
        clinic="harbour",
        start_date=start(clinic="harbour"),
        items=[{"service": "ims", "duration_minutes": 30, "sessions": 1}],
    )
    listed = {r["reference"] for r in harbour.get("/api/v1/estimates").json()["results"]}
    assert listed == {harbour_ref}
    assert harbour.get(f"/api/v1/estimates/{cascade_ref}").status_code == 404


def test_key_limited_to_a_clinic_cannot_store_another_clinics_estimate(harbour_key, plan_request):
    harbour = APIClient()
    harbour.credentials(**auth(harbour_key))
    response = harbour.post("/api/v1/estimates", _estimate_body(plan_request), format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "Harbour" in response.json()["detail"]
    assert not Estimate.objects.exists()


def test_list_costs_the_same_queries_for_one_row_as_for_fifty(writer, plan_request):
    _create(writer, plan_request)
    writer.get("/api/v1/estimates")  # last_used_at is written at most once a minute: warm it
    with CaptureQueriesContext(connection) as one:
        writer.get("/api/v1/estimates")
    source = Estimate.objects.get()
    services = list(source.services.all())
    for _ in range(49):
        source.pk = None
        source.id = None
        source.reference = Estimate._meta.get_field("reference").default()
        source._state.adding = True
        source.save()
        source.services.set(services)
    with CaptureQueriesContext(connection) as fifty:
        body = writer.get("/api/v1/estimates").json()
    assert body["count"] == 50 and len(body["results"]) == 50
    assert len(one) == len(fifty)


def test_key_records_last_used_at(writer, write_key, starter_catalog):
    assert IntegrationKey.objects.get().last_used_at is None
    writer.get("/api/v1/estimates")
    assert IntegrationKey.objects.get().last_used_at is not None


def test_a_correction_of_a_gfe_is_owed_as_a_renewal(reader, starter_catalog, clock):
    from estimator.services import estimate_issue, estimate_supersede
    from tests.factories import priced_estimate

    issued = estimate_issue(estimate=priced_estimate(), by=None)
    correction = estimate_supersede(estimate=issued, by=None, reason="Name misspelt")
    deadline = reader.get(f"/api/v1/estimates/{correction.reference}").json()["notice"]["deadline"]
    assert deadline["rule"] == "renewed"
    assert deadline["due"] == deadline["renew_by"] < correction.start_date.isoformat()


def test_storing_an_estimate_makes_six_statements_and_no_savepoint(writer, plan_request):
    # last_used_at is written at most once a minute: warm it. The same plan is stored first,
    # so this one is priced as kept (estimator.services._priced), session type ids included.
    _create(writer, plan_request)
    with CaptureQueriesContext(connection) as queries:
        stored = writer.post("/api/v1/estimates", _estimate_body(plan_request), format="json")
    assert stored.status_code == 201
    reference = stored.json()["reference"]
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
    # The key, the catalog token, the estimate and its history row, its session types'
    # links, the clinic's webhook endpoints. Not asked: whether the random reference is
    # taken (the unique index says), whether the new estimate has a correction or a bill, the
    # session types' ids (read when the plan was first priced at this catalog version).
    assert len(statements) == 6, statements
    # The request's own transaction is the only one (in tests, a savepoint inside the test's):
    # the service and the webhook rows add none of their own.
    assert sum("SAVEPOINT" in q["sql"].upper() for q in queries.captured_queries) <= 2
    # What the answer says without asking is what the database says.
    body = writer.get(f"/api/v1/estimates/{reference}").json()
    assert body["superseded_by"] is None and stored.json()["superseded_by"] is None
    assert body["billing"] == stored.json()["billing"]
    assert body["billing"]["status"] == "not_billed"


# ---- the fast parser (estimator/api/fastparse.py) and DRF store the same estimate ------------


def _canonical_body(plan_request, **extra):
    """A body the fast parser vouches for: every value as the serializer would keep it."""
    body = _estimate_body(plan_request, diagnosis_codes=["M54.50", "M79.1"], **extra)
    body["patient"]["language"] = "fr"
    return body


@pytest.fixture
def parsed(monkeypatch):
    """What the fast parser made of each POST /estimates body; `parsed.off()` sends every body
    to EstimateRequest instead, as a body the fast parser refers would be."""
    from estimator.api import views

    class Spy(list):
        def off(self):
            monkeypatch.setattr(views, "estimate_fields", lambda raw: None)

    spy = Spy()
    fast = views.estimate_fields
    monkeypatch.setattr(views, "estimate_fields", lambda raw: spy.append(fast(raw)) or spy[-1])
    return spy


def _record(reference):
    """The stored estimate's fields that do not name the row or its moment."""
    estimate = Estimate.objects.get(reference=reference)
    fields = {
        f.attname: getattr(estimate, f.attname)
        for f in Estimate._meta.concrete_fields
        if f.name not in {"id", "reference", "created_at", "updated_at"}
    }
    fields["services"] = sorted(estimate.services.values_list("code", flat=True))
    return fields


def _answer(response):
    body = response.json()
    return {k: v for k, v in body.items() if k not in {"reference", "created_at"}}


@pytest.mark.usefixtures("clock")
def test_a_fast_parsed_estimate_is_stored_as_the_drf_parsed_one(writer, plan_request, parsed):
    plan_request["coverage"] = {
        "mode": "insured",
        "plan": plan_id("Preferred PPO"),
        "standing": {"deductible_met": {"amount": "100.00", "currency": "USD"}, "visits_used": 2},
    }
    body = _canonical_body(plan_request)
    fast = writer.post("/api/v1/estimates", body, format="json")
    assert fast.status_code == 201, fast.json()
    assert parsed and parsed[-1] is not None  # it took the fast path
    parsed.off()
    drf = writer.post("/api/v1/estimates", body, format="json")
    assert drf.status_code == 201, drf.json()
    assert _record(fast.json()["reference"]) == _record(drf.json()["reference"])
    assert _answer(fast) == _answer(drf)
    stored = Estimate.objects.get(reference=fast.json()["reference"])
    assert (stored.language, stored.diagnosis_codes) == ("fr", ["M54.50", "M79.1"])
    assert stored.patient_date_of_birth == dt.date(1984, 3, 9)


@pytest.mark.usefixtures("clock")
def test_an_estimate_without_patient_details_takes_the_fast_path_too(writer, plan_request, parsed):
    fast = writer.post("/api/v1/estimates", plan_request, format="json")
    assert fast.status_code == 201 and parsed[-1] is not None
    parsed.off()
    drf = writer.post("/api/v1/estimates", plan_request, format="json")
    assert _record(fast.json()["reference"]) == _record(drf.json()["reference"])


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize(
    "change",
    [
        {"clinic": "nowhere"},
        {"coverage": {"mode": "insured", "plan": 999_999}},
        {
            "coverage": {
                "mode": "insured",
                "standing": {"deductible_met": {"amount": "10.00", "currency": "CAD"}},
            }
        },
    ],
)
def test_the_catalogs_refusals_read_the_same_on_both_paths(writer, plan_request, parsed, change):
    body = _canonical_body(plan_request, **change)
    fast = writer.post("/api/v1/estimates", body, format="json")
    assert parsed[-1] is not None
    parsed.off()
    drf = writer.post("/api/v1/estimates", body, format="json")
    assert fast.status_code == drf.status_code == 400
    assert fast.json() == drf.json()
    assert not Estimate.objects.exists()


@pytest.mark.usefixtures("clock")
def test_a_body_the_fast_parser_refers_gets_drfs_field_errors(writer, plan_request, parsed):
    body = _canonical_body(plan_request)
    body["patient"]["email"] = "not an address"
    response = writer.post("/api/v1/estimates", body, format="json")
    assert parsed[-1] is None
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "patient.email"


@pytest.mark.usefixtures("clock")
def test_an_idempotent_retry_replays_whichever_path_parsed_the_first(writer, plan_request, parsed):
    body = _canonical_body(plan_request)
    first = writer.post("/api/v1/estimates", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and parsed[-1] is not None
    parsed.off()
    again = writer.post("/api/v1/estimates", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (again.status_code, again.json()) == (201, first.json())
    changed = _canonical_body(plan_request, notes="Booked online.")
    assert (
        writer.post(
            "/api/v1/estimates", changed, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        ).status_code
        == 422
    )
    assert Estimate.objects.count() == 1
