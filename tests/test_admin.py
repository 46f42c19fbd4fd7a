"""Every admin page a clinic administrator opens renders, and changelists cost no query per row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from estimator import models
from estimator.patient_links import patient_link_create

from .factories import (
    AddOnFactory,
    AddOnPriceFactory,
    ClinicFactory,
    CoverageRuleFactory,
    InsurancePlanFactory,
    PackageFactory,
    ServicePriceFactory,
    ServiceTypeFactory,
)

pytestmark = pytest.mark.django_db

ESTIMATOR_MODELS = [m for m in admin.site._registry if m._meta.app_label == "estimator"]


def admin_url(model: type[Any], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_admin_covers_the_whole_catalog() -> None:
    expected = {
        models.Clinic,
        models.ServiceType,
        models.AddOn,
        models.ServicePrice,
        models.AddOnPrice,
        models.Package,
        models.BodyArea,
        models.Payer,
        models.InsurancePlan,
        models.CoverageRule,
        models.Estimate,
        models.GoodFaithEstimateRequest,
        models.IntegrationKey,
    }
    assert expected <= set(ESTIMATOR_MODELS)


@pytest.mark.parametrize("model", ESTIMATOR_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_renders_with_starter_catalog(
    staff_client: Any, starter_catalog: Any, model: type[Any]
) -> None:
    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ESTIMATOR_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_search_renders(
    staff_client: Any, starter_catalog: Any, model: type[Any]
) -> None:
    response = staff_client.get(admin_url(model, "changelist"), {"q": "needling"})
    assert response.status_code == 200


@pytest.mark.parametrize("model", ESTIMATOR_MODELS, ids=lambda m: m._meta.model_name)
def test_add_page_renders_where_adding_is_allowed(
    staff_client: Any, starter_catalog: Any, model: type[Any]
) -> None:
    response = staff_client.get(admin_url(model, "add"))
    model_admin = admin.site._registry[model]
    if model_admin.has_add_permission(response.wsgi_request):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.fixture
def records(starter_catalog: Any) -> None:
    """One of each record: estimate, GFE request, bill, API key, email, re-pricing, webhook,
    patient link."""
    clinic = models.Clinic.objects.get(slug="cascade")
    estimate = models.Estimate.objects.create(
        clinic=clinic,
        coverage_mode="self_pay",
        patient_name="Pat Example",
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2027, 1, 5),
        sessions=6,
        total_charge=Money("510.00", "USD"),
        patient_total=Money("429.00", "USD"),
        patient_total_best=Money("429.00", "USD"),
        plan_total=Money("0.00", "USD"),
        request_data={},
        snapshot_data={},
        result_data={},
    )
    models.GoodFaithEstimateRequest.objects.create(
        clinic=clinic,
        patient_name="Pat Example",
        patient_date_of_birth=dt.date(1980, 5, 17),
        patient_email="pat@example.com",
        consent=True,
        consented_at=estimate.created_at,
        request_data={},
        result_data={},
        patient_total=Money("429.00", "USD"),
    )
    models.IntegrationKey.objects.create_key(name="Billing system", scope="read_write")
    bill = models.BilledCharges.objects.create(estimate=estimate, bill_date=dt.date(2026, 12, 2))
    provider = models.BilledProvider.objects.create(
        bill=bill, npi="1548720634", name="Cascade", billed=Money("95.00", "USD")
    )
    models.BilledLine.objects.create(
        provider=provider,
        code="20561",
        service_date=dt.date(2026, 12, 1),
        amount=Money("95", "USD"),
    )
    models.EstimateEmail.objects.create(
        estimate=estimate, recipient="pat@example.com", kind="quote"
    )
    models.EstimateRepricing.objects.create(
        estimate=estimate, clinic=clinic, computed_at=estimate.created_at, cause="price saved"
    )
    endpoint = models.WebhookEndpoint.objects.create(
        clinic=clinic, url="https://hooks.example.com/in", events=["estimate.issued"], secret="x"
    )
    delivery = models.WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="msg_1", event_type="estimate.issued", payload={}
    )
    models.WebhookAttempt.objects.create(
        delivery=delivery, number=1, attempted_at=estimate.created_at, status_code=500
    )
    patient_link_create(estimate=estimate)


@pytest.mark.parametrize("model", ESTIMATOR_MODELS, ids=lambda m: m._meta.model_name)
def test_change_page_renders_for_existing_rows(
    staff_client: Any, records: None, model: type[Any]
) -> None:
    obj = model._default_manager.first()
    assert obj is not None
    response = staff_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    history = staff_client.get(admin_url(model, "history", obj.pk))
    assert history.status_code == 200


def test_service_change_page_shows_prices_inline(staff_client: Any, starter_catalog: Any) -> None:
    service = models.ServiceType.objects.get(code="dry-needling-1-2")
    response = staff_client.get(admin_url(models.ServiceType, "change", service.pk))
    content = response.content.decode()
    assert "85.00" in content and "90.00" in content
    assert "15, 30" in content


def test_plan_change_page_shows_coverage_rules_inline(
    staff_client: Any, starter_catalog: Any
) -> None:
    plan = models.InsurancePlan.objects.get(payer__kind="medicare")
    response = staff_client.get(admin_url(models.InsurancePlan, "change", plan.pk))
    assert response.status_code == 200
    assert "coverage rule" in response.content.decode().lower()


def test_price_changelist_shows_formatted_money(staff_client: Any, starter_catalog: Any) -> None:
    response = staff_client.get(admin_url(models.ServicePrice, "changelist"))
    assert "$85.00" in response.content.decode()


def test_adding_a_service_with_typed_durations(staff_client: Any) -> None:
    response = staff_client.post(
        admin_url(models.ServiceType, "add"),
        {
            "name": "Dry needling, hands",
            "code": "dn-hands",
            "description": "Needling of the small muscles of the hand.",
            "what_to_expect": "",
            "billing_code": "20560",
            "additional_unit_code": "",
            "billing_basis": "session",
            "durations": "30, 15",
            "order": "5",
            "active": "on",
            "prices-TOTAL_FORMS": "0",
            "prices-INITIAL_FORMS": "0",
            "prices-MIN_NUM_FORMS": "0",
            "prices-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert models.ServiceType.objects.get(code="dn-hands").durations == [15, 30]


def test_a_service_is_saved_with_its_spanish_and_french_text(staff_client: Any) -> None:
    response = staff_client.post(
        admin_url(models.ServiceType, "add"),
        {
            "name": "Dry needling, hands",
            "name_es": "Punción seca, manos",
            "name_fr": "Puncture sèche, mains",
            "code": "dn-hands",
            "description": "Needling of the small muscles of the hand.",
            "description_es": "Punción de los músculos pequeños de la mano.",
            "description_fr": "",
            "billing_code": "20560",
            "billing_basis": "session",
            "durations": "30",
            "order": "5",
            "prices-TOTAL_FORMS": "0",
            "prices-INITIAL_FORMS": "0",
            "prices-MIN_NUM_FORMS": "0",
            "prices-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = models.ServiceType.objects.get(code="dn-hands")
    assert (saved.name_es, saved.name_fr) == ("Punción seca, manos", "Puncture sèche, mains")
    assert saved.description_es == "Punción de los músculos pequeños de la mano."
    assert saved.description_fr == ""


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (models.Clinic, ["good_faith_estimate_contact"]),
        (models.ServiceType, ["name", "description", "what_to_expect"]),
        (models.AddOn, ["name", "description"]),
        (models.Package, ["name"]),
        (models.BodyArea, ["name"]),
    ],
    ids=lambda v: getattr(getattr(v, "_meta", None), "model_name", "fields"),
)
def test_change_pages_have_collapsed_spanish_and_french_fieldsets(
    staff_client: Any, starter_catalog: Any, model: type[Any], fields: list[str]
) -> None:
    row = model.objects.first()
    page = staff_client.get(admin_url(model, "change", row.pk)).content.decode()
    assert ">Spanish</h2>" in page
    assert ">French</h2>" in page
    assert "<details" in page  # collapsed until opened
    for field in fields:
        assert f'name="{field}_es"' in page
        assert f'name="{field}_fr"' in page


def test_a_complaint_saves_its_translations(staff_client: Any, starter_catalog: Any) -> None:
    area = models.BodyArea.objects.get(code="neck")
    response = staff_client.post(
        admin_url(models.BodyArea, "change", area.pk),
        {
            "name": area.name,
            "name_es": "Cuello (dolor)",
            "name_fr": "",
            "code": area.code,
            "order": area.order,
            "suggestions-TOTAL_FORMS": "0",
            "suggestions-INITIAL_FORMS": "0",
            "suggestions-MIN_NUM_FORMS": "0",
            "suggestions-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    area.refresh_from_db()
    assert (area.name_es, area.name_fr) == ("Cuello (dolor)", "")


def test_typed_durations_with_words_get_an_error_beside_the_field(staff_client: Any) -> None:
    response = staff_client.post(
        admin_url(models.ServiceType, "add"),
        {
            "name": "X",
            "code": "x",
            "description": "x",
            "billing_code": "20560",
            "billing_basis": "session",
            "durations": "thirty",
            "order": "1",
            "prices-TOTAL_FORMS": "0",
            "prices-INITIAL_FORMS": "0",
            "prices-MIN_NUM_FORMS": "0",
            "prices-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "is not a whole number of minutes" in response.content.decode()


def test_overlapping_price_in_admin_shows_the_clash(staff_client: Any) -> None:
    price = ServicePriceFactory(effective_from=dt.date(2026, 1, 1))
    response = staff_client.post(
        admin_url(models.ServicePrice, "add"),
        {
            "clinic": price.clinic.pk,
            "service": price.service.pk,
            "duration_minutes": "30",
            "amount_0": "95.00",
            "amount_1": "USD",
            "effective_from": "2026-03-01",
            "effective_to": "",
        },
    )
    assert response.status_code == 200
    assert "End that price the day before this one starts" in response.content.decode()
    assert models.ServicePrice.objects.count() == 1


def _make_rows(count: int) -> None:
    clinic = models.Clinic.objects.first() or ClinicFactory()
    for _ in range(count):
        service = ServiceTypeFactory()
        ServicePriceFactory(clinic=clinic, service=service)
        add_on = AddOnFactory()
        add_on.services.add(service)
        AddOnPriceFactory(clinic=clinic, add_on=add_on)
        plan = InsurancePlanFactory(clinic=clinic)
        CoverageRuleFactory(plan=plan, service=service)
        PackageFactory(clinic=clinic, service=service, price=Money("400.00", "USD"))


@pytest.mark.parametrize("model", ESTIMATOR_MODELS, ids=lambda m: m._meta.model_name)
def test_changelist_queries_do_not_grow_with_rows(staff_client: Any, model: type[Any]) -> None:
    _make_rows(2)
    url = admin_url(model, "changelist")
    staff_client.get(url)  # warm session and content types
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    _make_rows(12)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url)
    assert response.status_code == 200
    if len(many) != len(few):
        print("\n".join(q["sql"] for q in many.captured_queries))
    assert len(many) == len(few)
