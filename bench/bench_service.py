"""Times a quote through the service layer (database snapshot + engine) against the engine alone.

Run: .venv/bin/python bench/bench_service.py   (or `make bench`)

Uses a throw-away SQLite database (or DATABASE_URL if set) with the starter catalog, and prices
the same 12-session insured plan with two add-ons both ways in one run, so the ratio shows what
reading the snapshot from the database costs.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.TemporaryDirectory()
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_tmp.name}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from estimator import pricing  # noqa: E402
from estimator.catalog_cache import catalog_cache_clear  # noqa: E402
from estimator.catalog_seed import catalog_load_starter  # noqa: E402
from estimator.models import Clinic, InsurancePlan  # noqa: E402
from estimator.quotes import QuoteInput, quote_build  # noqa: E402


def _time(label: str, run: object, number: int, repeat: int = 7) -> float:
    runs = timeit.repeat(run, number=number, repeat=repeat)  # type: ignore[arg-type]
    per = [r / number * 1e6 for r in runs]
    median = statistics.median(per)
    print(f"{label:<34} median {median:8.1f} µs/plan   best {min(per):8.1f} µs/plan")
    return median


def main() -> None:
    """Print µs and queries per plan, service layer and engine alone."""
    call_command("migrate", verbosity=0)
    catalog_load_starter()
    clinic = Clinic.objects.get(slug="cascade")
    plan = InsurancePlan.objects.get(clinic=clinic, name="Preferred PPO")
    quote = QuoteInput(
        clinic=clinic,
        items=(
            pricing.PlanItem("dry-needling-1-2", 30, 12, ("estim-unattended", "manual-therapy")),
        ),
        sessions_per_week=2,
        start_date=clinic.today() + dt.timedelta(days=7),
        coverage_mode="insured",
        plan=plan,
        standing=pricing.Standing(deductible_met=pricing.Standing().deductible_met + 200),
    )

    def cold() -> object:
        catalog_cache_clear()
        cache.clear()
        return quote_build(quote=quote)

    with CaptureQueriesContext(connection) as cold_queries:
        cold()
    with CaptureQueriesContext(connection) as queries:
        result = quote_build(quote=quote)
    assert result.terms is not None
    coverage = pricing.Insured(result.terms, quote.standing)
    request = pricing.PlanRequest(quote.items, quote.sessions_per_week, quote.start_date)
    print(f"database: {connection.vendor}; plan: 12 sessions, 2 add-ons, insured (Preferred PPO)")
    print(
        f"queries per plan through the service layer: {len(cold_queries)} with the catalog "
        f"read afresh, {len(queries)} with it cached for its version"
    )
    _time("service layer, catalog read afresh", cold, 20)
    service_us = _time("service layer, catalog cached", lambda: quote_build(quote=quote), 50)
    engine_us = _time(
        "engine alone (same snapshot)",
        lambda: pricing.estimate_plan(request, result.catalog, coverage),
        200,
    )
    print(f"service layer / engine ratio: {service_us / engine_us:.2f}")
    print(f"database share of a quote: {service_us - engine_us:.0f} µs")


if __name__ == "__main__":
    main()
