"""Staff price a plan in admin, see the breakdown, save a draft, then issue or void it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from djmoney.money import Money

from estimator.models import AddOn, Clinic, Estimate, InsurancePlan, ServiceType

pytestmark = pytest.mark.django_db

URL = "admin:estimator_estimate_builder"


def form_data(**overrides: Any) -> dict[str, Any]:
    clinic = Clinic.objects.get(slug="cascade")
    data: dict[str, Any] = {
        "plan-clinic": clinic.pk,
        "plan-coverage_mode": "self_pay",
        "plan-plan": "",
        "plan-start_date": (clinic.today() + dt.timedelta(days=7)).isoformat(),
        "plan-sessions_per_week": "1",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "10",
        "items-0-service": ServiceType.objects.get(code="dry-needling-3-plus").pk,
        "items-0-duration_minutes": "45",
        "items-0-sessions": "4",
        "items-0-add_ons": [AddOn.objects.get(code="estim-unattended").pk],
        "patient-name": "Pat Example",
        "patient-date_of_birth": "1980-05-17",
        "patient-diagnosis_codes": "m54.50, M79.18",
        "_preview": "Preview",
    }
    data.update(overrides)
    return data


def test_builder_is_linked_from_the_estimate_list(staff_client: Any, starter_catalog: Any) -> None:
    response = staff_client.get(reverse("admin:estimator_estimate_changelist"))
    assert reverse(URL) in response.content.decode()


def test_builder_renders_empty(staff_client: Any, starter_catalog: Any) -> None:
    response = staff_client.get(reverse(URL))
    assert response.status_code == 200
    assert "Price a new estimate" in response.content.decode()


def test_preview_shows_the_breakdown_without_saving(
    staff_client: Any, starter_catalog: Any
) -> None:
    response = staff_client.post(reverse(URL), form_data())
    content = response.content.decode()
    assert response.status_code == 200
    # 4 × ($120.00 + $20.00) less the 10 % self-pay discount = $504.00.
    assert "$504.00" in content
    assert "Save draft estimate" in content
    assert Estimate.objects.count() == 0


def test_save_creates_a_draft_with_patient_and_codes(
    staff_client: Any, starter_catalog: Any, staff_user: Any
) -> None:
    response = staff_client.post(reverse(URL), form_data(_save="Save"))
    estimate = Estimate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:estimator_estimate_change", args=[estimate.pk])
    assert estimate.status == "draft" and estimate.source == "admin"
    assert estimate.created_by == staff_user
    assert estimate.patient_total == Money("504.00", "USD")
    assert estimate.diagnosis_codes == ["M54.50", "M79.18"]
    change = staff_client.get(response["Location"]).content.decode()
    assert "Line by line" in change and "$504.00" in change


def test_problems_show_beside_the_right_row(staff_client: Any, starter_catalog: Any) -> None:
    data = form_data(**{"items-0-duration_minutes": "50"})
    response = staff_client.post(reverse(URL), data)
    content = response.content.decode()
    assert "not offered for 50 minutes" in content or "50 minutes" in content
    assert Estimate.objects.count() == 0


def test_insured_without_plan_asks_for_one(staff_client: Any, starter_catalog: Any) -> None:
    response = staff_client.post(reverse(URL), form_data(**{"plan-coverage_mode": "insured"}))
    assert "Choose a plan." in response.content.decode()


def test_insured_quote_with_standing(staff_client: Any, starter_catalog: Any) -> None:
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    data = form_data(
        **{
            "plan-coverage_mode": "insured",
            "plan-plan": plan.pk,
            "plan-deductible_met": "500.00",
        }
    )
    response = staff_client.post(reverse(URL), data)
    assert response.status_code == 200
    assert "Plan pays" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("patient-diagnosis_codes", "back pain"),
        ("patient-date_of_birth", "2999-01-01"),
        ("plan-sessions_per_week", "9"),
        ("items-0-sessions", "0"),
        ("plan-deductible_met", "-5"),
        ("plan-start_date", "not a date"),
    ],
)
def test_bad_input_is_an_error_beside_the_field_not_a_500(
    staff_client: Any, starter_catalog: Any, field: str, value: str
) -> None:
    response = staff_client.post(reverse(URL), form_data(**{field: value}))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Estimate.objects.count() == 0


def test_issue_and_void_actions(staff_client: Any, starter_catalog: Any) -> None:
    staff_client.post(reverse(URL), form_data(_save="Save"))
    estimate = Estimate.objects.get()
    changelist = reverse("admin:estimator_estimate_changelist")
    staff_client.post(changelist, {"action": "issue_selected", "_selected_action": [estimate.pk]})
    estimate.refresh_from_db()
    assert estimate.status == "issued"
    staff_client.post(changelist, {"action": "void_selected", "_selected_action": [estimate.pk]})
    estimate.refresh_from_db()
    assert estimate.status == "void"


def test_builder_needs_staff(client: Any, starter_catalog: Any) -> None:
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
