"""Times re-pricing 10,000 issued estimates after a price change, and renewing 1,000 of them.

Run: .venv/bin/python bench/bench_repricing.py   (or `make bench`)

Uses a throw-away database: Django's test database of the configured one (SQLite, in memory,
by default; test_<name> on the server DATABASE_URL names), with the starter catalog. The
10,000 estimates are stored in bulk (three plans: self-pay, insured, unsure of coverage), a
price rises, then repricing_run re-prices the clinic (the job staff trigger by changing a price)
and renewal_run supersedes 1,000 of them at today's prices. Target: re-pricing under 10 s.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
ESTIMATES = int(os.environ.get("BENCH_REPRICING_ESTIMATES", "10000"))
RENEWALS = int(os.environ.get("BENCH_RENEWALS", "1000"))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from djmoney.money import Money  # noqa: E402

from estimator import pricing  # noqa: E402
from estimator.catalog_seed import catalog_load_starter  # noqa: E402
from estimator.models import (  # noqa: E402
    Clinic,
    Estimate,
    EstimateRepricing,
    EstimateStatus,
    InsurancePlan,
    ServicePrice,
)
from estimator.quotes import QuoteInput, quote_build  # noqa: E402
from estimator.renewals import renewal_run  # noqa: E402
from estimator.repricing import repricing_run  # noqa: E402
from estimator.services import PatientDetails, estimate_new  # noqa: E402


def _templates(clinic: Clinic) -> list[Estimate]:
    """Three priced plans, as unsaved estimates: self-pay, insured, unsure of coverage."""
    plan = InsurancePlan.objects.get(clinic=clinic, name="Preferred PPO")
    start = clinic.today() + dt.timedelta(days=7)
    templates = []
    for mode, chosen in (("self_pay", None), ("insured", plan), ("unknown", None)):
        quote = quote_build(
            quote=QuoteInput(
                clinic=clinic,
                items=(pricing.PlanItem("dry-needling-1-2", 30, 8, ("estim-unattended",)),),
                sessions_per_week=2,
                start_date=start,
                coverage_mode=mode,
                plan=chosen,
                standing=pricing.Standing(),
            )
        )
        templates.append(
            estimate_new(
                quote=quote,
                patient=PatientDetails(name="Pat Example", date_of_birth=dt.date(1980, 5, 17)),
                source="api",
            )
        )
    return templates


def _store(clinic: Clinic, count: int) -> float:
    """count issued estimates in bulk, copies of the templates; returns the seconds taken."""
    templates = _templates(clinic)
    now = timezone.now()
    fields = [
        f.attname for f in Estimate._meta.concrete_fields if f.attname not in ("id", "reference")
    ]
    started = time.perf_counter()
    rows = []
    for index in range(count):
        template = templates[index % len(templates)]
        row = Estimate(**{name: getattr(template, name) for name in fields})
        row.patient_name = f"Patient {index}"
        row.status = EstimateStatus.ISSUED
        row.issued_at = now
        rows.append(row)
    Estimate.objects.bulk_create(rows, batch_size=1000)
    return time.perf_counter() - started


def _raise_price(clinic: Clinic) -> None:
    # A plain update: the bench runs the job itself rather than through the broker.
    ServicePrice.objects.filter(
        clinic=clinic, service__code="dry-needling-1-2", duration_minutes=30
    ).update(amount=Money(Decimal("95.00"), clinic.currency))


def main() -> None:
    """Print the time to re-price ESTIMATES issued estimates and to renew RENEWALS of them."""
    name = connection.creation.create_test_db(verbosity=0, keepdb=False, serialize=False)
    try:
        catalog_load_starter()
        clinic = Clinic.objects.get(slug="cascade")
        stored = _store(clinic, ESTIMATES)
        print(f"database: {connection.vendor} ({name})")
        print(f"{ESTIMATES} issued estimates stored in bulk in {stored:.1f} s")
        _raise_price(clinic)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            changed = repricing_run(clinic_ids=[clinic.pk], cause="bench: price rise")
            seconds = time.perf_counter() - started
        assert changed == ESTIMATES == EstimateRepricing.objects.count(), changed
        print(
            f"re-pricing {ESTIMATES} issued estimates: {seconds:.2f} s, "
            f"{ESTIMATES / seconds:,.0f} estimates/s, {len(queries)} queries (target < 10 s)"
        )
        ids = list(
            Estimate.objects.filter(status=EstimateStatus.ISSUED)
            .order_by("pk")
            .values_list("pk", flat=True)[:RENEWALS]
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = renewal_run(estimate_ids=ids)
            seconds = time.perf_counter() - started
        assert len(result.renewed) == RENEWALS, result
        print(
            f"renewing {RENEWALS} of them (new issued estimates superseding them): "
            f"{seconds:.2f} s, {RENEWALS / seconds:,.0f} estimates/s, {len(queries)} queries"
        )
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
