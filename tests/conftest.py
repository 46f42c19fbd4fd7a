"""Shared fixtures: the starter catalog, a staff user and clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from estimator.catalog_seed import catalog_load_starter


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    # Rate limits and cached catalog responses live in the cache; every test starts clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def starter_catalog(db: Any) -> dict[str, dict[str, int]]:
    """The starter catalog of fixtures/, as a fresh install has it."""
    return catalog_load_starter()


@pytest.fixture
def staff_user(django_user_model: Any) -> Any:
    """A clinic administrator (superuser)."""
    return django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-staff-123")


@pytest.fixture
def staff_client(client: Any, staff_user: Any) -> Any:
    """A test client logged in as the clinic administrator."""
    client.force_login(staff_user)
    return client
