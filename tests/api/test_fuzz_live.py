"""`make fuzz`: Schemathesis over HTTP against the production stack (gunicorn, production
settings, PostgreSQL, Redis), as tests/support/servers.py starts it for the scale-out tests.

Skipped unless ESTIMATOR_FUZZ=1 (the Makefile sets it): at 1000 examples per operation it
runs for many minutes. CI keeps the shorter in-process pass of test_schemathesis.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.db import connection
from hypothesis import HealthCheck, settings

from estimator.catalog_seed import catalog_load_starter
from estimator.models import IntegrationKey
from tests.api.test_schemathesis import CHECKS, _published_schema
from tests.support.servers import database_url, gunicorn_servers, production_env

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.environ.get("ESTIMATOR_FUZZ") and REDIS_URL),
        reason="make fuzz runs this (ESTIMATOR_FUZZ=1, TEST_REDIS_URL, PostgreSQL)",
    ),
]

schema = schemathesis.openapi.from_dict(_published_schema())

FUZZ = settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "1000")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def server(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """One production server on the test database, limits lifted so the API is exercised."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("the production stack runs on PostgreSQL")
        env = production_env(
            database=database_url(),
            redis=REDIS_URL,
            ESTIMATOR_RATE_ANON="1000000/min",
            ESTIMATOR_RATE_QUOTES_ANON="1000000/min",
            ESTIMATOR_RATE_KEY="1000000/min",
            ESTIMATOR_RATE_BAD_KEY="1000000/min",
        )
    with gunicorn_servers(env, 1) as (base,):
        yield base


@pytest.fixture
def write_key(server: str) -> str:
    """The starter catalog (committed, for the server to see) and a read_write key."""
    catalog_load_starter()
    _, raw = IntegrationKey.objects.create_key(name="fuzz", scope="read_write")
    return f"Api-Key {raw}"


@schema.parametrize()
@FUZZ
def test_every_operation_conforms_over_http(case: Any, server: str, write_key: str) -> None:
    case.call_and_validate(base_url=server, checks=CHECKS)
    case.call_and_validate(base_url=server, headers={"Authorization": write_key}, checks=CHECKS)
