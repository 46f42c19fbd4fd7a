"""Statements compiled once (estimator/models/statements.py): a stored estimate's three
INSERTs and the fixed reads write and read what the ORM's own path does."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from estimator import services
from estimator.api import auth
from estimator.models import Clinic, Estimate, IntegrationKey, WebhookEndpoint
from estimator.models import statements as statements_module
from estimator.models.statements import read_models

pytestmark = pytest.mark.django_db

TABLES = ("estimator_estimate", "estimator_historicalestimate", "estimator_estimate_services")
MOVING = {"id", "reference", "created_at", "updated_at", "history_id", "history_date"}


def _store(writer: Any, body: dict[str, Any]) -> tuple[Estimate, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = writer.post("/api/v1/estimates", body, format="json")
    assert response.status_code == 201, response.json()
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    return Estimate.objects.get(reference=response.json()["reference"]), inserts


def _columns(insert: str) -> str:
    """An INSERT up to its values: the table and the column list."""
    return insert.split(" VALUES ")[0]


def _row(model: Any, **lookup: Any) -> dict[str, Any]:
    row = model.objects.filter(**lookup).values().get()
    return {name: value for name, value in row.items() if name not in MOVING}


def _orm_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statements_module, "insert_compiled", lambda *a, **k: None)
    monkeypatch.setattr(services, "insert_compiled", lambda *a, **k: None)


def test_a_stored_estimate_writes_what_the_orm_writes(
    writer: Any, plan_request: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {**plan_request, "patient": {"name": "Ana Compiled"}}
    compiled, compiled_sql = _store(writer, body)
    with monkeypatch.context() as patch:
        _orm_only(patch)
        orm, orm_sql = _store(writer, {**body, "patient": {"name": "Ana Compiled"}})
    # The same statements (the ORM wrote the kept one), one per table, in the same order.
    assert [_columns(sql) for sql in compiled_sql] == [_columns(sql) for sql in orm_sql]
    assert [next(t for t in TABLES if f'"{t}"' in _columns(sql)) for sql in orm_sql] == list(TABLES)
    # And the same rows, but for the reference, the ids and the moment.
    assert _row(Estimate, pk=compiled.pk) == _row(Estimate, pk=orm.pk)
    history = Estimate.history.model
    assert _row(history, id=compiled.pk) == _row(history, id=orm.pk)
    assert compiled.history.get().history_type == "+"
    assert sorted(compiled.services.values_list("pk", flat=True)) == sorted(
        orm.services.values_list("pk", flat=True)
    )
    # What save() sets on the instance came back from the INSERT as the ORM gives it.
    assert (
        isinstance(compiled.pk, int)
        and compiled.created_at == Estimate.objects.get(pk=compiled.pk).created_at
    )


def test_the_statements_are_kept_per_connection_and_reused(
    writer: Any, plan_request: dict[str, Any]
) -> None:
    _store(writer, plan_request)
    kept = statements_module._kept(connections["default"])
    inserts = {key[1] for key in kept if key[0] == "insert"}
    assert {Estimate, Estimate.history.model, Estimate.services.through} <= inserts
    assert ("read", IntegrationKey, auth._KEY_SQL) in kept
    before = dict(kept)
    _store(writer, {**plan_request, "patient": {"name": "Second Patient"}})
    assert all(kept[key] is plan for key, plan in before.items())
    # Another thread has a connection of its own, and statements of its own.
    theirs: list[dict[Any, Any]] = []

    def other() -> None:
        theirs.append(statements_module._kept(connections["default"]))
        connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert theirs[0] is not kept and not theirs[0]


def test_a_value_the_orm_must_compile_goes_through_the_orm(
    writer: Any, plan_request: dict[str, Any]
) -> None:
    estimate, _ = _store(writer, plan_request)
    copy = Estimate.objects.get(pk=estimate.pk)
    copy.pk = None
    copy._state.adding = True
    copy.reference = "EST-COPYCOPY"
    copy.notes = Concat(Value("made by "), Value("an expression"))
    copy.save()
    assert Estimate.objects.get(pk=copy.pk).notes == "made by an expression"
    assert Estimate.objects.get(pk=copy.pk).result_data == estimate.result_data


def test_an_empty_link_list_writes_nothing(writer: Any, plan_request: dict[str, Any]) -> None:
    estimate, _ = _store(writer, plan_request)
    with CaptureQueriesContext(connection) as queries:
        services._services_link(estimate, ())
    assert not queries.captured_queries


def test_a_fixed_read_names_its_columns_in_the_models_order(write_key: str) -> None:
    table = IntegrationKey._meta.db_table
    with pytest.raises(ValueError, match="fields' order"):
        read_models(IntegrationKey, f'SELECT "name", "id" FROM "{table}"', [])  # noqa: S608


def test_a_fixed_read_defers_the_columns_it_does_not_name(starter_catalog: Any) -> None:
    endpoint = WebhookEndpoint.objects.create(
        clinic=Clinic.objects.get(slug="cascade"),
        url="https://billing.example.com/hooks",
        events=["estimate.created"],
    )
    table = WebhookEndpoint._meta.db_table
    sql = f'SELECT "id", "events" FROM "{table}" WHERE "id" = %s'  # noqa: S608
    (found,) = read_models(WebhookEndpoint, sql, [endpoint.pk])
    assert found.get_deferred_fields() >= {"url", "clinic_id"}
    assert found.events == ["estimate.created"]
    with CaptureQueriesContext(connection) as queries:
        assert found.url == endpoint.url
    assert len(queries.captured_queries) == 1
