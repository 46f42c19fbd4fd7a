"""The quote body's fast parser agrees with QuoteRequest: what it accepts, DRF accepts as the same.

The fast parser may refuse more (it then hands the body to QuoteRequest); it must never accept
something QuoteRequest refuses, nor read a value differently.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.api.fastparse import quote_fields
from estimator.api.serializers import QuoteRequest


class _Shape(QuoteRequest):
    """QuoteRequest's field checks only (the catalog lookups are shared code)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _drf(body: bytes) -> dict[str, Any] | None:
    data = json.loads(body, parse_float=Decimal)  # as estimator.api.parsers reads a body
    serializer = _Shape(data=data)
    return _plain(serializer.validated_data) if serializer.is_valid() else None


SLUGS = ["cascade", "dry-needling-1-2", "a" * 50, "a" * 51, " cascade", "cascade\n", "Ca_1"]
SLUGS += ["", "ca scade", "é", "x/y"]
ANY_JUNK = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=4))
slug = st.one_of(st.sampled_from(SLUGS), ANY_JUNK, st.integers())
small_int = st.one_of(st.integers(-3, 400), ANY_JUNK, st.sampled_from([2**31, 2**31 - 1]))
day = st.one_of(
    st.sampled_from(
        [
            *["2026-11-28", "2026-02-30", "1899-12-31", "1900-01-01", "2200-12-31"],
            *["2201-01-01", "20261128", "2026-11-28T00:00", " 2026-11-28", "2026-1-5"],
            "2026-11-28\n",
        ]
    ),
    ANY_JUNK,
)
amount = st.one_of(
    st.sampled_from(["100", "100.5", "100.55", "100.555", "-1", "1e2", " 100", "٣", "00001"]),
    st.sampled_from(["12345678901", "0", "0.00", ".5", "5."]),
    ANY_JUNK,
)
money = st.one_of(
    st.fixed_dictionaries(
        {"amount": amount, "currency": st.sampled_from(["USD", "CAD", "EUR", 1])},
        optional={"extra": st.just(1)},
    ),
    ANY_JUNK,
)
standing = st.fixed_dictionaries(
    {},
    optional={
        "deductible_met": money,
        "out_of_pocket_met": money,
        "annual_max_used": money,
        "therapy_spend": money,
        "visits_used": small_int,
        "limit_visits_used": st.one_of(
            st.dictionaries(st.text(max_size=8), small_int, max_size=3), ANY_JUNK
        ),
        "typo": st.just(1),
    },
)
coverage = st.one_of(
    st.fixed_dictionaries(
        {"mode": st.one_of(st.sampled_from(["self_pay", "insured", "unknown", "x"]), ANY_JUNK)},
        optional={"plan": small_int, "standing": st.one_of(standing, ANY_JUNK)},
    ),
    ANY_JUNK,
)
item = st.fixed_dictionaries(
    {"service": slug, "duration_minutes": small_int, "sessions": small_int},
    optional={
        "add_ons": st.one_of(st.lists(slug, max_size=11), ANY_JUNK),
        "extra": st.just(True),
    },
)
request = st.fixed_dictionaries(
    {
        "clinic": slug,
        "items": st.one_of(st.lists(item, max_size=3), ANY_JUNK),
        "sessions_per_week": small_int,
        "start_date": day,
    },
    optional={"coverage": coverage, "comment": st.text(max_size=3)},
)


@settings(max_examples=400, deadline=None)
@given(request)
def test_what_the_fast_parser_accepts_drf_accepts_with_the_same_values(body: dict[str, Any]):
    raw = json.dumps(body).encode()
    fast = quote_fields(raw)
    if fast is not None:
        assert _drf(raw) == fast


VALID = {
    "clinic": "cascade",
    "items": [
        {"service": "dry-needling-1-2", "duration_minutes": 30, "add_ons": ["x"], "sessions": 6}
    ],
    "sessions_per_week": 1,
    "start_date": "2026-12-01",
    "coverage": {
        "mode": "insured",
        "plan": 2,
        "standing": {"deductible_met": {"amount": "100.00", "currency": "USD"}, "visits_used": 3},
    },
}


def test_an_ordinary_request_takes_the_fast_path_with_drfs_values():
    raw = json.dumps(VALID).encode()
    assert quote_fields(raw) is not None
    assert quote_fields(raw) == _drf(raw)
    del VALID["coverage"]
    assert quote_fields(json.dumps(VALID).encode()) == _drf(json.dumps(VALID).encode())


def test_bodies_that_are_not_an_object_or_not_json_are_left_to_drf():
    for raw in [b"[]", b"null", b"{", b'"x"', b"", b"{}", b'{"clinic": 1.5}', b"\xff"]:
        assert quote_fields(raw) is None
    # Bytes that are not UTF-8 inside a string: msgspec raises UnicodeDecodeError for those.
    for raw in [b'{"clinic": "\xed\xa0\x80"}', b'{"clinic": "a\xc3"}', b'{"x\xff": 1}']:
        assert quote_fields(raw) is None


# Canonical values only (no stray whitespace, no floats, no Unicode digits): here the fast
# parser must accept exactly what DRF accepts, or it would rarely be the fast path at all.
c_slug = st.sampled_from(["cascade", "dry-needling-1-2", "a" * 50, "a" * 51, "", "x y"])
c_int = st.integers(-1, 370)
c_money = st.fixed_dictionaries(
    {
        "amount": st.sampled_from(["0", "100", "100.5", "99.99", "1.234", "-5", "1"]),
        "currency": st.sampled_from(["USD", "CAD", "EUR"]),
    }
)
c_standing = st.fixed_dictionaries(
    {},
    optional={
        "deductible_met": c_money,
        "out_of_pocket_met": c_money,
        "visits_used": c_int,
        "limit_visits_used": st.dictionaries(st.sampled_from(["acupuncture", "pt"]), c_int),
    },
)
c_request = st.fixed_dictionaries(
    {
        "clinic": c_slug,
        "items": st.lists(
            st.fixed_dictionaries(
                {"service": c_slug, "duration_minutes": c_int, "sessions": c_int},
                optional={"add_ons": st.lists(c_slug, max_size=11)},
            ),
            max_size=21,
        ),
        "sessions_per_week": st.integers(0, 8),
        "start_date": st.sampled_from(["2026-12-01", "2026-02-29", "2028-02-29", "1899-01-01"]),
    },
    optional={
        "coverage": st.fixed_dictionaries(
            {"mode": st.sampled_from(["self_pay", "insured", "unknown", "other"])},
            optional={
                "plan": st.one_of(st.none(), st.integers(-1, 2**31)),
                "standing": c_standing,
            },
        )
    },
)


@settings(max_examples=300, deadline=None)
@given(c_request)
def test_on_canonical_bodies_the_fast_parser_accepts_exactly_what_drf_accepts(body):
    raw = json.dumps(body).encode()
    assert quote_fields(raw) == _drf(raw)
