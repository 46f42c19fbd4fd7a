"""History pages read as the forms do: labels, money, the clinic's time, choices by label,
and the inline rows' changes; Revert stays refused for issued estimates."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.urls import reverse
from djmoney.money import Money

from estimator.models import Estimate
from estimator.services import estimate_issue

from .conftest import TODAY
from .factories import ServicePriceFactory, priced_estimate

pytestmark = pytest.mark.django_db


def test_estimate_history_shows_labels_clinic_time_and_choice_labels(
    staff_client: Any, starter_catalog: Any, clock: Any
) -> None:
    estimate = estimate_issue(estimate=priced_estimate(), by="test")
    url = reverse("admin:estimator_estimate_history", args=[estimate.pk])
    page = text_of(staff_client.get(url))
    # Issued at 20:00 UTC is noon in Portland, where the clinic is.
    assert "Issued at: — → Nov 25, 2026 12:00 PST" in page
    assert "Status: Draft → Issued to the patient" in page
    assert "+00:00" not in page and "None" not in page
    assert "Choose a date from the list below to revert" not in page


def text_of(response: Any) -> str:
    """The page's words, tags dropped and spaces run together."""
    html = response.content.decode()
    words = re.sub(r"<[^>]+>", " ", html[html.find('id="content"') :])
    return re.sub(r"\s+", " ", unescape(words))


def test_session_type_history_lists_its_price_changes_as_money(
    staff_client: Any, clock: Any
) -> None:
    price = ServicePriceFactory(effective_from=TODAY + dt.timedelta(days=10))
    price.amount = Money("95.50", "USD")
    price.effective_to = TODAY + dt.timedelta(days=40)
    price.full_clean()
    price.save()
    url = reverse("admin:estimator_servicetype_history", args=[price.service.pk])
    page = text_of(staff_client.get(url))
    assert "Changes to rows edited on this page" in page
    assert "Price: $85.00 → $95.50" in page
    assert "Effective to: — → Jan 4, 2027" in page
    assert "Changed" in page and "Created" in page


def test_revert_of_an_issued_estimate_is_still_refused(
    staff_client: Any, starter_catalog: Any, clock: Any
) -> None:
    estimate = estimate_issue(estimate=priced_estimate(), by="test")
    first = estimate.history.earliest("history_date")
    url = reverse("admin:estimator_estimate_simple_history", args=[estimate.pk, first.pk])
    staff_client.post(url, {"patient_name": "Changed"})
    assert Estimate.objects.get(pk=estimate.pk).status == "issued"
