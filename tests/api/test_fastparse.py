"""The fast parsers agree with QuoteRequest and EstimateRequest: what they accept, DRF accepts
as the same.

A fast parser may refuse more (it then hands the body to the serializer); it must never accept
something the serializer refuses, nor read a value differently.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.api.fastparse import estimate_fields, quote_fields
from estimator.api.serializers import EstimateRequest, QuoteRequest
from tests.conftest import NOW, TODAY, property_examples


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


class _EstimateShape(EstimateRequest):
    """EstimateRequest's field checks only."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs


def _drf(body: bytes, shape: type[QuoteRequest] = _Shape) -> dict[str, Any] | None:
    try:  # as estimator.api.parsers reads a body
        data = json.loads(body, parse_float=Decimal)
    except ValueError:  # not UTF-8, or not JSON: a ParseError, refused
        return None
    serializer = shape(data=data)
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


# ---- estimates: the quote's fields plus who it is for --------------------------------------

# The day the date-bound examples are judged on; each comparison runs with the clock there, so
# "a date of birth cannot be in the future" means the same day to both parsers and to the test.
YESTERDAY, TOMORROW = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)
QUOTE_PART = copy.deepcopy(VALID)  # a quote both parsers accept


def _estimate_drf(raw: bytes) -> dict[str, Any] | None:
    return _drf(raw, _EstimateShape)


def _both(raw: bytes) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    with time_machine.travel(NOW, tick=False):
        return estimate_fields(raw), _estimate_drf(raw)


def _encoded(body: dict[str, Any], ascii_only: bool) -> bytes:
    # Escaped (\u00e9) and raw UTF-8 both: they reach the parsers as different bytes.
    return json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


# Canonical values: each is one the serializer keeps exactly as sent.
c_name = st.one_of(
    st.sampled_from(["", "Alex Rivera", "Zoë O'Brien-Ngữ", "李小龍", "a" * 200, "A\nB"]),
    st.text(st.characters(blacklist_categories=["Cs", "Zs", "Cc"]), max_size=20),
)
c_email = st.sampled_from(
    [
        *["", "alex@example.com", "a.b+c_d-e@mail.ex-ample.co.uk", "X@Y.ORG", "1@2.io"],
        "a" * 64 + "@" + "b" * 63 + ".com",
        "user@" + ".".join(["abc"] * 60) + ".org",  # 254 characters: the field's maximum
    ]
)
c_phone = st.one_of(
    st.sampled_from(["", "503-555-0199", "+1 (503) 555.0199", "5035550", "0" * 30]),
    st.from_regex(r"\A[0-9+()-]([0-9+() .-]{5,28})[0-9+()-]\Z"),
)
c_language = st.sampled_from(["", "en", "es", "fr"])
c_born = st.one_of(
    st.none(),
    st.dates(dt.date(1900, 1, 1), TODAY).map(dt.date.isoformat),
    st.sampled_from([TODAY.isoformat(), YESTERDAY.isoformat(), "1900-01-01", "2024-02-29"]),
)
c_code = st.one_of(
    st.sampled_from(["M54.50", "M79.1", "G89.29", "M62.838", "S13.4XXA", "M25.5", "Z00"]),
    st.from_regex(r"\A[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?\Z"),
)
c_text = st.text(st.characters(blacklist_categories=["Cs", "Zs", "Cc"]), max_size=30)
c_patient = st.fixed_dictionaries(
    {},
    optional={
        "name": c_name,
        "date_of_birth": c_born,
        "email": c_email,
        "phone": c_phone,
        "language": c_language,
    },
)
c_estimate = st.fixed_dictionaries(
    {},
    optional={
        "patient": c_patient,
        "external_reference": st.one_of(c_text, st.sampled_from(["CHART-1042", "x" * 100])),
        "diagnosis_codes": st.lists(c_code, max_size=12),
        "notes": st.one_of(c_text, st.sampled_from(["Booked by phone.\nCall back.", "n" * 2000])),
    },
)


@settings(max_examples=property_examples(300), deadline=None)
@given(c_estimate, st.booleans())
def test_valid_estimate_bodies_take_the_fast_path_with_drfs_values(extra, ascii_only):
    raw = _encoded({**QUOTE_PART, **extra}, ascii_only)
    fast, drf = _both(raw)
    assert drf is not None, "the strategy should make only valid bodies"
    assert fast == drf


# Odd and invalid values: for each, the fast parser refers the body or reads it as DRF does.
ODD_TEXT = [
    *[" x", "x ", "\tx", "x\n", "\u00a0x", "x\u2003", " ", "\n", "\x00", "a\x00b"],
    *["\ud800", "x\udfff", "\x85x", "x\x1c"],  # lone surrogates; str.strip()'s other spaces
]
JUNK_VALUES: list[Any] = [None, True, 0, 5035550199, 1.5, [], ["x"], {}, {"x": 1}]
ODD_EMAILS = [
    *["alex@localhost", "a@b", "a@b.c", "a@-b.com", "a@b-.com", "a..b@x.com", ".a@x.com"],
    *["a.@x.com", "a@x.com.", "a@[127.0.0.1]", '"a b"@x.com', "a@b@c.com", "é@x.com"],
    *["a@exämple.com", "a@xn--exmple-cua.com", " a@x.com", "a@x.com ", "a@x.c0m", "@x.com"],
    *["A@X.COM", "a@x.com\n", "a@" + "b" * 64 + ".com", "a" * 250 + "@x.com", "a@x"],
    *["a@x_y.com", "!#$%&'*+/=?^_`{|}~-@x.com", "a@1.2.3.4", "a b@x.com", "a@x..com"],
]
ODD_PHONES = [
    *[" 503-555-0199", "503-555-0199 ", "  5035550", "503", "5" * 31, "503\n5550199"],
    *["abc-defg", "\u0665035550199", "503-555-0199\n", "       ", "+1 503 555 0199 x12"],
]
ODD_LANGUAGES = ["de", "EN", " en", "en ", "en-us", "english"]
ODD_BORN = [
    *[TOMORROW.isoformat(), "2999-01-01", "2200-12-31", "2201-01-01", "1899-12-31"],
    *["1984-3-9", "19840309", " 1984-03-09", "1984-03-09\n", "1984-02-30", ""],
    "1984-03-09T00:00",
]
ODD_CODES = [
    *["m54.50", "M54.5a", " M54.50", "M54.50 ", "M54.50\n", "U07.1", "M5", "M54."],
    *["M54.12345", "MM4.5", "", " ", "M54.50\x00", "Ｍ54.50", "ı00", "m54.5\t"],
]
# Each field with the odd values tried in it, alone in an otherwise valid body.
ODD_VALUES: dict[tuple[str, ...], list[Any]] = {
    ("patient", "name"): [*ODD_TEXT, "a" * 201, *JUNK_VALUES],
    ("patient", "date_of_birth"): [*ODD_BORN, *JUNK_VALUES],
    ("patient", "email"): [*ODD_EMAILS, *ODD_TEXT, *JUNK_VALUES],
    ("patient", "phone"): [*ODD_PHONES, *ODD_TEXT, *JUNK_VALUES],
    ("patient", "language"): [*ODD_LANGUAGES, *ODD_TEXT, *JUNK_VALUES],
    ("patient", "nickname"): ["x"],
    ("patient",): JUNK_VALUES,
    ("external_reference",): [*ODD_TEXT, "x" * 101, *JUNK_VALUES],
    ("diagnosis_codes",): [
        *([code] for code in [*ODD_CODES, *ODD_TEXT, *JUNK_VALUES]),
        ["M54.50"] * 13,
        *JUNK_VALUES,
        "M54.50",
    ],
    ("notes",): [*ODD_TEXT, "n" * 2001, *JUNK_VALUES],
    ("comment",): ["typo"],
}


def _with(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target: dict[str, Any] = body.setdefault("patient", {}) if len(path) == 2 else body
    target[path[-1]] = value
    return body


def test_each_listed_odd_value_is_referred_or_read_as_drf_reads_it():
    for path, values in ODD_VALUES.items():
        for value in values:
            for ascii_only in (True, False):
                fast, drf = _both(_encoded(_with(QUOTE_PART, path, value), ascii_only))
                assert fast is None or fast == drf, (path, value)


JUNK = st.one_of(
    st.sampled_from(JUNK_VALUES),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)
o_text = st.one_of(st.sampled_from(ODD_TEXT), JUNK, st.text(max_size=5))
o_email = st.one_of(c_email, st.sampled_from(ODD_EMAILS), st.emails(), o_text)
o_phone = st.one_of(c_phone, st.sampled_from(ODD_PHONES), o_text)
o_language = st.one_of(c_language, st.sampled_from(ODD_LANGUAGES), o_text)
o_born = st.one_of(
    c_born,
    st.sampled_from(ODD_BORN),
    st.dates(TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=3)).map(dt.date.isoformat),
    JUNK,
)
o_code = st.one_of(c_code, st.sampled_from(ODD_CODES), o_text)
o_name = st.one_of(c_name, o_text, st.just("a" * 201))
o_reference = st.one_of(c_text, o_text, st.just("x" * 101))
o_notes = st.one_of(c_text, o_text, st.just("n" * 2001))
o_codes = st.one_of(
    # Canonical codes with one odd one among them, thirteen codes, or not a list of strings.
    st.tuples(st.lists(c_code, max_size=11), o_code, st.integers(0, 11)).map(
        lambda t: [*t[0][: t[2]], t[1], *t[0][t[2] :]]
    ),
    st.lists(c_code, min_size=13, max_size=13),
    JUNK,
    st.text(max_size=3),
)
# One odd value at a time, each in an otherwise valid body of any canonical shape: the fast
# parser's answer on it is then the only thing in question (with several odd values, any one
# of them refers the body).
ODD: dict[tuple[str, ...], st.SearchStrategy[Any]] = {
    ("patient", "name"): o_name,
    ("patient", "date_of_birth"): o_born,
    ("patient", "email"): o_email,
    ("patient", "phone"): o_phone,
    ("patient", "language"): o_language,
    ("patient",): JUNK,
    ("external_reference",): o_reference,
    ("diagnosis_codes",): o_codes,
    ("notes",): o_notes,
}


@st.composite
def one_odd_value(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(sorted(ODD)))
    return _with({**QUOTE_PART, **draw(c_estimate)}, path, draw(ODD[path]))


@settings(max_examples=property_examples(500), deadline=None)
@given(one_odd_value(), st.booleans())
def test_on_one_odd_value_the_fast_parser_refers_or_agrees_with_drf(body, ascii_only):
    fast, drf = _both(_encoded(body, ascii_only))
    if fast is not None:
        assert fast == drf


o_estimate = st.fixed_dictionaries(
    {},
    optional={
        "patient": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "name": o_name,
                    "date_of_birth": o_born,
                    "email": o_email,
                    "phone": o_phone,
                    "language": o_language,
                    "nickname": st.just("x"),
                },
            ),
            JUNK,
        ),
        "external_reference": o_reference,
        "diagnosis_codes": o_codes,
        "notes": o_notes,
        "comment": st.just("typo"),
    },
)
# Mostly the valid quote, so the estimate's own fields decide; sometimes an odd quote too.
o_quote = st.one_of(st.just(QUOTE_PART), c_request, request)


@settings(max_examples=property_examples(300), deadline=None)
@given(o_quote, o_estimate, st.booleans())
def test_on_odd_estimate_bodies_the_fast_parser_refers_or_agrees_with_drf(quote, extra, ascii_only):
    fast, drf = _both(_encoded({**quote, **extra}, ascii_only))
    if fast is not None:
        assert fast == drf


def test_an_ordinary_estimate_takes_the_fast_path_with_drfs_values():
    body = {
        **QUOTE_PART,
        "patient": {
            "name": "Alex Rivera",
            "date_of_birth": "1984-03-09",
            "email": "alex@example.com",
            "phone": "503-555-0199",
            "language": "fr",
        },
        "external_reference": "CHART-1042",
        "diagnosis_codes": ["M54.50", "M79.1"],
        "notes": "Booked by phone.",
    }
    fast, drf = _both(json.dumps(body).encode())
    assert fast is not None and fast == drf
    assert fast["patient"]["date_of_birth"] == dt.date(1984, 3, 9)


def test_absent_estimate_fields_take_drfs_defaults():
    # No patient: no "patient" key at all; an empty one: every patient field at its default.
    fast, drf = _both(json.dumps(QUOTE_PART).encode())
    assert fast == drf and fast is not None
    assert "patient" not in fast
    assert (fast["external_reference"], fast["diagnosis_codes"], fast["notes"]) == ("", [], "")
    fast, drf = _both(json.dumps({**QUOTE_PART, "patient": {}}).encode())
    assert fast == drf and fast is not None
    assert fast["patient"] == {
        "name": "",
        "date_of_birth": None,
        "email": "",
        "phone": "",
        "language": "",
    }


def test_a_birth_date_is_judged_by_the_clocks_today():
    def born(day: dt.date) -> bytes:
        return json.dumps({**QUOTE_PART, "patient": {"date_of_birth": day.isoformat()}}).encode()

    assert _both(born(TODAY))[0] is not None
    assert _both(born(TOMORROW)) == (None, None)  # refused by DRF, which says why
    # The same body, judged a day later: the date is no longer in the future for either.
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert estimate_fields(born(TOMORROW)) == _estimate_drf(born(TOMORROW)) is not None


def test_values_drf_would_change_are_left_to_drf():
    # DRF trims, upper-cases codes and reads "  " as ""; the fast parser keeps values as sent,
    # so it refers each of these (where DRF accepts them, it is with a changed value).
    for extra in [
        {"notes": " Booked "},
        {"external_reference": "   "},
        {"diagnosis_codes": ["m54.50"]},
        {"diagnosis_codes": [" M54.50"]},
        {"patient": {"name": "Alex\n"}},
        {"patient": {"email": " alex@example.com"}},
        {"patient": {"phone": " 503-555-0199"}},
    ]:
        raw = json.dumps({**QUOTE_PART, **extra}).encode()
        fast, drf = _both(raw)
        assert fast is None
        assert drf is not None
