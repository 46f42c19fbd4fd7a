"""A request's first read reconnects once when the connection kept from earlier requests died.

Production keeps connections between requests without a `SELECT 1` before each one
(CONN_HEALTH_CHECKS off): estimator.connections.read_retrying_once is what keeps a database
restart from costing a failed read. tests/test_faults.py checks it under a real server.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection, connections, transaction

from estimator.catalog_cache import catalog_token
from estimator.connections import read_retrying_once

pytestmark = pytest.mark.django_db(transaction=True)


def _dies_once(error: type[Exception]) -> tuple[list[str], Any]:
    calls: list[str] = []

    def read() -> int:
        calls.append("read")
        if len(calls) == 1:
            raise error("server closed the connection unexpectedly")
        return 7

    return calls, read


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_dead_kept_connection_is_replaced_and_the_read_retried_once(error):
    connection.ensure_connection()
    calls, read = _dies_once(error)
    assert read_retrying_once(read) == 7
    assert calls == ["read", "read"]


def test_a_new_connection_that_fails_is_an_outage_and_is_not_retried(monkeypatch):
    # As after close() (which SQLite's in-memory test database ignores): no connection kept.
    monkeypatch.setattr(connections["default"], "connection", None)
    calls, read = _dies_once(OperationalError)
    with pytest.raises(OperationalError):
        read_retrying_once(read)
    assert calls == ["read"]


def test_inside_a_transaction_nothing_is_retried():
    with transaction.atomic():
        calls, read = _dies_once(OperationalError)
        with pytest.raises(OperationalError):
            read_retrying_once(read)
    assert calls == ["read"]


def test_other_errors_are_not_retried() -> None:
    connection.ensure_connection()
    calls: list[str] = []

    def read() -> int:
        calls.append("read")
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        read_retrying_once(read)
    assert calls == ["read"]


def test_the_catalog_token_survives_its_connection_being_killed():
    if connection.vendor != "postgresql":
        pytest.skip("kills a PostgreSQL backend")
    before = catalog_token()
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert catalog_token() == before
    assert connection.connection.info.backend_pid != pid
