"""Backup and restore round trip: every row comes back, every issued estimate to the cent."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from estimator import pricing
from estimator.models import Clinic, CoverageMode, Estimate, EstimateStatus, InsurancePlan
from estimator.quotes import QuoteInput
from estimator.services import PatientDetails, estimate_create, estimate_issue

# Committed data: pg_dump reads the database from another connection.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clock", "erasable_records"),
]

FIGURES = "reference, status, total_charge, total_charge_currency, patient_total, "
FIGURES += "patient_total_best, plan_total, result_data"


def _stored(staff_user: Any) -> None:
    clinic = Clinic.objects.get(slug="cascade")
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    for sessions, mode in [(6, CoverageMode.SELF_PAY), (4, CoverageMode.INSURED), (2, "unknown")]:
        estimate = estimate_create(
            quote_input=QuoteInput(
                clinic=clinic,
                items=(pricing.PlanItem("dry-needling-1-2", 30, sessions, ("estim-unattended",)),),
                sessions_per_week=1,
                start_date=dt.date(2026, 12, 1),
                coverage_mode=mode,
                plan=None if mode == CoverageMode.SELF_PAY else plan,
            ),
            patient=PatientDetails(name="Alex Rivera", date_of_birth=dt.date(1984, 3, 9)),
        )
        if sessions != 2:
            estimate_issue(estimate=estimate, by=staff_user)


def _url(name: str) -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}/{name}"


@pytest.fixture
def target(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A new, empty database of the same kind: its URL and a DB-API connection factory."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    import psycopg

    settings = connection.settings_dict
    name = f"{settings['NAME']}_restore"
    options = {
        k: settings[k.upper()]
        for k in ("host", "port", "user", "password")
        if settings.get(k.upper())
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **options) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _url(name), lambda: psycopg.connect(dbname=name, **options)
    with psycopg.connect(dbname="postgres", autocommit=True, **options) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _value(value: Any) -> str:
    # JSON comes back as text from one driver and decoded from another: compare its meaning.
    if isinstance(value, str) and value.startswith("{"):
        value = json.loads(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _rows(cursor: Any, sql: str) -> list[tuple[str, ...]]:
    cursor.execute(sql)
    return [tuple(_value(value) for value in row) for row in cursor.fetchall()]


def _count(cursor: Any, table: str) -> list[tuple[str, ...]]:
    return _rows(cursor, f"SELECT count(*) FROM {table}")  # noqa: S608  (model table names)


def test_a_backup_restored_into_a_new_database_has_every_record(
    starter_catalog, staff_user, target, tmp_path
):
    _stored(staff_user)
    backup = tmp_path / "estimator.backup"
    call_command("backup_database", str(backup))
    url, connect = target
    call_command("restore_database", str(backup), "--into", url)

    tables = sorted({model._meta.db_table for model in apps.get_models()})
    issued = (
        f"SELECT {FIGURES} FROM estimator_estimate WHERE status = '{EstimateStatus.ISSUED}' "  # noqa: S608
        "ORDER BY reference"
    )
    with connection.cursor() as here:
        expected = {table: _count(here, table) for table in tables}
        expected_issued = _rows(here, issued)
    restored = connect()
    try:
        there = restored.cursor()
        counts = {table: _count(there, table) for table in tables}
        restored_issued = _rows(there, issued)
    finally:
        restored.close()
    assert counts == expected
    assert len(expected_issued) == 2
    assert Estimate.objects.count() == 3
    assert restored_issued == expected_issued


def test_restoring_into_a_database_that_is_not_empty_is_refused(starter_catalog, tmp_path):
    backup = tmp_path / "estimator.backup"
    call_command("backup_database", str(backup))
    if connection.vendor == "sqlite":
        busy = tmp_path / "busy.sqlite3"
        sqlite3.connect(busy).execute("CREATE TABLE t (x)").connection.commit()
        url = f"sqlite:///{busy}"
    else:
        url = _url(connection.settings_dict["NAME"])
    with pytest.raises(CommandError):
        call_command("restore_database", str(backup), "--into", url)


def test_a_missing_backup_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="There is no backup"):
        call_command("restore_database", str(tmp_path / "nope"), "--into", "sqlite:///x")
