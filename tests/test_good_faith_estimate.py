"""The formal Good Faith Estimate (45 CFR 149.610) of a stored estimate, downloaded in admin."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from estimator import pricing
from estimator.documents.gfe import GoodFaithEstimateRefused, gfe_build, gfe_problems
from estimator.formatting import date_text, money_text
from estimator.models import (
    Clinic,
    CoverageMode,
    Estimate,
    InsurancePlan,
    ServicePrice,
)
from estimator.quotes import QuoteInput
from estimator.services import PatientDetails, estimate_create, estimate_issue, estimate_void
from tests.support.pdf import pdf_read

pytestmark = pytest.mark.django_db

PATIENT = PatientDetails(
    name="Pat Example",
    date_of_birth=dt.date(1980, 5, 17),
    diagnosis_codes=("M54.50", "M79.18"),
)


def pdf_text(data: bytes) -> str:
    """Every page's text as pypdf extracts it, with line breaks as spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def make_estimate(
    *,
    slug: str = "cascade",
    mode: str = CoverageMode.SELF_PAY,
    plan: InsurancePlan | None = None,
    patient: PatientDetails = PATIENT,
    items: tuple[pricing.PlanItem, ...] | None = None,
    per_week: int = 2,
) -> Estimate:
    """An assessment then four 45-minute dry-needling sessions with e-stim, stored."""
    clinic = Clinic.objects.get(slug=slug)
    return estimate_create(
        quote_input=QuoteInput(
            clinic=clinic,
            items=items
            or (
                pricing.PlanItem("initial-assessment", 45, 1),
                pricing.PlanItem("dry-needling-3-plus", 45, 4, ("estim-unattended",)),
            ),
            sessions_per_week=per_week,
            start_date=clinic.today() + dt.timedelta(days=7),
            coverage_mode=mode,
            plan=plan,
        ),
        patient=patient,
    )


def gfe_url(estimate: Estimate) -> str:
    return reverse("admin:estimator_estimate_good_faith_estimate", args=[estimate.pk])


def change_url(estimate: Estimate) -> str:
    return reverse("admin:estimator_estimate_change", args=[estimate.pk])


@pytest.fixture
def estimate(starter_catalog: Any) -> Estimate:
    return make_estimate()


def download(client: Any, estimate: Estimate) -> str:
    response = client.get(gfe_url(estimate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="good-faith-estimate-{estimate.reference}.pdf"'
    )
    return pdf_text(response.content)


def test_pdf_has_every_element_45_cfr_149_610_requires(staff_client: Any, estimate: Any) -> None:
    estimate_issue(estimate=estimate, by="staff")
    estimate.refresh_from_db()
    text = download(staff_client, estimate)
    clinic = estimate.clinic
    issued = timezone.localtime(estimate.issued_at, zoneinfo.ZoneInfo(clinic.time_zone))
    expected = [
        "Good Faith Estimate",
        estimate.reference,
        # Patient.
        "Pat Example",
        "May 17, 1980",
        # Primary service, plain language, with its date range, frequency and number of visits.
        "Dry needling, 3 or more muscles (45 min) with Electrical stimulation (unattended)",
        "Fine, solid needles placed into trigger points in three or more muscles",
        "Recurring care from",
        "2 sessions a week",
        "Total sessions 5",
        "Also planned Initial assessment (45 min), 1 session",
        # Itemised: service codes, diagnosis codes.
        "20561",
        "97014",
        "97161",
        "M54.50, M79.18",
        # Provider and facility.
        clinic.name,
        "NPI 1548720634",
        "TIN 93-1234567",
        "State OR",
        "2145 NE Broadway St, Suite 200, Portland, OR 97232",
        # Separate scheduling and the disclaimers.
        "Services that need separate scheduling None known",
        "would be estimated separately",
        "the actual items, services or charges may differ",
        "at least $400 more than this Good Faith Estimate",
        "per provider or facility",
        "within 120 calendar days",
        "$25 fee",
        "www.cms.gov/nosurprises",
        "1-800-985-3059",
        "does not affect the quality of the care you receive",
        "is not a contract and does not require you to receive",
        "Keep a copy of this Good Faith Estimate",
        # The clinic's own contact text, and the day it was issued where the clinic is.
        "Call the front desk at 503-555-0134",
        f"Date issued {issued:%b} {issued.day}, {issued.year}",
    ]
    missing = [snippet for snippet in expected if snippet not in text]
    assert not missing, text
    assert "DRAFT" not in text


def test_figures_are_the_stored_result_data(staff_client: Any, estimate: Any) -> None:
    text = download(staff_client, estimate)
    result = estimate.result_data
    totals = result["scenarios"]["primary"]["totals"]
    for name in ("charge", "discount", "patient_pays"):
        assert money_text(totals[name]["amount"], "USD") in text
    document = gfe_build(estimate=estimate)
    assert document.total_expected_amount == Decimal(totals["patient_pays"]["amount"])
    assert sum(run.expected for run in document.runs) == document.total_expected_amount
    # Each session's line figures are printed: the four identical sessions are one row.
    for session in result["scenarios"]["primary"]["sessions"]:
        for line in session["lines"]:
            assert money_text(line["patient_pays"]["amount"], "USD") in text
    assert [run.count for run in document.runs] == [1, 4]
    assert "Sessions 2–5 (4 sessions)" in text


def test_figures_come_from_the_frozen_record_not_todays_prices(
    staff_client: Any, estimate: Any
) -> None:
    before = download(staff_client, estimate)
    ServicePrice.objects.filter(service__code="dry-needling-3-plus").update(amount=999)
    after = download(staff_client, estimate)
    assert "$999.00" not in after
    total = estimate.result_data["scenarios"]["primary"]["totals"]["patient_pays"]["amount"]
    assert money_text(total, "USD") in before and money_text(total, "USD") in after


def test_draft_is_marked_and_dated_today(staff_client: Any, estimate: Any) -> None:
    text = download(staff_client, estimate)
    assert "DRAFT — not yet issued" in text
    today = estimate.clinic.today()
    assert f"{today:%b} {today.day}, {today.year}" in text


def test_a_package_is_named_and_included(staff_client: Any, starter_catalog: Any) -> None:
    estimate = make_estimate(
        items=(pricing.PlanItem("dry-needling-3-plus", 30, 6, ()),), per_week=1
    )
    packages = estimate.result_data["scenarios"]["primary"]["packages"]
    assert packages
    text = download(staff_client, estimate)
    assert "Prepaid package: " + packages[0]["name"] in text
    total = estimate.result_data["scenarios"]["primary"]["totals"]["patient_pays"]["amount"]
    assert money_text(total, "USD") in text
    assert "Scheduled" in text and "1 session a week" in text


def test_a_single_visit_has_its_date_and_no_frequency(
    staff_client: Any, starter_catalog: Any
) -> None:
    estimate = make_estimate(items=(pricing.PlanItem("initial-assessment", 45, 1),))
    text = download(staff_client, estimate)
    day = estimate.start_date
    assert f"Scheduled for {day:%b} {day.day}, {day.year}." in text
    assert "Frequency" not in text


def refused(client: Any, estimate: Estimate) -> str:
    """The change page's messages after asking for the PDF; fails if a PDF came back."""
    response = client.get(gfe_url(estimate), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(change_url(estimate), 302)]
    assert response["Content-Type"].startswith("text/html")
    return " ".join(str(m) for m in response.context["messages"])


def test_void_estimate_is_refused(staff_client: Any, estimate: Any) -> None:
    estimate_void(estimate=estimate, by="staff", reason="Patient moved")
    assert "is void" in refused(staff_client, estimate)


def test_medicare_patient_gets_an_abn_not_a_gfe(staff_client: Any, starter_catalog: Any) -> None:
    plan = InsurancePlan.objects.get(name="Part B")
    estimate = make_estimate(mode=CoverageMode.INSURED, plan=plan)
    message = refused(staff_client, estimate)
    assert "Medicare and Medicaid patients do not get a Good Faith Estimate" in message
    assert "ABN, form CMS-R-131" in message


def test_medicaid_plan_is_refused_the_same_way(staff_client: Any, starter_catalog: Any) -> None:
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    plan.payer.kind = "medicaid"
    plan.payer.save()
    estimate = make_estimate(mode=CoverageMode.INSURED, plan=plan)
    assert "Advance Beneficiary Notice" in refused(staff_client, estimate)


@pytest.mark.parametrize("mode", [CoverageMode.INSURED, CoverageMode.UNKNOWN])
def test_insured_estimate_asks_for_self_pay(
    staff_client: Any, starter_catalog: Any, mode: str
) -> None:
    plan = InsurancePlan.objects.get(name="Preferred PPO")
    estimate = make_estimate(mode=mode, plan=plan)
    message = refused(staff_client, estimate)
    assert "uninsured or self-pay patients" in message
    assert "must choose self-pay" in message


@pytest.mark.parametrize(
    ("patient", "missing"),
    [
        (PatientDetails(date_of_birth=dt.date(1980, 5, 17)), "patient's name"),
        (PatientDetails(name="Pat Example"), "patient's date of birth"),
    ],
)
def test_missing_patient_details_are_named(
    staff_client: Any, starter_catalog: Any, patient: PatientDetails, missing: str
) -> None:
    estimate = make_estimate(patient=patient)
    assert f"Add the {missing}" in refused(staff_client, estimate)


@pytest.mark.parametrize("field", ["npi", "tin"])
def test_us_clinic_without_npi_or_tin_says_which(
    staff_client: Any, estimate: Any, field: str
) -> None:
    Clinic.objects.filter(pk=estimate.clinic_id).update(**{field: ""})
    estimate.refresh_from_db()
    message = refused(staff_client, estimate)
    assert f"has no {field.upper()}" in message
    other = "tin" if field == "npi" else "npi"
    assert f"has no {other.upper()}" not in message


def test_canadian_clinic_is_refused_with_the_reason(
    staff_client: Any, starter_catalog: Any
) -> None:
    estimate = make_estimate(slug="harbour", items=(pricing.PlanItem("ims", 30, 4, ()),))
    message = refused(staff_client, estimate)
    assert "No Surprises Act" in message and "does not apply" in message


def test_more_than_twelve_months_of_care_is_refused(starter_catalog: Any) -> None:
    estimate = make_estimate(
        items=(pricing.PlanItem("dry-needling-3-plus", 45, 60, ()),), per_week=1
    )
    assert any("at most 12 months" in p for p in gfe_problems(estimate=estimate))
    with pytest.raises(GoodFaithEstimateRefused):
        gfe_build(estimate=estimate)


def test_change_page_links_to_the_download(staff_client: Any, estimate: Any) -> None:
    page = staff_client.get(change_url(estimate)).content.decode()
    assert gfe_url(estimate) in page
    assert "Download Good Faith Estimate (PDF)" in page


def test_admin_action_downloads_the_one_selected(staff_client: Any, estimate: Any) -> None:
    changelist = reverse("admin:estimator_estimate_changelist")
    response = staff_client.post(
        changelist, {"action": "good_faith_estimate", "_selected_action": [estimate.pk]}
    )
    assert response.status_code == 302 and response["Location"] == gfe_url(estimate)


def test_admin_action_needs_exactly_one(staff_client: Any, estimate: Any) -> None:
    other = make_estimate()
    changelist = reverse("admin:estimator_estimate_changelist")
    response = staff_client.post(
        changelist,
        {"action": "good_faith_estimate", "_selected_action": [estimate.pk, other.pk]},
        follow=True,
    )
    assert "Select one estimate" in response.content.decode()


def test_download_needs_staff(client: Any, estimate: Any) -> None:
    response = client.get(gfe_url(estimate))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_unknown_estimate_is_not_found(staff_client: Any, starter_catalog: Any) -> None:
    url = reverse("admin:estimator_estimate_good_faith_estimate", args=[987654])
    assert staff_client.get(url).status_code in (302, 404)


def test_pdf_is_titled_in_english_with_its_reference_and_valid_until_its_last_session(
    staff_client: Any, estimate: Any
) -> None:
    estimate_issue(estimate=estimate, by="staff")
    pdf = pdf_read(staff_client.get(gfe_url(estimate)).content)
    assert pdf.title == f"Good Faith Estimate {estimate.reference} – {estimate.clinic.name}"
    assert (pdf.lang, pdf.author, pdf.shows_title) == ("en-US", estimate.clinic.name, True)
    assert f"Reference {estimate.reference}" in pdf.text
    assert f"Valid until {date_text(estimate.end_date)}" in pdf.text


def test_staff_download_the_itemised_estimate_of_any_estimate_named_by_its_reference(
    staff_client: Any, starter_catalog: Any
) -> None:
    # An insured estimate: no Good Faith Estimate, but its itemised estimate prints.
    plan = InsurancePlan.objects.get(clinic__slug="cascade", name="Preferred PPO")
    estimate = make_estimate(mode=CoverageMode.INSURED, plan=plan)
    page = staff_client.get(reverse("admin:estimator_estimate_change", args=[estimate.pk]))
    url = reverse("admin:estimator_estimate_pdf", args=[estimate.pk])
    assert url in page.content.decode()
    response = staff_client.get(url)
    assert response["Content-Disposition"] == (
        f'attachment; filename="estimate-{estimate.reference}.pdf"'
    )
    pdf = pdf_read(response.content)
    assert pdf.title.startswith(f"Cost estimate {estimate.reference}")
    assert money_text(estimate.patient_total) in pdf.text
