"""Times reading a POST /estimates body: EstimateRequest's fields against the fast parser.

Run: .venv/bin/python bench/bench_parse.py

A typical body (a one-item self-pay plan, the patient's name, email, phone and language, two
diagnosis codes), read both ways in one process. Both stop before the catalog lookups
(quote_resolve), which the two paths share, so no database is needed; the DRF figure includes
json.loads, as request.data does it, since the fast path reads the raw bytes instead.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import timeit
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from estimator.api.fastparse import estimate_fields  # noqa: E402
from estimator.api.schema import QUOTE_EXAMPLE  # noqa: E402
from estimator.api.serializers import EstimateRequest  # noqa: E402

# The API's documented quote example, with who the estimate is for.
BODY = json.dumps(
    {
        **QUOTE_EXAMPLE,
        "patient": {
            "name": "Alex Rivera",
            "email": "alex@example.com",
            "phone": "503-555-0199",
            "language": "es",
        },
        "diagnosis_codes": ["M54.50", "M79.1"],
    }
).encode()


class _Fields(EstimateRequest):
    """EstimateRequest without the catalog lookups, which both paths run alike afterwards."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs


def _drf() -> Any:
    serializer = _Fields(data=json.loads(BODY, parse_float=Decimal))
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _time(label: str, run: Callable[[], object], number: int, repeat: int = 7) -> float:
    runs = timeit.repeat(run, number=number, repeat=repeat)
    per_call = [seconds / number * 1e6 for seconds in runs]
    median, best = statistics.median(per_call), min(per_call)
    print(f"{label:<32} median {median:8.1f} µs   best {best:8.1f} µs")
    return median


def main() -> None:
    fast = estimate_fields(BODY)
    assert fast is not None and fast == _drf(), "the body should take the fast path, read alike"
    json_us = _time(
        "json.loads (request.data)", lambda: json.loads(BODY, parse_float=Decimal), 2000
    )
    drf_us = _time("json.loads + EstimateRequest", _drf, 300)
    fast_us = _time("estimate_fields", lambda: estimate_fields(BODY), 5000)
    print(f"DRF / fast: {drf_us / fast_us:.0f}x   (json.loads alone {json_us:.1f} µs)")


if __name__ == "__main__":
    main()
