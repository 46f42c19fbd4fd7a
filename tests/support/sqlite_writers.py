"""Run as a script: many threads store estimates at once in a SQLite file, as under `make run`.

Prints the status codes as JSON. Used by tests/test_sqlite_concurrency.py in a subprocess, so
the database is a real file with the settings `make run` uses, not the test run's in-memory one.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from estimator.models import Clinic, IntegrationKey  # noqa: E402


def main(writers: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("load_starter_catalog", verbosity=0)
    _, raw = IntegrationKey.objects.create_key(name="load", scope="read_write")
    start = Clinic.objects.get(slug="cascade").today() + dt.timedelta(days=7)
    body = {
        "clinic": "cascade",
        "items": [{"service": "dry-needling-1-2", "duration_minutes": 30, "sessions": 6}],
        "sessions_per_week": 1,
        "start_date": start.isoformat(),
        "coverage": {"mode": "self_pay"},
        "patient": {"name": "Alex Rivera"},
    }
    ready = threading.Barrier(writers)
    codes: list[int] = []

    def store() -> None:
        client = Client(
            raise_request_exception=False,
            HTTP_HOST="127.0.0.1",
            HTTP_AUTHORIZATION=f"Api-Key {raw}",
        )
        ready.wait()
        response = client.post("/api/v1/estimates", body, content_type="application/json")
        codes.append(response.status_code)

    threads = [threading.Thread(target=store) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(sorted(codes)))


if __name__ == "__main__":
    main(int(sys.argv[1]))
