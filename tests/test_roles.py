"""Staff roles: each role may do what its table says in admin, and nothing the other role may."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from estimator.models import (
    Clinic,
    Estimate,
    EstimateRepricing,
    GoodFaithEstimateRequest,
    InsurancePlan,
    Payer,
    ServicePrice,
    WebhookDelivery,
    WebhookEndpoint,
)
from estimator.patient_links import patient_link_create
from estimator.roles import BILLING_MANAGER, FRONT_DESK, ROLES, permission_name, roles_ensure
from estimator.services import estimate_issue
from estimator.webhooks import webhook_endpoint_create

from .factories import priced_estimate
from .test_admin_estimate_builder import form_data, gfe_request

pytestmark = pytest.mark.django_db

ESTIMATES = "admin:estimator_estimate_changelist"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 6, 15, 18, 0, tzinfo=dt.UTC), tick=False):
        yield


def _act(client: Any, changelist: str, action: str, obj: Any) -> None:
    client.post(
        reverse(changelist), {"action": action, "_selected_action": [obj.pk], "post": "yes"}
    )


def see_price_link(client: Any) -> bool:
    return "Price a new estimate" in client.get(reverse(ESTIMATES)).content.decode()


def open_builder(client: Any) -> bool:
    return bool(client.get(reverse("admin:estimator_estimate_builder")).status_code == 200)


def save_estimate(client: Any) -> bool:
    client.post(reverse("admin:estimator_estimate_builder"), form_data(_save="Save"))
    return Estimate.objects.exists()


def issue(client: Any) -> bool:
    draft = priced_estimate()
    _act(client, ESTIMATES, "issue_selected", draft)
    return Estimate.objects.get(pk=draft.pk).status == "issued"


def void(client: Any) -> bool:
    issued = estimate_issue(estimate=priced_estimate(), by="test")
    _act(client, ESTIMATES, "void_selected", issued)
    return Estimate.objects.get(pk=issued.pk).status == "void"


def correct_by_action(client: Any) -> bool:
    issued = estimate_issue(estimate=priced_estimate(), by="test")
    _act(client, ESTIMATES, "supersede_selected", issued)
    return Estimate.objects.get(pk=issued.pk).status == "superseded"


def correct_by_button(client: Any) -> bool:
    issued = estimate_issue(estimate=priced_estimate(), by="test")
    client.post(reverse("admin:estimator_estimate_correct", args=[issued.pk]))
    return Estimate.objects.get(pk=issued.pk).status == "superseded"


def delete_draft(client: Any) -> bool:
    draft = priced_estimate()
    _act(client, ESTIMATES, "delete_selected", draft)
    return not Estimate.objects.filter(pk=draft.pk).exists()


def mark_gfe_request_sent(client: Any) -> bool:
    request = gfe_request()
    _act(client, "admin:estimator_goodfaithestimaterequest_changelist", "mark_sent", request)
    return GoodFaithEstimateRequest.objects.get(pk=request.pk).status == "sent"


def price_from_gfe_request(client: Any) -> bool:
    request = gfe_request()
    page = client.get(reverse("admin:estimator_goodfaithestimaterequest_change", args=[request.pk]))
    linked = "Price an estimate for this request" in page.content.decode()
    url = reverse("admin:estimator_estimate_builder") + f"?gfe_request={request.pk}"
    opened = client.get(url).status_code == 200
    assert linked == opened
    return opened


def download_gfe_pdf(client: Any) -> bool:
    issued = estimate_issue(estimate=priced_estimate(), by="test")
    url = reverse("admin:estimator_estimate_good_faith_estimate", args=[issued.pk])
    return bool(client.get(url)["Content-Type"] == "application/pdf")


def end_price(client: Any) -> bool:
    price = ServicePrice.objects.filter(effective_to__isnull=True).select_related("clinic").first()
    assert price is not None
    client.post(
        reverse("admin:estimator_serviceprice_change", args=[price.pk]),
        {
            "clinic": price.clinic.pk,
            "service": price.service.pk,
            "duration_minutes": price.duration_minutes,
            "amount_0": str(price.amount.amount),
            "amount_1": str(price.amount.currency),
            "effective_from": price.effective_from.isoformat(),
            "effective_to": "2099-12-31",
        },
    )
    return ServicePrice.objects.get(pk=price.pk).effective_to == dt.date(2099, 12, 31)


def add_payer(client: Any) -> bool:
    client.post(reverse("admin:estimator_payer_add"), {"name": "New Payer", "kind": "commercial"})
    return Payer.objects.filter(name="New Payer").exists()


def see_api_keys(client: Any) -> bool:
    return bool(client.get(reverse("admin:estimator_integrationkey_changelist")).status_code == 200)


def store_estimate_by_api(client: Any) -> bool:
    clinic = Clinic.objects.get(slug="cascade")
    body = {
        "clinic": "cascade",
        "items": [{"service": "dry-needling-1-2", "duration_minutes": 30, "sessions": 2}],
        "sessions_per_week": 1,
        "start_date": (clinic.today() + dt.timedelta(days=7)).isoformat(),
        "coverage": {"mode": "self_pay"},
    }
    response = client.post("/api/v1/estimates", body, content_type="application/json")
    return bool(response.status_code == 201)


def read_estimates_by_api(client: Any) -> bool:
    return bool(client.get("/api/v1/estimates").status_code == 200)


def bulk_change_prices(client: Any) -> bool:
    price = ServicePrice.objects.filter(effective_to__isnull=True).select_related("clinic")[0]
    start = price.clinic.today() + dt.timedelta(days=7)
    client.post(
        reverse("admin:estimator_serviceprice_changelist"),
        {
            "action": "change_prices",
            "_selected_action": [price.pk],
            "how": "percent",
            "by": "10",
            "effective_from": start.isoformat(),
            "_confirm": "Confirm",
        },
    )
    return ServicePrice.objects.filter(service=price.service, effective_from=start).exists()


def import_price_list(client: Any) -> bool:
    return bool(client.get(reverse("admin:estimator_serviceprice_import")).status_code == 200)


def run_report(client: Any) -> bool:
    response = client.get(reverse("admin:estimator_estimate_report"), {"format": "csv"})
    return bool(response.status_code == 200)


def duplicate_plan(client: Any) -> bool:
    plan = InsurancePlan.objects.first()
    assert plan is not None
    client.post(
        reverse("admin:estimator_insuranceplan_changelist"),
        {"action": "duplicate", "_selected_action": [plan.pk]},
    )
    return InsurancePlan.objects.filter(name=f"Copy of {plan.name}").exists()


def see_locked_out_logins(client: Any) -> bool:
    return bool(client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200)


def revoke_patient_link(client: Any) -> bool:
    issued = estimate_issue(estimate=priced_estimate(), by="test")
    link, _token = patient_link_create(estimate=issued)
    _act(client, "admin:estimator_patientlink_changelist", "revoke_selected", link)
    link.refresh_from_db()
    return link.revoked_at is not None


def renew_estimates(client: Any) -> bool:
    issued = estimate_issue(estimate=priced_estimate(), by="test")
    row = EstimateRepricing.objects.create(
        estimate=issued, clinic=issued.clinic, computed_at=timezone.now(), cause="test"
    )
    response = client.post(
        reverse("admin:estimator_estimaterepricing_changelist"),
        {"action": "renew_selected", "_selected_action": [row.pk]},
        follow=True,
    )
    # The job runs when the request's transaction commits (never, in this test): the
    # message says it was enqueued.
    return "Renewing 1 estimate(s)" in response.content.decode()


def register_webhook_endpoint(client: Any) -> bool:
    client.post(
        reverse("admin:estimator_webhookendpoint_add"),
        {
            "clinic": Clinic.objects.get(slug="cascade").pk,
            "url": "https://hooks.example.com/in",
            "events": ["estimate.issued"],
        },
    )
    return WebhookEndpoint.objects.exists()


def send_webhook_test_event(client: Any) -> bool:
    endpoint, _ = webhook_endpoint_create(
        clinic=Clinic.objects.get(slug="cascade"),
        url="https://hooks.example.com/in",
        events=["estimate.issued"],
    )
    with mock.patch("estimator.tasks.webhook_deliver.delay"):
        _act(client, "admin:estimator_webhookendpoint_changelist", "send_test_event", endpoint)
    return WebhookDelivery.objects.filter(event_type="webhook.test").exists()


def see_webhook_deliveries(client: Any) -> bool:
    url = reverse("admin:estimator_webhookdelivery_changelist")
    return bool(client.get(url).status_code == 200)


# role -> may it? (front desk, billing manager, view only)
TABLE: list[tuple[Callable[[Any], bool], tuple[bool, bool, bool]]] = [
    (see_price_link, (True, True, False)),
    (open_builder, (True, True, False)),
    (save_estimate, (True, True, False)),
    (issue, (True, True, False)),
    (void, (False, True, False)),
    (correct_by_action, (False, True, False)),
    (correct_by_button, (False, True, False)),
    (delete_draft, (False, True, False)),
    (mark_gfe_request_sent, (True, True, False)),
    (price_from_gfe_request, (True, True, False)),
    (download_gfe_pdf, (True, True, True)),
    (end_price, (False, True, False)),
    (add_payer, (False, True, False)),
    (see_api_keys, (False, True, True)),
    (store_estimate_by_api, (True, True, False)),
    (read_estimates_by_api, (True, True, True)),  # view only: it was given view_integrationkey
    (bulk_change_prices, (False, True, False)),
    (import_price_list, (False, True, False)),
    (run_report, (True, True, True)),
    (duplicate_plan, (False, True, False)),
    (see_locked_out_logins, (False, True, False)),
    (revoke_patient_link, (True, True, False)),
    (renew_estimates, (False, True, False)),
    # Webhooks are the integration's plumbing, like API keys: not the front desk's.
    (register_webhook_endpoint, (False, True, False)),
    (send_webhook_test_event, (False, True, False)),
    (see_webhook_deliveries, (False, True, True)),
]
ROLE_NAMES = ["front desk", "billing manager", "view only"]
CASES = [
    pytest.param(action, role, allowed[i], id=f"{action.__name__}-{role.replace(' ', '_')}")
    for action, allowed in TABLE
    for i, role in enumerate(ROLE_NAMES)
]


def login_as(client: Any, django_user_model: Any, role: str) -> Any:
    roles_ensure()
    user = django_user_model.objects.create_user(
        role.replace(" ", ""), password="pw", is_staff=True
    )
    if role == "view only":
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="estimator", codename__startswith="view_"
            )
        )
    else:
        user.groups.add(
            Group.objects.get(name={"front desk": FRONT_DESK}.get(role, BILLING_MANAGER))
        )
    client.force_login(user)
    return client


@pytest.mark.parametrize(("action", "role", "allowed"), CASES)
def test_role_may_do_exactly_what_its_table_says(
    client: Any,
    django_user_model: Any,
    starter_catalog: Any,
    action: Callable[[Any], bool],
    role: str,
    allowed: bool,
) -> None:
    assert action(login_as(client, django_user_model, role)) is allowed


def test_a_view_only_user_gets_a_403_page_before_any_form(
    client: Any, django_user_model: Any, starter_catalog: Any
) -> None:
    response = login_as(client, django_user_model, "view only").get(
        reverse("admin:estimator_estimate_builder")
    )
    assert response.status_code == 403
    assert "plan-clinic" not in response.content.decode()


def test_ensure_roles_restores_each_groups_permissions(db: Any) -> None:
    # The migration made the groups; a flush by an earlier transactional test may not have.
    group, _ = Group.objects.get_or_create(name=FRONT_DESK)
    group.permissions.add(Permission.objects.get(codename="void_estimate"))
    Group.objects.filter(name=BILLING_MANAGER).delete()
    out = io.StringIO()
    call_command("ensure_roles", stdout=out)
    assert "Group 'Billing manager'" in out.getvalue()
    for name, codenames in ROLES.items():
        held = {
            permission_name(label, codename)
            for label, codename in Group.objects.get(name=name).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == codenames
    assert "void_estimate" not in ROLES[FRONT_DESK]
