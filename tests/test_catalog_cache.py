"""The catalog cache: every catalog change moves the version, and the next quote prices it.

Two servers seeing one price change is tests/test_scale_out.py (PostgreSQL and Redis); here the
version triggers, what moves them, and the cache's tiers in one process.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from estimator import pricing
from estimator.catalog_cache import (
    MAX_LOCAL,
    ResponseCache,
    _local,
    catalog_cache_clear,
    catalog_days,
    catalog_token,
    clinic_catalog,
    versioned,
)
from estimator.catalog_triggers import CATALOG_TABLES, catalog_triggers_present
from estimator.models import (
    AddOn,
    AddOnPrice,
    CatalogVersion,
    Clinic,
    CoverageRule,
    CoverageStatus,
    InsurancePlan,
    ServicePrice,
)
from estimator.quotes import QuoteInput, quote_build

# Tables whose rows never change what a quote costs or what the catalog lists show.
OUTSIDE_THE_CATALOG = {
    "estimator_catalogversion",
    "estimator_estimate",
    "estimator_estimate_services",
    "estimator_goodfaithestimaterequest",
    "estimator_integrationkey",
    "estimator_idempotencyrecord",
    "estimator_estimateemail",
    "estimator_estimaterepricing",
    "estimator_patientlink",
    "estimator_billedcharges",
    "estimator_billedprovider",
    "estimator_billedline",
    "estimator_webhookendpoint",
    "estimator_webhookdelivery",
    "estimator_webhookattempt",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def cascade(starter_catalog: Any) -> Clinic:
    return Clinic.objects.get(slug="cascade")


def test_every_table_is_either_versioned_or_named_as_outside_the_catalog() -> None:
    tables = {
        model._meta.db_table
        for model in apps.get_app_config("estimator").get_models(include_auto_created=True)
        if not model._meta.db_table.startswith("estimator_historical")
    }
    unclassified = tables - set(CATALOG_TABLES) - OUTSIDE_THE_CATALOG
    assert not unclassified, (
        "Add each new table to CATALOG_TABLES (estimator/catalog_triggers.py) if it changes a "
        f"price, an offer or a plan's terms, else to OUTSIDE_THE_CATALOG here: {unclassified}"
    )


def test_every_catalog_table_has_its_version_trigger_after_migrating() -> None:
    assert catalog_triggers_present() == set(CATALOG_TABLES)


def _price(clinic: Clinic) -> ServicePrice:
    return ServicePrice.objects.get(
        clinic=clinic, service__code="ims", duration_minutes=30, effective_to__isnull=True
    )


@pytest.mark.parametrize(
    "change",
    ["save", "queryset update", "raw SQL", "add-on link removed", "coverage rule", "plan"],
)
def test_each_kind_of_catalog_write_moves_the_version(cascade: Clinic, change: str) -> None:
    before = catalog_token()
    price = _price(cascade)
    if change == "save":
        price.save()
    elif change == "queryset update":
        ServicePrice.objects.filter(pk=price.pk).update(amount=price.amount)
    elif change == "raw SQL":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE estimator_serviceprice SET amount = amount WHERE id = %s", [price.pk]
            )
    elif change == "add-on link removed":
        AddOn.objects.get(code="heat-cold").services.clear()
    elif change == "coverage rule":
        CoverageRule.objects.filter(plan__clinic=cascade).update(note="changed")
    else:
        InsurancePlan.objects.filter(clinic=cascade).update(active=False)
    assert catalog_token() != before


def test_the_token_read_is_the_catalog_versions_row(cascade: Clinic) -> None:
    # catalog_token reads the row in plain SQL (the ORM costs four times as much per request).
    ServicePrice.objects.filter(pk=_price(cascade).pk).update(duration_minutes=30)
    assert catalog_token() == CatalogVersion.objects.get().token != 0
    CatalogVersion.objects.all().delete()
    assert catalog_token() == 0


def test_a_rolled_back_change_leaves_no_token_a_later_change_could_reuse(cascade: Clinic) -> None:
    before = catalog_token()
    with pytest.raises(RuntimeError), transaction.atomic():
        ServicePrice.objects.filter(pk=_price(cascade).pk).update(duration_minutes=30)
        rolled_back = catalog_token()
        raise RuntimeError
    assert catalog_token() == before
    ServicePrice.objects.filter(pk=_price(cascade).pk).update(duration_minutes=30)
    assert catalog_token() not in {before, rolled_back}


def _self_pay_charge(clinic: Clinic) -> Decimal:
    quote = quote_build(
        quote=QuoteInput(
            clinic=clinic,
            items=(pricing.PlanItem("ims", 30, 1),),
            sessions_per_week=1,
            start_date=clinic.today() + dt.timedelta(days=3),
        )
    )
    return Decimal(quote.result_data()["scenarios"]["primary"]["totals"]["charge"]["amount"])


def test_a_price_change_is_priced_by_the_very_next_quote(cascade: Clinic, clock: Any) -> None:
    charge = _self_pay_charge(cascade)
    assert _self_pay_charge(cascade) == charge  # now from the cache
    price = _price(cascade)
    ServicePrice.objects.filter(pk=price.pk).update(amount=price.amount.amount + 7)
    assert _self_pay_charge(cascade) == charge + 7


def test_an_add_on_price_and_a_cleared_discount_reach_the_next_quote(cascade: Clinic) -> None:
    catalog = clinic_catalog(slug="cascade")
    assert catalog is not None
    AddOnPrice.objects.filter(clinic=cascade).update(effective_to=None)
    Clinic.objects.filter(pk=cascade.pk).update(self_pay_discount_percent=Decimal("0"))
    fresh = clinic_catalog(slug="cascade")
    assert fresh is not None and fresh is not catalog
    assert fresh.snapshot.self_pay_discount.percent == 0


def test_a_changed_translation_reaches_the_next_catalog_read(cascade: Clinic) -> None:
    catalog = clinic_catalog(slug="cascade")
    assert catalog is not None
    with translation.override("es"):
        assert catalog.names_in_language()["Acupuncture"] == "Acupuntura"
        assert catalog.names_in_language()["acupuncture"] == "acupuntura"  # a visit limit
    AddOn.objects.filter(code="manual-therapy").update(name_es="Terapia manual (masaje)")
    fresh = clinic_catalog(slug="cascade")
    assert fresh is not None and fresh is not catalog
    with translation.override("es"):
        assert fresh.names_in_language()["Manual therapy"] == "Terapia manual (masaje)"
    with translation.override("en"):
        assert fresh.names_in_language() == {}


def test_the_catalog_read_holds_its_translations_without_a_query_per_plan(
    cascade: Clinic,
) -> None:
    catalog_cache_clear()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        clinic_catalog(slug="cascade")
    limits = [q["sql"] for q in queries.captured_queries if "codesetlimit" in q["sql"]]
    assert len(limits) == 1  # every plan's visit limits, with their names, in one query


def test_a_new_process_reads_the_catalog_from_the_shared_cache(cascade: Clinic) -> None:
    clinic_catalog(slug="cascade")  # built from the database, kept locally and in the cache
    catalog_cache_clear()  # what another worker starts with
    with CaptureQueriesContext(connection) as queries:
        catalog = clinic_catalog(slug="cascade")
    assert catalog is not None and catalog.clinic.slug == "cascade"
    assert len(queries) == 1  # the token; the catalog came from the shared cache


def test_without_the_shared_cache_the_catalog_is_read_from_the_database(cascade: Clinic) -> None:
    catalog_cache_clear()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        catalog = clinic_catalog(slug="cascade")
    assert catalog is not None
    assert len(queries) > 1
    assert set(catalog.plans) == set(
        InsurancePlan.objects.filter(clinic=cascade).values_list("pk", flat=True)
    )
    assert set(catalog.terms) == {pk for pk, plan in catalog.plans.items() if plan.active}


def test_an_unknown_or_inactive_clinic_has_no_catalog(cascade: Clinic) -> None:
    assert clinic_catalog(slug="nowhere") is None
    Clinic.objects.filter(pk=cascade.pk).update(active=False)
    assert clinic_catalog(slug="cascade") is None


def test_an_inactive_clinic_is_still_priced_for_staff_from_the_database(cascade: Clinic) -> None:
    charge = _self_pay_charge(cascade)
    Clinic.objects.filter(pk=cascade.pk).update(active=False)
    cascade.refresh_from_db()
    assert _self_pay_charge(cascade) == charge


def test_coverage_rule_status_change_is_seen_by_the_next_insured_quote(cascade: Clinic) -> None:
    plan = InsurancePlan.objects.get(clinic=cascade, name="Preferred PPO")
    catalog = clinic_catalog(slug="cascade")
    assert catalog is not None
    CoverageRule.objects.filter(plan=plan, service__code="ims").update(
        status=CoverageStatus.NOT_COVERED
    )
    fresh = clinic_catalog(slug="cascade")
    assert fresh is not None
    assert fresh.terms[plan.pk].rules[("service", "ims")].status == pricing.CoverageStatus(
        CoverageStatus.NOT_COVERED
    )


def test_kept_answers_stay_within_their_byte_budget_and_forget_an_old_version() -> None:
    kept = ResponseCache(budget=1000)
    for n in range(50):
        kept.remember(1, f"k{n}", bytes(100))
    assert kept.used <= 1000 and len(kept.entries) == 10
    assert kept.recall(1, "k0") is None and kept.recall(1, "k49") == bytes(100)
    kept.remember(1, "too-big", bytes(200))  # over an eighth of the budget: not kept
    assert kept.recall(1, "too-big") is None
    kept.remember(2, "new", b"x")  # a new catalog version forgets everything of the old one
    assert kept.recall(1, "k49") is None and kept.used == 1


def test_this_process_keeps_at_most_max_local_catalog_entries() -> None:
    for n in range(MAX_LOCAL + 20):
        versioned(token=7, key=f"entry-{n}", build=lambda: "x")
    assert len(_local.entries) == MAX_LOCAL


def test_the_clinics_day_turns_at_their_midnight_and_is_otherwise_remembered(starter_catalog):
    import time_machine

    token = catalog_token()
    zones = sorted({c.time_zone for c in Clinic.objects.filter(active=True)})
    zone = zoneinfo.ZoneInfo(zones[0])
    before = dt.datetime(2026, 12, 1, 23, 59, 58, tzinfo=zone)
    with time_machine.travel(before, tick=False) as traveller:
        first = catalog_days(token=token)
        assert before.date().isoformat() in first.split(",")
        with CaptureQueriesContext(connection) as queries:
            assert catalog_days(token=token) == first
        assert len(queries) == 0
        traveller.shift(dt.timedelta(seconds=3))  # past that clinic's midnight
        assert "2026-12-02" in catalog_days(token=token).split(",")
        # A clock set back (a test's, an NTP step) is not answered from what was remembered.
        traveller.move_to(before - dt.timedelta(days=3))
        assert "2026-11-28" in catalog_days(token=token).split(",")
