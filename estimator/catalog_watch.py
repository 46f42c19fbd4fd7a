"""The catalog token without a query: each process listens for catalog changes (PostgreSQL).

A read-only request needs the catalog version's token to find its cached catalog
(catalog_cache), and asking the database for it is a round trip per request — for a value that
moves only when staff change the catalog. The trigger that moves it (catalog_triggers) also
sends NOTIFY on catalog_triggers.CHANNEL, which PostgreSQL delivers at commit, never for a
rolled-back change, to every session that LISTENs. So each process keeps one connection of its
own (CatalogWatcher: one connection, one int) and remembers the token:

- on opening: LISTEN first, then read the token on that connection, so a change committed
  between the two is in the read or notified after it;
- on each call: a non-blocking look at the socket, a few microseconds and no round trip; when
  anything arrived, the token is read again on the watcher's connection (the last commit wins;
  the payload is not trusted to arrive in order with reads);
- every CATALOG_WATCH_RECHECK seconds a real read all the same: it finds a dead connection and
  bounds how long a silently lost one (a network partition) could keep an old token;
- on any failure (connecting, PostgreSQL restarted, a psycopg error): the connection is closed,
  a warning logged once, and the token read on Django's connection as before
  (read_retrying_once), so a failure here is never a 500 of its own. A new connection is tried
  after such a read has succeeded (an outage is not made slower by connection attempts), at
  most once a second;
- fork (gunicorn may fork after import): a child drops the parent's connection without ending
  its session and opens its own; a lock for threads.

Who asks it (catalog_cache.catalog_token): only with CATALOG_WATCH on, on PostgreSQL and outside
a transaction, which leaves the read-only requests — the catalog lists, POST /api/v1/quotes and
/quotes/summary, the patient quote page. Whatever runs in a transaction (ATOMIC_REQUESTS:
storing an estimate, admin, the stored-estimate pages and PDFs) and the jobs that record money
(re-pricing, renewals: catalog_token(from_database=True)) read the token from the database,
strictly current.

The one caveat: a notification follows the writer's commit, it does not travel with it.
PostgreSQL signals the listening sessions before the writer's COMMIT returns, but each of them
writes the notification to its socket when it next gets the CPU, usually well under a
millisecond later. A read-only request that reaches another process inside that window is
answered from the catalog as it was just before the change. Behind PgBouncer in transaction
mode LISTEN does not work at all: turn CATALOG_WATCH off there (README, "Speed").
"""

from __future__ import annotations

import atexit
import logging
import os
import select
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

from .catalog_triggers import CHANNEL, VERSION_SQL

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2  # seconds; libpq's connect_timeout, unless the database's OPTIONS set one
# Milliseconds unacknowledged data may wait before the kernel drops the connection (Linux): a
# re-check into a network partition fails within this instead of hanging a request.
TCP_USER_TIMEOUT = 2000
RECONNECT_EVERY = 1.0  # seconds between connection attempts while the watcher is down
APPLICATION_NAME = "estimator catalog watch"  # how its sessions show in pg_stat_activity


def watch_applies() -> bool:
    """Whether catalog_token may take the watcher's token: see the module's docstring."""
    if not settings.CATALOG_WATCH:
        return False
    # One look-up of this thread's connection (a context-local: each costs microseconds).
    default = connections[DEFAULT_DB_ALIAS]
    return default.vendor == "postgresql" and not default.in_atomic_block


class CatalogWatcher:
    """This process's listening connection and the token it last read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._poll: select.poll | None = None  # the connection's socket, to look at it
        self._pid = os.getpid()  # the process the connection belongs to
        self._token = 0
        self._notified = False  # a notification came in while reading: read again
        self._recheck_at = 0.0
        self._retry_at = 0.0
        self._connecting = False
        self._warned = False  # once per outage, not once per request

    @property
    def listening(self) -> bool:
        """Whether this process has its listening connection (for tests and diagnostics)."""
        return self._conn is not None and self._pid == os.getpid()

    def token(self, fallback: Callable[[], int]) -> int:
        """The current token: the remembered one, else fallback() (a read on Django's
        connection, which raises as it always did when the database is down)."""
        known = self._known()
        if known is not None:
            return known
        value = fallback()
        self._reconnect_if_due()
        return value

    def close(self) -> None:
        """Close the connection (at exit, in tests); the next token() opens another."""
        with self._lock:
            if self._pid != os.getpid():
                self._disown()
            conn = self._forget()
            self._retry_at = 0.0
        if conn is not None:
            with suppress(Exception):
                conn.close()

    def after_fork(self) -> None:
        """In a new child: a fresh lock (the parent's may have been held by another thread)."""
        self._lock = threading.Lock()
        self._connecting = False

    def _known(self) -> int | None:
        with self._lock:
            if self._pid != os.getpid():
                self._disown()
            conn = self._conn
            if conn is None:
                return None
            try:
                if self._arrived(conn) or time.monotonic() >= self._recheck_at:
                    # Cleared before the read: a notification during it asks for another.
                    self._notified = False
                    self._token = self._read(conn)
                    self._recheck_at = time.monotonic() + float(settings.CATALOG_WATCH_RECHECK)
            except Exception as error:  # whatever it is, the database path still answers
                self._forget()
                self._lost(conn, error)
                return None
            return self._token

    def _arrived(self, conn: psycopg.Connection[Any]) -> bool:
        """Whether anything came from the server since the last look, without waiting.

        Anything, not only a notification: PostgreSQL going away sends its goodbye before the
        connection ends, and only the read that follows finds that out (and that a change
        committed meanwhile went unnotified). poll() rather than select(), which cannot take a
        descriptor above 1023; both ≈ 2 µs, consume_input alone ≈ 1.5 µs but cannot tell
        whether anything came."""
        if self._notified:
            return True
        if self._poll is None or not self._poll.poll(0):
            return False
        pgconn = conn.pgconn
        pgconn.consume_input()
        while pgconn.notifies() is not None:
            pass
        return True

    @staticmethod
    def _read(conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(VERSION_SQL).fetchone()
        return 0 if row is None else int(row[0])

    def _forget(self) -> psycopg.Connection[Any] | None:
        """Let go of the connection (the caller closes or disowns it)."""
        conn, self._conn, self._poll = self._conn, None, None
        return conn

    def _lost(self, conn: psycopg.Connection[Any], error: Exception) -> None:
        with suppress(Exception):
            conn.close()
        self._warn("Catalog watcher lost its connection (%s); reading the token per request", error)

    def _warn(self, message: str, error: Exception) -> None:
        if self._warned:
            logger.debug(message, error)
        else:
            self._warned = True
            logger.warning(message, error)

    def _disown(self) -> None:
        """A forked child's: forget the parent's connection without ending the parent's session.

        Closing it here would send PostgreSQL a goodbye on the socket both processes share. This
        process's copy of the descriptor is pointed at /dev/null first, so the goodbye goes
        nowhere; if even that fails, the connection is kept unclosed (one per fork)."""
        conn = self._forget()
        self._pid = os.getpid()
        self._retry_at = 0.0
        self._notified = False
        if conn is None:
            return
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(devnull, conn.pgconn.socket)
            finally:
                os.close(devnull)
        except (OSError, psycopg.Error):
            _inherited.append(conn)
            return
        with suppress(Exception):
            conn.close()

    def _reconnect_if_due(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self._conn is not None or self._connecting or now < self._retry_at:
                return
            self._connecting = True
            self._retry_at = now + RECONNECT_EVERY
        conn: psycopg.Connection[Any] | None = None
        token = 0
        try:
            conn, token = self._open()
        except Exception as error:  # the database path goes on answering
            self._warn(
                "Catalog watcher could not connect (%s); reading the token per request", error
            )
        with self._lock:
            self._connecting = False
            if conn is not None and self._conn is None and self._pid == os.getpid():
                self._conn, self._token, conn = conn, token, None
                self._poll = select.poll()
                self._poll.register(self._conn.pgconn.socket, select.POLLIN)
                self._recheck_at = time.monotonic() + float(settings.CATALOG_WATCH_RECHECK)
                if self._warned:
                    logger.info("Catalog watcher listening again")
                self._warned = False
        if conn is not None:  # somebody else's was installed first, or this process forked
            with suppress(Exception):
                conn.close()

    def _open(self) -> tuple[psycopg.Connection[Any], int]:
        """A new listening connection to the default database, and the token read on it."""
        # Django's own parameters (host, port, name, user, password, OPTIONS such as sslmode).
        params = connection.get_connection_params()
        params.setdefault("connect_timeout", CONNECT_TIMEOUT)
        params.setdefault("tcp_user_timeout", TCP_USER_TIMEOUT)
        params.setdefault("application_name", APPLICATION_NAME)
        params["autocommit"] = True
        conn = psycopg.connect(**params)
        try:
            # A notification that arrives during a read sets the flag (and is not kept in
            # psycopg's backlog, which nobody here would empty).
            conn.add_notify_handler(self._on_notify)
            conn.execute(f"LISTEN {CHANNEL}")
            # LISTEN first, then the read: nothing committed in between is missed.
            token = self._read(conn)
        except BaseException:
            conn.close()
            raise
        return conn, token

    def _on_notify(self, _notify: psycopg.Notify) -> None:
        self._notified = True


_inherited: list[psycopg.Connection[Any]] = []
watcher = CatalogWatcher()
atexit.register(watcher.close)
os.register_at_fork(after_in_child=watcher.after_fork)
