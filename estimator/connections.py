"""A request's first read survives a database restart without a health check before every request.

Production keeps each worker's connection between requests (CONN_MAX_AGE). Django's
CONN_HEALTH_CHECKS would test it with a `SELECT 1` at the start of every request — a round trip
that costs as much as the catalog token read it protects. Instead the first read of a request
outside a transaction (the catalog token, an API key) is retried once on a new connection when
the kept one turns out to be dead. A real outage fails the retry too and is answered 503 as
before. Requests that run in a transaction (ATOMIC_REQUESTS: stored estimates, admin) cannot
retry mid-transaction: the first such request on each worker after a restart is answered 503
with Retry-After, with nothing written, and the next one reconnects (README, "Speed").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)
T = TypeVar("T")


def read_retrying_once(read: Callable[[], T]) -> T:
    """read(), again on a fresh connection if the connection kept from earlier requests is dead."""
    kept = connection.connection is not None
    try:
        return read()
    except (OperationalError, InterfaceError):
        # A new connection that failed is an outage, and inside a transaction nothing can be
        # retried: both are answered as before (503).
        if not kept or connection.in_atomic_block:
            raise
        logger.warning("Database connection lost since the last request; reconnecting")
        connection.close()
        return read()
