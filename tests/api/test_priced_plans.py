"""A plan stored again at the same catalog version and date is not priced again
(estimator.services._priced): the same figures and documents, each estimate its own copy; any
catalog change, another day or another plan is priced afresh."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from unittest import mock

import pytest
from djmoney.money import Money

from estimator import services
from estimator.models import Estimate, InsurancePlan, ServicePrice

pytestmark = pytest.mark.django_db


def _store(client: Any, body: dict[str, Any]) -> Estimate:
    response = client.post("/api/v1/estimates", body, format="json")
    assert response.status_code == 201, response.json()
    return Estimate.objects.get(reference=response.json()["reference"])


@pytest.fixture
def engine_runs() -> Any:
    with mock.patch.object(services, "quote_build", wraps=services.quote_build) as runs:
        yield runs


def _documents(estimate: Estimate) -> tuple[Any, ...]:
    return (
        estimate.request_data,
        estimate.snapshot_data,
        estimate.result_data,
        estimate.total_charge,
        estimate.patient_total,
        estimate.patient_total_best,
        estimate.plan_total,
        estimate.plan_id,
        estimate.start_date,
        estimate.end_date,
        estimate.sessions,
        sorted(estimate.services.values_list("code", flat=True)),
    )


def test_the_same_plan_stored_again_is_priced_once_with_equal_records(
    writer: Any, plan_request: dict[str, Any], engine_runs: Any, clock: Any
) -> None:
    first = _store(writer, {**plan_request, "patient": {"name": "Ana"}})
    second = _store(writer, {**plan_request, "patient": {"name": "Ben"}})
    assert engine_runs.call_count == 1
    assert _documents(first) == _documents(second)
    assert (first.patient_name, second.patient_name) == ("Ana", "Ben")
    assert first.reference != second.reference


def test_each_estimate_gets_documents_of_its_own(
    writer: Any, plan_request: dict[str, Any], clock: Any, made_estimates: list[Estimate]
) -> None:
    _store(writer, plan_request)
    _store(writer, plan_request)
    one, two = made_estimates
    # Each instance decodes its own copy when its field is first read.
    assert one.result_data == two.result_data and one.result_data is not two.result_data
    kept = copy.deepcopy(two.result_data)
    one.result_data.clear()  # a change to one in memory reaches no other
    assert _documents(_store(writer, plan_request))[2] == kept


def test_a_price_change_between_two_stores_is_priced_afresh(
    writer: Any, plan_request: dict[str, Any], engine_runs: Any, clock: Any
) -> None:
    before = _store(writer, plan_request)
    price = ServicePrice.objects.get(
        clinic__slug="cascade",
        service__code="dry-needling-1-2",
        duration_minutes=30,
        effective_to__isnull=True,
    )
    price.amount = price.amount + Money(10, price.amount.currency)
    price.save()
    after = _store(writer, plan_request)
    assert engine_runs.call_count == 2
    assert after.total_charge > before.total_charge
    assert after.snapshot_data != before.snapshot_data


def _weekly(body: dict[str, Any]) -> None:
    body["sessions_per_week"] = 2


def _later(body: dict[str, Any]) -> None:
    first = dt.date.fromisoformat(body["start_date"])
    body["start_date"] = (first + dt.timedelta(days=1)).isoformat()


def _fewer(body: dict[str, Any]) -> None:
    body["items"][0]["sessions"] -= 1


def _add_on(body: dict[str, Any]) -> None:
    body["items"][0]["add_ons"] = []


def _insured(body: dict[str, Any]) -> None:
    plan = InsurancePlan.objects.get(clinic__slug="cascade", name="Preferred PPO")
    body["coverage"] = {"mode": "insured", "plan": plan.pk}


def _standing(body: dict[str, Any]) -> None:
    _insured(body)
    body["coverage"]["standing"] = {"visits_used": 3}


@pytest.mark.parametrize("change", [_weekly, _later, _fewer, _add_on, _insured, _standing])
def test_another_plan_is_priced_afresh(
    writer: Any, plan_request: dict[str, Any], engine_runs: Any, change: Any, clock: Any
) -> None:
    base = copy.deepcopy(plan_request)
    if change is _standing:
        _insured(base)
    _store(writer, base)
    other = copy.deepcopy(base)
    change(other)
    engine_runs.reset_mock()
    stored = _store(writer, other)
    assert engine_runs.call_count == 1
    assert stored.request_data != _store(writer, base).request_data
    assert engine_runs.call_count == 1  # the first plan again: as kept


def test_the_next_day_is_priced_afresh(
    writer: Any, plan_request: dict[str, Any], engine_runs: Any, clock: Any
) -> None:
    _store(writer, plan_request)
    _store(writer, plan_request)
    assert engine_runs.call_count == 1
    clock.move_to(dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.UTC))
    _store(writer, plan_request)
    assert engine_runs.call_count == 2


def test_an_assumed_plan_is_recorded_when_stored_again(
    writer: Any, plan_request: dict[str, Any], engine_runs: Any, clock: Any
) -> None:
    unsure = {**plan_request, "coverage": {"mode": "unknown"}}
    first, second = _store(writer, unsure), _store(writer, unsure)
    assert engine_runs.call_count == 1
    assert first.plan_id is not None and second.plan_id == first.plan_id
    assert second.request_data["coverage"]["plan_assumed"] is True
