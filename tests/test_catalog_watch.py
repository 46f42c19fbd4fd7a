"""The catalog watcher: a committed catalog change reaches this process's token with no query.

LISTEN/NOTIFY is PostgreSQL's: those tests skip on SQLite, where catalog_token reads the
database as it always did (tested here too). Every test commits (transaction=True): a test's
own transaction would never commit, so nothing would be notified. Two servers seeing a price
change through their watchers is tests/test_scale_out.py.
"""

from __future__ import annotations

import logging
import os
import select
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from estimator import catalog_watch
from estimator.catalog_cache import catalog_token
from estimator.catalog_triggers import CHANNEL
from estimator.catalog_watch import CatalogWatcher, watcher
from estimator.models import CatalogVersion, ServicePrice
from tests.factories import ServicePriceFactory
from tests.support.watchers import watcher_sessions

pytestmark = pytest.mark.django_db(transaction=True)


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite the token is read per request")


@pytest.fixture
def price() -> ServicePrice:
    made: ServicePrice = ServicePriceFactory.create()
    return made


@pytest.fixture
def watching(settings: Any, price: ServicePrice) -> Iterator[CatalogWatcher]:
    """The watcher on, listening, no re-check due during the test; closed afterwards (an open
    session would keep the test database from being dropped)."""
    _postgresql_only()
    settings.CATALOG_WATCH = True
    settings.CATALOG_WATCH_RECHECK = 600.0
    watcher.close()
    catalog_token()  # the first read is the database's; the watcher connects after it
    assert watcher.listening
    yield watcher
    watcher.close()


def _the_databases_token() -> int:
    return CatalogVersion.objects.get().token


def _price_changed(price: ServicePrice) -> None:
    """A staff price change, committed (autocommit: no transaction around the test)."""
    ServicePrice.objects.filter(pk=price.pk).update(amount=price.amount.amount + Decimal("7"))


def _notification_arrives(seconds: float) -> bool:
    """Whether something reaches the watcher's socket within seconds.

    The notification follows the commit by a moment (the listening session writes it when it
    next runs: catalog_watch's caveat); waiting for it keeps these tests about what arrives,
    not about the scheduler."""
    conn = watcher._conn
    assert conn is not None
    return bool(select.select([conn.pgconn.socket], [], [], seconds)[0])


def test_a_committed_price_change_reaches_the_token_with_no_query(
    watching: CatalogWatcher, price: ServicePrice, django_assert_num_queries: Any
) -> None:
    before = catalog_token()
    assert before == _the_databases_token()
    with django_assert_num_queries(0):
        assert catalog_token() == before
    _price_changed(price)
    assert _notification_arrives(5)
    with django_assert_num_queries(0):
        after = catalog_token()
    assert after != before
    assert after == _the_databases_token()
    with django_assert_num_queries(0):
        assert [catalog_token() for _ in range(100)] == [after] * 100


def test_each_committed_change_in_turn_is_the_token(
    watching: CatalogWatcher, price: ServicePrice
) -> None:
    for _ in range(3):
        before = catalog_token()
        _price_changed(price)
        assert _notification_arrives(5)
        assert catalog_token() == _the_databases_token() != before


def test_a_rolled_back_change_notifies_nothing_and_the_token_stays(
    watching: CatalogWatcher, price: ServicePrice, django_assert_num_queries: Any
) -> None:
    before = catalog_token()
    with pytest.raises(RuntimeError), transaction.atomic():
        _price_changed(price)
        # In the transaction: from the database, which shows the transaction its own change.
        assert catalog_token() != before
        raise RuntimeError
    assert not _notification_arrives(0.3)
    with django_assert_num_queries(0):
        assert catalog_token() == before
    assert before == _the_databases_token()


def test_inside_a_transaction_the_token_is_read_from_the_database(
    watching: CatalogWatcher, django_assert_num_queries: Any
) -> None:
    current = _the_databases_token()
    with transaction.atomic(), django_assert_num_queries(1):
        assert catalog_token() == current


def test_jobs_that_record_money_read_the_token_from_the_database(
    watching: CatalogWatcher, django_assert_num_queries: Any
) -> None:
    current = _the_databases_token()
    with django_assert_num_queries(1):
        assert catalog_token(from_database=True) == current


def test_a_killed_watcher_connection_falls_back_to_the_database_then_reconnects(
    watching: CatalogWatcher, price: ServicePrice, caplog: Any
) -> None:
    (killed,) = watcher_sessions()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [killed])
    deadline = time.monotonic() + 10
    while killed in watcher_sessions():
        assert time.monotonic() < deadline, "the watcher's session did not end"
        time.sleep(0.02)
    _price_changed(price)  # while nobody listens: only a read can know it
    with (
        caplog.at_level(logging.INFO, logger=catalog_watch.__name__),
        CaptureQueriesContext(connection) as queries,
    ):
        token = catalog_token()
    assert token == _the_databases_token()
    assert len(queries) == 1  # the fallback: today's read on Django's connection
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "lost its connection" in warnings[0].getMessage()
    # A later call (a connection attempt a second at most) listens again.
    deadline = time.monotonic() + 5
    while not watcher.listening:
        assert time.monotonic() < deadline, "the watcher did not reconnect"
        time.sleep(0.05)
        assert catalog_token() == token
    assert watcher_sessions() - {killed}
    with CaptureQueriesContext(connection) as queries:
        assert catalog_token() == token
    assert len(queries) == 0


def test_while_it_cannot_connect_each_read_is_the_databases_and_retries_are_spaced(
    watching: CatalogWatcher, price: ServicePrice, monkeypatch: Any, caplog: Any
) -> None:
    watcher.close()
    attempts: list[float] = []

    def refused(**params: Any) -> psycopg.Connection[Any]:
        attempts.append(time.monotonic())
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(catalog_watch.psycopg, "connect", refused)
    with caplog.at_level(logging.DEBUG, logger=catalog_watch.__name__):
        tokens = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                tokens.append(catalog_token())
            assert len(queries) == 1
            _price_changed(price)
        assert len(attempts) == 1  # at most one attempt a second
        monkeypatch.setattr(watcher, "_retry_at", 0.0)  # as a second later
        catalog_token()
    assert len(attempts) == 2
    # Warned once for the outage, not once per attempt.
    assert [r.levelno for r in caplog.records].count(logging.WARNING) == 1
    assert len(set(tokens)) == 5  # each read saw the change before it
    monkeypatch.undo()
    watcher._retry_at = 0.0
    catalog_token()
    assert watcher.listening


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_open(
    watching: CatalogWatcher, monkeypatch: Any, django_assert_num_queries: Any
) -> None:
    conn = watcher._conn
    assert conn is not None
    (parents,) = watcher_sessions()
    # After a fork the parent holds the same socket: a duplicate descriptor stands for it.
    parent_socket = os.dup(conn.pgconn.socket)
    current = _the_databases_token()
    try:
        monkeypatch.setattr(watcher, "_pid", os.getpid() + 1)  # as if this were the child
        with django_assert_num_queries(1):  # the child's first read, then its own connection
            assert catalog_token() == current
        assert watcher.listening
        pids = watcher_sessions()
        # The parent's session is still there: the child did not say goodbye on its socket.
        assert parents in pids
        assert len(pids) == 2
        with django_assert_num_queries(0):
            catalog_token()
    finally:
        os.close(parent_socket)


@pytest.mark.parametrize("watch", [False, True])
def test_with_the_watch_off_or_on_sqlite_each_read_is_one_query(
    watch: bool, settings: Any, django_assert_num_queries: Any
) -> None:
    if watch and connection.vendor != "sqlite":
        pytest.skip("on PostgreSQL the watcher answers (the tests above)")
    settings.CATALOG_WATCH = watch
    for _ in range(2):
        with django_assert_num_queries(1):
            catalog_token()
    assert not watcher.listening


def test_the_trigger_notifies_the_new_token_at_commit_and_migrate_installs_it(
    price: ServicePrice,
) -> None:
    _postgresql_only()
    # A database migrated before the notification: the old body, without pg_notify.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION estimator_catalog_bump() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN UPDATE estimator_catalogversion "
            "SET token = token + 1; RETURN NULL; END $$"
        )
    call_command("migrate", verbosity=0)  # post_migrate replaces it
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('estimator_catalog_bump'::regproc)")
        assert "pg_notify('estimator_catalog'" in cursor.fetchone()[0]
    ServicePriceFactory.create(clinic=price.clinic, duration_minutes=15)
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        assert ServicePrice.objects.update(amount=Decimal("99")) == 2
        # One statement (two rows), one notification, carrying the token it set.
        (notify,) = list(listener.notifies(timeout=5, stop_after=1))
        assert int(notify.payload) == _the_databases_token()
        assert list(listener.notifies(timeout=0.2)) == []
