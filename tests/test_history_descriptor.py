"""Every tracked model's `history` is a kept descriptor: the same manager class on every read,
and history written and read as simple_history writes and reads it."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from simple_history.manager import HistoryDescriptor, HistoryManager

from estimator.history import KeptHistoryDescriptor, history_descriptors_keep
from estimator.models import Estimate, ServiceType
from estimator.services import estimate_issue

from .factories import priced_estimate

pytestmark = pytest.mark.django_db


def test_every_history_descriptor_is_kept() -> None:
    found = [
        (model, name, value)
        for model in apps.get_models(include_auto_created=True)
        for name, value in vars(model).items()
        if isinstance(value, HistoryDescriptor)
    ]
    assert len(found) >= 10  # the catalog, plans, estimates, requests...
    assert all(isinstance(value, KeptHistoryDescriptor) for _, _, value in found)
    assert history_descriptors_keep() == 0  # already swapped at start: nothing left to do


def test_one_manager_class_bound_to_each_instance(starter_catalog: Any, clock: Any) -> None:
    first, second = priced_estimate(), priced_estimate()
    assert type(first.history) is type(second.history) is type(Estimate.history)
    assert isinstance(first.history, HistoryManager)
    assert first.history.instance == first and Estimate.history.instance is None
    estimate_issue(estimate=first, by="test")
    assert [h.history_type for h in first.history.order_by("history_id")] == ["+", "~"]
    assert [h.status for h in first.history.order_by("history_id")] == ["draft", "issued"]
    assert second.history.count() == 1
    assert Estimate.history.filter(reference=first.reference).count() == 2
    service = ServiceType.objects.first()
    assert service is not None and service.history.count() >= 1
