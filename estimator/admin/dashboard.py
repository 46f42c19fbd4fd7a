"""What is due today, for the admin index: each item counts rows and links to their list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from estimator.models import Estimate, EstimateStatus, GoodFaithEstimateRequest, RequestStatus
from estimator.services import gfe_request_due

OPEN_REQUESTS = (RequestStatus.NEW, RequestStatus.IN_PROGRESS)
# An issued estimate whose last session is this close needs a new one for further care.
ENDING_SOON_DAYS = 14


@dataclass(frozen=True)
class DashboardItem:
    """One line of the dashboard: how many, what, and the list that shows them."""

    count: int
    label: str
    url: str
    urgent: bool = False


def gfe_requests_due(*, when: str) -> list[int]:
    """Open Good Faith Estimate requests due today ('today') or already late ('overdue'),
    each judged by its clinic's own today (a handful of open requests at a time)."""
    found = []
    for request in GoodFaithEstimateRequest.objects.filter(status__in=OPEN_REQUESTS).select_related(
        "clinic"
    ):
        due, today = gfe_request_due(request=request), request.clinic.today()
        if (when == "overdue" and due < today) or (when == "today" and due == today):
            found.append(request.pk)
    return found


def estimates_ending_soon(queryset: QuerySet[Estimate]) -> QuerySet[Estimate]:
    """Estimates whose last session is from today to ENDING_SOON_DAYS ahead (the server's
    today: a day's difference between clinics does not matter over a fortnight)."""
    today = timezone.localdate()
    return queryset.filter(
        end_date__gte=today, end_date__lte=today + dt.timedelta(days=ENDING_SOON_DAYS)
    )


def dashboard_items(request: HttpRequest) -> list[DashboardItem]:
    """Today's work the user may do something about, most urgent first."""
    user = request.user
    items: list[DashboardItem] = []
    if user.has_perm("estimator.view_goodfaithestimaterequest"):
        url = reverse("admin:estimator_goodfaithestimaterequest_changelist")
        overdue, today = gfe_requests_due(when="overdue"), gfe_requests_due(when="today")
        items.append(
            DashboardItem(
                len(overdue),
                "Good Faith Estimate requests overdue",
                f"{url}?{urlencode({'status': 'all', 'due': 'overdue'})}",
                urgent=bool(overdue),
            )
        )
        items.append(
            DashboardItem(
                len(today),
                "Good Faith Estimate requests due today",
                f"{url}?{urlencode({'status': 'all', 'due': 'today'})}",
                urgent=bool(today),
            )
        )
    if user.has_perm("estimator.view_estimate"):
        url = reverse("admin:estimator_estimate_changelist")
        drafts = Estimate.objects.filter(status=EstimateStatus.DRAFT).count()
        items.append(
            DashboardItem(
                drafts,
                "Draft estimates waiting to be issued",
                f"{url}?{urlencode({'status__exact': EstimateStatus.DRAFT})}",
            )
        )
        ending = estimates_ending_soon(Estimate.objects.filter(status=EstimateStatus.ISSUED))
        query = {"status__exact": EstimateStatus.ISSUED, "ends": "soon"}
        items.append(
            DashboardItem(
                ending.count(),
                f"Issued estimates whose care ends within {ENDING_SOON_DAYS} days",
                f"{url}?{urlencode(query)}",
            )
        )
    return items
