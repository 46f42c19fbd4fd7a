"""Shared fixtures: the starter catalog, a staff user and clients."""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from estimator.api.ratelimit import rate_leases_clear
from estimator.catalog_seed import catalog_load_starter

# How deep the property tests go, chosen by HYPOTHESIS_PROFILE: "ci" (the default) or "fuzz"
# (`make fuzz`), which runs every property at 10 times CI's examples.
EXAMPLES_SCALE = {"ci": 1, "fuzz": 10}
hypothesis_settings.register_profile("ci", deadline=None)
hypothesis_settings.register_profile(
    "fuzz", deadline=None, max_examples=1000, suppress_health_check=[HealthCheck.too_slow]
)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


def property_examples(ci: int) -> int:
    """The examples a property test runs: CI's number, scaled by the profile."""
    return ci * EXAMPLES_SCALE[HYPOTHESIS_PROFILE]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # A page asked in French through the test client activates French in this thread (Django's
    # LocaleMiddleware does not deactivate); every test starts and ends in English.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    # Rate limits (and this process's leases of them) and cached catalog responses live in the
    # cache; every test starts clean.
    cache.clear()
    rate_leases_clear()
    yield
    cache.clear()
    rate_leases_clear()


# The day the date-bound tests live on: Wednesday 2026-11-25, 12:00 in Portland (20:00 UTC),
# so "today" is the same date in every starter clinic's time zone. Tests that depend on the
# date ask for `clock` (or a folder's conftest does it for them); no test reads the real date,
# and CI runs the whole suite again with the system clock a year ahead to prove it.
TODAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Sets the clock to NOW (and lets it tick); `clock.move_to(...)` moves it."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def starter_catalog(db: Any) -> dict[str, dict[str, int]]:
    """The starter catalog of fixtures/, as a fresh install has it (tests/test_catalog_seed.py
    loads it with every check; here the database's own checks suffice)."""
    return catalog_load_starter(thorough=False)


@pytest.fixture
def staff_user(django_user_model: Any) -> Any:
    """A clinic administrator (superuser)."""
    return django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-staff-123")


@pytest.fixture
def staff_client(client: Any, staff_user: Any) -> Any:
    """A test client logged in as the clinic administrator."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def erasable_records(transactional_db: Any) -> Iterator[None]:
    """For tests that commit issued estimates: the database refuses to delete those (triggers),
    so the flush after the test runs with the triggers lifted, which are then put back."""
    yield
    immutability = importlib.import_module("estimator.migrations.0003_estimate_immutability")
    with connection.schema_editor() as editor:
        immutability.drop_triggers(None, editor)
    try:
        call_command("flush", interactive=False, verbosity=0)
    finally:
        with connection.schema_editor() as editor:
            immutability.create_triggers(None, editor)
