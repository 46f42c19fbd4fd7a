"""Staff price a plan in admin, see the breakdown, save a draft, then issue or void it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from estimator import pricing
from estimator.models import (
    AddOn,
    Clinic,
    Estimate,
    GoodFaithEstimateRequest,
    InsurancePlan,
    ServiceType,
)
from estimator.quotes import QuoteInput, quote_build
from estimator.services import (
    PatientDetails,
    estimate_create,
    gfe_request_create,
    gfe_request_link_estimate,
)

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


def gfe_request(
    mode: str = "self_pay", plan: InsurancePlan | None = None, days: int = 10
) -> GoodFaithEstimateRequest:
    """A quote-page request: 4 sessions of 3+ muscles with e-stim, twice a week."""
    clinic = Clinic.objects.get(slug="cascade")
    quote = quote_build(
        quote=QuoteInput(
            clinic=clinic,
            items=(pricing.PlanItem("dry-needling-3-plus", 45, 4, ("estim-unattended",)),),
            sessions_per_week=2,
            start_date=clinic.today() + dt.timedelta(days=days),
            coverage_mode=mode,
            plan=plan,
            standing=pricing.Standing(deductible_met=Decimal("120.00" if plan else "0")),
        )
    )
    patient = PatientDetails(
        name="Rosa Díaz",
        date_of_birth=dt.date(1975, 3, 9),
        email="rosa@example.com",
        phone="503-555-0199",
    )
    if mode == "self_pay":
        return gfe_request_create(quote=quote, patient=patient, consent=True)
    # An insured patient's request, as the quote page took them before it offered a Good Faith
    # Estimate only to self-pay patients (estimator.notices): such records still exist.
    return GoodFaithEstimateRequest.objects.create(
        clinic=clinic,
        patient_name=patient.name,
        patient_date_of_birth=patient.date_of_birth,
        patient_email=patient.email,
        patient_phone=patient.phone,
        consent=True,
        consented_at=timezone.now(),
        request_data=quote.request_data(),
        result_data=quote.result_data(),
        patient_total=Money(quote.estimate.primary.totals.patient_pays, "USD"),
    )


def test_request_page_links_to_a_prefilled_builder(staff_client: Any, starter_catalog: Any) -> None:
    request = gfe_request()
    page = staff_client.get(
        reverse("admin:estimator_goodfaithestimaterequest_change", args=[request.pk])
    ).content.decode()
    assert "Price an estimate for this request" in page
    assert f"{reverse(URL)}?gfe_request={request.pk}" in page


def test_builder_from_a_request_starts_with_its_inputs_and_patient(
    staff_client: Any, starter_catalog: Any
) -> None:
    request = gfe_request()
    response = staff_client.get(reverse(URL), {"gfe_request": request.pk})
    assert response.status_code == 200
    data = request.request_data
    plan = response.context["plan_form"].initial
    assert plan["clinic"] == request.clinic_id
    assert plan["coverage_mode"] == "self_pay"
    assert plan["sessions_per_week"] == 2
    assert plan["start_date"].isoformat() == data["start_date"]
    assert "deductible_met" not in plan  # self-pay: the standing is all zero
    rows = response.context["formset"].initial
    assert rows == [
        {
            "service": ServiceType.objects.get(code="dry-needling-3-plus").pk,
            "duration_minutes": 45,
            "sessions": 4,
            "add_ons": [AddOn.objects.get(code="estim-unattended").pk],
        }
    ]
    patient = response.context["patient_form"].initial
    assert patient["name"] == "Rosa Díaz"
    assert patient["date_of_birth"] == dt.date(1975, 3, 9)
    assert patient["email"] == "rosa@example.com" and patient["phone"] == "503-555-0199"
    content = response.content.decode()
    assert f"Price an estimate for request {request.reference}" in content
    assert 'name="gfe_request"' in content and 'value="Rosa Díaz"' in content


def test_builder_from_an_insured_request_keeps_the_plan_and_warns(
    staff_client: Any, starter_catalog: Any
) -> None:
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    request = gfe_request(mode="insured", plan=plan)
    response = staff_client.get(reverse(URL), {"gfe_request": request.pk})
    initial = response.context["plan_form"].initial
    assert initial["coverage_mode"] == "insured" and initial["plan"] == plan.pk
    assert initial["deductible_met"] == Decimal("120.00")
    messages = [str(m) for m in response.context["messages"]]
    assert any("uninsured or self-pay" in m for m in messages)


def request_form_data(request: GoodFaithEstimateRequest, **overrides: Any) -> dict[str, Any]:
    return form_data(
        **{
            "gfe_request": str(request.pk),
            "plan-start_date": request.request_data["start_date"],
            "plan-sessions_per_week": "2",
            "patient-name": request.patient_name,
            "patient-date_of_birth": request.patient_date_of_birth.isoformat(),
            "_save": "Save",
            **overrides,
        }
    )


def test_saving_from_a_request_links_it_and_marks_it_in_progress(
    staff_client: Any, starter_catalog: Any, staff_user: Any
) -> None:
    request = gfe_request()
    history_before = request.history.count()
    response = staff_client.post(reverse(URL), request_form_data(request))
    estimate = Estimate.objects.get()
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.estimate == estimate
    assert request.status == "in_progress"
    assert request.handled_by == staff_user
    assert request.history.count() == history_before + 1
    assert request.history.first().history_change_reason.startswith(
        f"Estimate {estimate.reference}"
    )
    page = staff_client.get(
        reverse("admin:estimator_goodfaithestimaterequest_change", args=[request.pk])
    ).content.decode()
    assert reverse("admin:estimator_estimate_change", args=[estimate.pk]) in page


def test_preview_from_a_request_does_not_link_it(staff_client: Any, starter_catalog: Any) -> None:
    request = gfe_request()
    data = request_form_data(request)
    del data["_save"]
    response = staff_client.post(reverse(URL), data)
    assert response.status_code == 200 and 'name="gfe_request"' in response.content.decode()
    request.refresh_from_db()
    assert request.estimate is None and request.status == "new"


def test_a_request_is_answered_by_its_own_clinic(staff_client: Any, starter_catalog: Any) -> None:
    request = gfe_request()
    harbour = Clinic.objects.get(slug="harbour")
    response = staff_client.post(
        reverse(URL), request_form_data(request, **{"plan-clinic": harbour.pk})
    )
    assert response.status_code == 200
    assert "The patient asked Cascade" in response.content.decode()
    assert Estimate.objects.count() == 0
    request.refresh_from_db()
    assert request.estimate is None


def test_link_service_refuses_another_clinics_estimate(starter_catalog: Any) -> None:
    request = gfe_request()
    harbour = Clinic.objects.get(slug="harbour")
    other = estimate_create(
        quote_input=QuoteInput(
            clinic=harbour,
            items=(pricing.PlanItem("ims", 30, 2, ()),),
            sessions_per_week=1,
            start_date=harbour.today() + dt.timedelta(days=7),
        ),
        patient=PatientDetails(),
    )
    with pytest.raises(ValidationError):
        gfe_request_link_estimate(request=request, estimate=other, by=None)
