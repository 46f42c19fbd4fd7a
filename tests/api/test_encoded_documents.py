"""A stored estimate's documents kept encoded from a kept priced plan to the database and the
answer (models.base.EncodedDocument, DocumentField, api.renderers): the same rows, the same
answers, decoded only for a reader of the field, and the same notice."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from django.db import connection

from estimator import services
from estimator.api import serializers
from estimator.catalog_cache import catalog_cache_clear
from estimator.models import Estimate, InsurancePlan
from estimator.models.base import EncodedDocument, document_raw
from estimator.selectors import notice_for_estimate
from estimator.services import PatientDetails

pytestmark = pytest.mark.django_db

DOCUMENTS = services._DOCUMENTS
# What differs between two estimates of the same plan: who, when, which row.
OWN = ("reference", "created_at", "patient", "billing")


def _post(client: Any, body: dict[str, Any], **headers: str) -> Any:
    response = client.post("/api/v1/estimates", body, format="json", **headers)
    assert response.status_code == 201, response.content[:500]
    return response


def _shared(answer: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in answer.items() if name not in OWN}


def _medicare_plan_request(plan_request: dict[str, Any]) -> dict[str, Any]:
    plan = InsurancePlan.objects.get(clinic__slug="cascade", payer__kind="medicare")
    return {**plan_request, "coverage": {"mode": "insured", "plan": plan.pk}}


def test_a_kept_plan_is_stored_from_its_bytes_and_decoded_only_when_read(
    plan_request: dict[str, Any], clock: Any
) -> None:
    catalog_cache_clear()
    quote_input = _quote_input(plan_request)
    first = services.estimate_create(quote_input=quote_input, patient=PatientDetails(name="Ana"))
    second = services.estimate_create(quote_input=quote_input, patient=PatientDetails(name="Ben"))
    for estimate in (first, second):
        raw = {name: document_raw(estimate, name) for name in DOCUMENTS}
        assert all(isinstance(value, EncodedDocument) for value in raw.values())
        # A reader gets the document, decoded once and kept decoded.
        result = estimate.result_data
        assert isinstance(result, dict) and result == orjson.loads(raw["result_data"].text)
        assert estimate.result_data is result
        assert document_raw(estimate, "result_data") is result
    stored = [Estimate.objects.get(pk=estimate.pk) for estimate in (first, second)]
    for name in DOCUMENTS:
        assert getattr(stored[0], name) == getattr(stored[1], name) == getattr(first, name)
    assert stored[0].result_data["scenarios"]["primary"]["sessions"]


def _quote_input(body: dict[str, Any]) -> Any:
    data = serializers.EstimateRequest(data=body)
    data.is_valid(raise_exception=True)
    return data.quote_input()


def test_the_answer_for_a_kept_plan_is_the_stored_estimate(
    writer: Any, plan_request: dict[str, Any], clock: Any
) -> None:
    body = _medicare_plan_request(plan_request)
    first = _post(writer, body).json()
    second = _post(writer, body).json()  # from the kept plan: documents written from bytes
    assert _shared(first) == _shared(second)
    fetched = writer.get(f"/api/v1/estimates/{second['reference']}").json()
    assert fetched == second


def test_indented_json_and_the_browsable_api_decode_kept_documents(
    writer: Any, plan_request: dict[str, Any], clock: Any
) -> None:
    compact = _post(writer, plan_request).json()
    indented = _post(writer, plan_request, HTTP_ACCEPT="application/json; indent=2")
    assert indented.content.startswith(b'{\n  "reference"')
    assert _shared(json.loads(indented.content)) == _shared(compact)
    page = _post(writer, plan_request, HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")
    assert b"&quot;scenarios&quot;" in page.content


def test_an_idempotent_retry_replays_an_answer_written_from_kept_bytes(
    writer: Any, plan_request: dict[str, Any], clock: Any
) -> None:
    _post(writer, plan_request)  # the plan is kept from here on
    first = _post(writer, plan_request, HTTP_IDEMPOTENCY_KEY="retry-1")
    replay = writer.post(
        "/api/v1/estimates", plan_request, format="json", HTTP_IDEMPOTENCY_KEY="retry-1"
    )
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert Estimate.objects.count() == 2


def test_the_notice_of_a_new_estimate_is_the_one_read_off_its_result(
    writer: Any, plan_request: dict[str, Any], clock: Any, made_estimates: list[Estimate]
) -> None:
    body = _medicare_plan_request(plan_request)
    catalog_cache_clear()
    answers = [_post(writer, body).json() for _ in range(2)]  # priced, then kept
    made = made_estimates
    for estimate, answer in zip(made, answers, strict=True):
        assert estimate.named_services is not None
        reread = Estimate.objects.get(pk=estimate.pk)
        assert reread.named_services is None
        assert notice_for_estimate(estimate=estimate) == notice_for_estimate(estimate=reread)
        assert answer["notice"]["kind"] == notice_for_estimate(estimate=reread).kind.value
    # The Medicare plan does not cover dry needling, which needs an ABN: not a trivial notice.
    uncovered, abn = made[0].named_services or ((), ())
    assert abn and uncovered


def test_the_database_holds_the_same_json_as_for_a_plan_priced_afresh(
    plan_request: dict[str, Any], clock: Any
) -> None:
    quote_input = _quote_input(plan_request)
    kept = services.estimate_create(quote_input=quote_input, patient=PatientDetails())
    afresh = services.estimate_new(
        quote=services.quote_build(quote=quote_input), patient=PatientDetails(), source="api"
    )
    afresh.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT request_data, snapshot_data, result_data FROM estimator_estimate "
            "WHERE id IN (%s, %s) ORDER BY id",
            [kept.pk, afresh.pk],
        )
        rows = [[_json(value) for value in row] for row in cursor.fetchall()]
    assert rows[0] == rows[1]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value
