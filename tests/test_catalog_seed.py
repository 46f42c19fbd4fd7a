"""The starter catalog loads, loads again without duplicates, and keeps admin's edits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from djmoney.money import Money

from estimator.catalog_seed import catalog_load_starter
from estimator.models import (
    AddOn,
    BodyArea,
    Clinic,
    CodeSetLimit,
    CoverageRule,
    InsurancePlan,
    Package,
    ServicePrice,
    ServiceType,
)

pytestmark = pytest.mark.django_db


def test_starter_catalog_has_what_a_clinic_needs() -> None:
    catalog_load_starter()
    assert set(Clinic.objects.values_list("currency", flat=True)) == {"USD", "CAD"}
    assert ServiceType.objects.filter(billing_code="20560").exists()
    assert ServiceType.objects.filter(billing_code="20561").count() >= 2
    usd = Clinic.objects.get(currency="USD")
    assert usd.self_pay_discount_percent > 0
    assert Package.objects.filter(clinic=usd, sessions=6).exists()
    kinds = set(InsurancePlan.objects.values_list("payer__kind", flat=True))
    assert {"commercial", "medicare", "ca_extended_health"} <= kinds
    medicare = InsurancePlan.objects.get(payer__kind="medicare")
    assert medicare.unit_rule == "eight_minute"
    assert medicare.rules.get(service__code="dry-needling-1-2").status == "not_covered"
    assert medicare.rules.get(service__code="acupuncture").status == "covered"
    canadian = InsurancePlan.objects.get(payer__kind="ca_extended_health")
    assert canadian.currency == "CAD" and canadian.per_visit_max.amount > 0
    assert canadian.annual_max.amount > 0


# Every patient-facing text of the starter catalog, by model.
TRANSLATED = {
    ServiceType: ("name", "description", "what_to_expect"),
    AddOn: ("name", "description"),
    BodyArea: ("name",),
    Package: ("name",),
    Clinic: ("good_faith_estimate_contact",),
    CodeSetLimit: ("name",),
    CoverageRule: ("note",),
}


def test_every_patient_facing_text_is_loaded_in_spanish_and_french() -> None:
    catalog_load_starter()
    missing = [
        f"{model.__name__} {row.pk} {field}_{language}"
        for model, fields in TRANSLATED.items()
        for row in model._default_manager.all()
        for field in fields
        for language in ("es", "fr")
        if getattr(row, field) and not getattr(row, f"{field}_{language}")
    ]
    assert not missing
    needling = ServiceType.objects.get(code="dry-needling-1-2")
    assert needling.name_es == "Punción seca, 1 o 2 músculos"
    assert needling.name_fr == "Puncture sèche, 1 ou 2 muscles"
    assert BodyArea.objects.get(code="low-back").name_es == "Parte baja de la espalda"
    assert CodeSetLimit.objects.get(key="acupuncture").name_es == "acupuntura"


def test_starter_catalog_loads_twice_without_duplicates() -> None:
    first = catalog_load_starter()
    counts = (ServicePrice.objects.count(), CoverageRule.objects.count(), Clinic.objects.count())
    second = catalog_load_starter()
    assert second["created"] == {}
    assert sum(second["kept"].values()) == sum(first["created"].values())
    assert counts == (
        ServicePrice.objects.count(),
        CoverageRule.objects.count(),
        Clinic.objects.count(),
    )


def test_loading_again_keeps_what_admin_changed() -> None:
    catalog_load_starter()
    clinic = Clinic.objects.get(slug="cascade")
    clinic.self_pay_discount_percent = Decimal("15.00")
    clinic.save()
    package = Package.objects.get(code="dn-6x30")
    package.price = Money("399.00", "USD")
    package.save()
    catalog_load_starter()
    assert Clinic.objects.get(slug="cascade").self_pay_discount_percent == Decimal("15.00")
    assert Package.objects.get(code="dn-6x30").price == Money("399.00", "USD")


def test_management_command_reports_counts(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_starter_catalog")
    call_command("load_starter_catalog")
    out = capsys.readouterr().out
    assert "0 rows created" in out


def test_every_starter_row_passes_validation() -> None:
    catalog_load_starter()
    for model in (ServicePrice, CoverageRule, InsurancePlan, Package, Clinic, ServiceType):
        for obj in model.objects.all():
            obj.full_clean()


def test_suggestions_keep_the_starter_catalogs_ranking() -> None:
    catalog_load_starter()
    from estimator.models import BodyArea

    neck = BodyArea.objects.get(code="neck")
    ranked = [s.service.code for s in neck.suggestions.order_by("rank")]
    assert ranked == ["dry-needling-3-plus", "ims", "dry-needling-1-2"]
