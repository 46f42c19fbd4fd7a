"""factory_boy factories: the smallest valid rows, overridable per test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from djmoney.money import Money

from estimator import models


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Clinic

    name = factory.Sequence(lambda n: f"Test Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    address_line1 = "1 Main St"
    city = "Portland"
    region = "OR"
    postal_code = "97201"
    country = "US"
    phone = "503-555-0100"
    currency = "USD"
    time_zone = "America/Los_Angeles"


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServiceType

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    description = "Fine needles into trigger points."
    billing_code = "20560"
    billing_basis = "session"
    durations = factory.LazyFunction(lambda: [15, 30])


class AddOnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AddOn

    code = factory.Sequence(lambda n: f"add-on-{n}")
    name = factory.Sequence(lambda n: f"Add-on {n}")
    billing_code = "97014"
    minutes = 15


class ServicePriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServicePrice

    clinic = factory.SubFactory(ClinicFactory)
    service = factory.SubFactory(ServiceTypeFactory)
    duration_minutes = 30
    amount = Money(Decimal("85.00"), "USD")
    effective_from = dt.date(2026, 1, 1)


class AddOnPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AddOnPrice

    clinic = factory.SubFactory(ClinicFactory)
    add_on = factory.SubFactory(AddOnFactory)
    amount = Money(Decimal("20.00"), "USD")
    effective_from = dt.date(2026, 1, 1)


class PayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Payer

    name = factory.Sequence(lambda n: f"Payer {n}")
    kind = "commercial"


class InsurancePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.InsurancePlan

    clinic = factory.SubFactory(ClinicFactory)
    payer = factory.SubFactory(PayerFactory)
    name = factory.Sequence(lambda n: f"Plan {n}")
    currency = "USD"
    deductible = Money(Decimal("500.00"), "USD")
    coinsurance_percent = Decimal("20")
    out_of_pocket_max = Money(Decimal("3000.00"), "USD")


class CoverageRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CoverageRule

    plan = factory.SubFactory(InsurancePlanFactory)
    service = factory.SubFactory(ServiceTypeFactory)
    status = "covered"


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Package

    clinic = factory.SubFactory(ClinicFactory)
    code = factory.Sequence(lambda n: f"package-{n}")
    name = factory.Sequence(lambda n: f"Package {n}")
    service = factory.SubFactory(ServiceTypeFactory)
    sessions = 6
    price = Money(Decimal("429.00"), "USD")
    valid_days = 120


def self_pay_plan(clinic: models.Clinic, *, sessions: int = 2, days: int = 7) -> Any:
    """A self-pay QuoteInput: weekly 30-minute sessions of dry needling (3+ muscles) from
    days after the clinic's today."""
    from estimator import pricing
    from estimator.quotes import QuoteInput

    return QuoteInput(
        clinic=clinic,
        items=(pricing.PlanItem("dry-needling-3-plus", 30, sessions, ()),),
        sessions_per_week=1,
        start_date=clinic.today() + dt.timedelta(days=days),
        coverage_mode="self_pay",
        plan=None,
        standing=pricing.Standing(),
    )


def priced_estimate(*, clinic_slug: str = "cascade", **patient: Any) -> models.Estimate:
    """A draft estimate of the starter catalog priced by the service (see self_pay_plan)."""
    from estimator.services import PatientDetails, estimate_create

    clinic = models.Clinic.objects.get(slug=clinic_slug)
    details = {"name": "Pat Example", "date_of_birth": dt.date(1980, 5, 17), **patient}
    return estimate_create(quote_input=self_pay_plan(clinic), patient=PatientDetails(**details))
