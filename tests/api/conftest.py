"""API fixtures: clients, keys of each scope, and a valid plan request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from estimator import services
from estimator.models import Clinic, Estimate, InsurancePlan, IntegrationKey


@pytest.fixture
def api() -> APIClient:
    """An anonymous API client."""
    return APIClient()


def _key(**kwargs: Any) -> str:
    _, raw = IntegrationKey.objects.create_key(**kwargs)
    return str(raw)


@pytest.fixture
def read_key(starter_catalog: Any) -> str:
    """A read-only key for every clinic."""
    return _key(name="reader", scope="read")


@pytest.fixture
def write_key(starter_catalog: Any) -> str:
    """A read_write key for every clinic."""
    return _key(name="billing", scope="read_write")


@pytest.fixture
def harbour_key(starter_catalog: Any) -> str:
    """A read_write key limited to the Vancouver clinic."""
    return _key(name="harbour-only", scope="read_write", clinic=Clinic.objects.get(slug="harbour"))


def auth(key: str) -> dict[str, str]:
    """The header that authenticates with key."""
    return {"HTTP_AUTHORIZATION": f"Api-Key {key}"}


@pytest.fixture
def writer(write_key: str) -> APIClient:
    """A client sending the read_write key."""
    client = APIClient()
    client.credentials(**auth(write_key))
    return client


@pytest.fixture
def reader(read_key: str) -> APIClient:
    """A client sending the read key."""
    client = APIClient()
    client.credentials(**auth(read_key))
    return client


def start(days: int = 7, clinic: str = "cascade") -> str:
    """A first-visit date relative to the clinic's today (quotes refuse dates far off)."""
    return (Clinic.objects.get(slug=clinic).today() + dt.timedelta(days=days)).isoformat()


def plan_id(name: str) -> int:
    """The id of a starter-catalog plan by name."""
    return int(InsurancePlan.objects.get(name=name).pk)


@pytest.fixture
def plan_request(starter_catalog: Any) -> dict[str, Any]:
    """A valid self-pay plan: six 30-minute dry-needling sessions with unattended e-stim."""
    return {
        "clinic": "cascade",
        "items": [
            {
                "service": "dry-needling-1-2",
                "duration_minutes": 30,
                "add_ons": ["estim-unattended"],
                "sessions": 6,
            }
        ],
        "sessions_per_week": 1,
        "start_date": start(),
        "coverage": {"mode": "self_pay"},
    }


@pytest.fixture
def made_estimates(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Estimate]]:
    """Every Estimate instance services made (estimate_create, estimate_new), as made: the
    objects the request went on with, before anything read them back from the database."""
    made: list[Estimate] = []
    real = services._estimate_from

    def keep(*args: Any, **kwargs: Any) -> Estimate:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(services, "_estimate_from", keep)
    yield made
