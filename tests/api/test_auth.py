"""Authentication and scopes: anonymous 401, wrong scope 403, revoked/expired keys refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from estimator.api import auth as auth_module
from estimator.api.auth import key_by_prefix
from estimator.models import IntegrationKey
from tests.api.conftest import auth

pytestmark = pytest.mark.django_db


def test_anonymous_estimates_list_is_401_with_www_authenticate(api, starter_catalog):
    response = api.get("/api/v1/estimates")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response["Content-Type"] == "application/problem+json"


def test_anonymous_estimate_detail_is_401(api, starter_catalog):
    assert api.get("/api/v1/estimates/EST-ABCDEFGH").status_code == 401


def test_anonymous_create_is_401(api, plan_request):
    assert api.post("/api/v1/estimates", plan_request, format="json").status_code == 401


def test_read_key_cannot_create_estimates(reader, plan_request):
    response = reader.post("/api/v1/estimates", plan_request, format="json")
    assert response.status_code == 403
    assert "read_write" in response.json()["detail"]


def test_read_key_may_list_estimates_and_read_the_catalog(reader, starter_catalog):
    assert reader.get("/api/v1/estimates").status_code == 200
    assert reader.get("/api/v1/services").status_code == 200


def test_unknown_key_is_401(api, starter_catalog):
    response = api.get("/api/v1/estimates", **auth("nope.nothing"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_revoked_key_is_401(read_key):
    IntegrationKey.objects.update(revoked=True)
    client = APIClient()
    assert client.get("/api/v1/estimates", **auth(read_key)).status_code == 401


def test_expired_key_is_401(read_key):
    IntegrationKey.objects.update(expiry_date=timezone.now() - dt.timedelta(days=1))
    response = APIClient().get("/api/v1/estimates", **auth(read_key))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_non_staff_session_cannot_read_estimates(client, django_user_model, starter_catalog):
    client.force_login(django_user_model.objects.create_user("pat", password="pw-pat-12345"))
    assert client.get("/api/v1/estimates").status_code == 403


def test_staff_session_may_read_estimates(staff_client, starter_catalog):
    assert staff_client.get("/api/v1/estimates").status_code == 200


def test_last_used_at_is_written_at_most_once_a_minute(reader, starter_catalog):
    reader.get("/api/v1/estimates")
    first = IntegrationKey.objects.get().last_used_at
    reader.get("/api/v1/estimates")
    assert IntegrationKey.objects.get().last_used_at == first
    IntegrationKey.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    reader.get("/api/v1/estimates")
    assert IntegrationKey.objects.get().last_used_at > first


def test_a_failed_request_still_records_the_keys_last_use(reader, starter_catalog):
    # The view's transaction rolls back on a 4xx; the use is written after it, so it stays.
    response = reader.post("/api/v1/quotes", {"clinic": "nowhere"}, format="json")
    assert 400 <= response.status_code < 500
    assert IntegrationKey.objects.get().last_used_at is not None


@pytest.mark.parametrize("prefix", ["", "x' OR '1'='1", "%", "_" * 8, "a" * 200])
def test_a_prefix_no_key_has_finds_nothing(read_key: str, prefix: str) -> None:
    assert key_by_prefix(prefix) is None


def test_the_keys_fixed_lookup_reads_what_the_orm_reads(read_key: str) -> None:
    prefix = read_key.partition(".")[0]
    found = key_by_prefix(prefix)
    assert found is not None
    expected = IntegrationKey.objects.get(prefix=prefix)
    for field in IntegrationKey._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    IntegrationKey.objects.filter(pk=expected.pk).update(revoked=True)
    assert key_by_prefix(prefix) is None
    assert f'"{IntegrationKey._meta.db_table}"' in auth_module._KEY_SQL
    # Named columns, not "*": a prepared statement must keep its result's shape when a
    # migration adds a column while older workers still run.
    assert "*" not in auth_module._KEY_SQL


@pytest.mark.django_db(transaction=True)
def test_the_prepared_key_lookup_survives_a_column_added_while_workers_run() -> None:
    # PostgreSQL: a worker prepares the key lookup after five runs; a migration then adds a
    # column while it keeps running. A prepared "SELECT *" would fail from then on ("cached
    # plan must not change result type") until the worker restarted; named columns do not.
    from django.db import NotSupportedError, connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    import psycopg

    _, raw = IntegrationKey.objects.create_key(name="prepared", scope="read")
    prefix = raw.partition(".")[0]
    star = 'SELECT * FROM "estimator_integrationkey" WHERE "prefix" = %s'
    for _ in range(6):
        assert key_by_prefix(prefix) is not None
        with connection.cursor() as cursor:
            cursor.execute(star, [prefix])
    table = IntegrationKey._meta.db_table
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute(f'ALTER TABLE "{table}" ADD COLUMN "added_later" integer')
        with (
            pytest.raises(NotSupportedError, match="cached plan must not change result type"),
            connection.cursor() as cursor,
        ):
            cursor.execute(star, [prefix])
        found = key_by_prefix(prefix)
        assert found is not None and found.prefix == prefix
    finally:
        other.execute(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "added_later"')
        other.close()
