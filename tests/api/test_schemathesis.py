"""Schemathesis over every operation: no 5xx, and responses match the published schema."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import auth

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
HANDLER = WSGIHandler()


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Django's WSGI handler without closing the test's database connection after each call."""
    # The same guard Django's test client uses: the test transaction must survive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return list(HANDLER(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _published_schema() -> dict[str, Any]:
    generated = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_published_schema())
schema.app = app

HYPOTHESIS = settings(
    # CI runs the suite twice on two cores; SCHEMATHESIS_MAX_EXAMPLES=500 for a deeper run.
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def roomy_rates(settings: Any) -> None:
    """Rate limits high enough that generated calls exercise the endpoints, not the limiter."""
    settings.ESTIMATOR_RATE_ANON = "100000/min"
    settings.ESTIMATOR_RATE_QUOTES_ANON = "100000/min"
    settings.ESTIMATOR_RATE_KEY = "100000/min"


@pytest.mark.django_db
@schema.parametrize()
@HYPOTHESIS
def test_anonymous_calls_conform(case: Any, starter_catalog: Any, roomy_rates: None) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@HYPOTHESIS
def test_calls_with_a_read_write_key_conform(case: Any, write_key: str, roomy_rates: None) -> None:
    header = auth(write_key)["HTTP_AUTHORIZATION"]
    case.call_and_validate(headers={"Authorization": header}, checks=CHECKS)
