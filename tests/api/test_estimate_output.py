"""Stored estimates written directly (estimator/api/output.py) are what the documented
serializers write: the same dicts, key order and value types, the same JSON bytes, and no
more queries; for estimates of every status, coverage, patient detail, notice and bill."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator import pricing
from estimator.api.notices import BillingOut, NoticeOut, billing_out, notice_out
from estimator.api.output import estimate_list_out, estimate_out
from estimator.api.renderers import FastJSONRenderer
from estimator.api.selectors import estimates_list, estimates_visible
from estimator.api.serializers import EstimateListOut, EstimateOut
from estimator.models import Clinic, Estimate, EstimateStatus, InsurancePlan
from estimator.notices import NoticeFacts, notice_decide
from estimator.quotes import QuoteInput
from estimator.reconciliation import (
    LineBill,
    ProviderBill,
    billed_charges_record,
    estimate_billing,
)
from estimator.selectors import notice_for_estimate
from estimator.services import (
    PatientDetails,
    estimate_create,
    estimate_issue,
    estimate_supersede,
    estimate_void,
)
from tests.conftest import property_examples
from tests.factories import self_pay_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

FULL = PatientDetails(
    name="Ana Núñez",
    date_of_birth=dt.date(1984, 3, 9),
    email="ana@example.com",
    phone="503-555-0199",
    language="es",
    external_reference="CHART-1042",
    diagnosis_codes=("M54.50", "M79.1"),
    notes="Booked by phone.",
)
EMPTY = PatientDetails()


def typed(value: Any) -> Any:
    """value with the type of every part, dict keys in order: == then also compares types and
    order, which plain == of dicts does not."""
    if isinstance(value, dict):
        return (type(value), [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return (type(value), [typed(item) for item in value])
    return (type(value), value)


def assert_same(direct: dict[str, Any], drf: dict[str, Any]) -> None:
    """The same dict, parts, types and key order, and the same JSON bytes once rendered."""
    assert direct == drf
    assert typed(direct) == typed(drf)
    assert FastJSONRenderer().render(direct) == FastJSONRenderer().render(drf)


def fetched(reference: str) -> Estimate:
    """The estimate as GET /api/v1/estimates/{reference} reads it."""
    return estimates_visible(key=None).get(reference=reference)


def _plan(name: str) -> InsurancePlan:
    return InsurancePlan.objects.get(clinic__slug="cascade", name=name)


def _insured(name: str, *, sessions: int = 12) -> QuoteInput:
    """An insured plan of 12 sessions with two add-ons, twice a week (the bench's plan)."""
    plan = _plan(name)
    return QuoteInput(
        clinic=plan.clinic,
        items=(
            pricing.PlanItem(
                "dry-needling-1-2", 30, sessions, ("estim-unattended", "manual-therapy")
            ),
        ),
        sessions_per_week=2,
        start_date=plan.clinic.today() + dt.timedelta(days=7),
        coverage_mode="insured",
        plan=plan,
        standing=pricing.Standing(),
    )


def _cascade() -> Clinic:
    return Clinic.objects.get(slug="cascade")


def _bill(estimate: Estimate, amount: str) -> Estimate:
    """estimate with a bill from its clinic for the patient's total plus amount."""
    day = estimate.clinic.today()
    line = LineBill("20561", day, estimate.patient_total.amount + Decimal(amount), "USD")
    provider = ProviderBill(estimate.clinic.npi, estimate.clinic.name, (line,))
    billed_charges_record(estimate=estimate, bill_date=day, providers=(provider,))
    return estimate


def _issued(quote_input: QuoteInput, patient: PatientDetails = FULL) -> Estimate:
    stored = estimate_create(quote_input=quote_input, patient=patient)
    return estimate_issue(estimate=stored, by=None)


def _superseded() -> Estimate:
    issued = _issued(self_pay_plan(_cascade()))
    estimate_supersede(estimate=issued, by=None, reason="Name misspelt")
    return issued


def _correction() -> Estimate:
    issued = _issued(self_pay_plan(_cascade()))
    return estimate_supersede(estimate=issued, by=None, reason="Name misspelt")


def _harbour() -> Estimate:
    clinic = Clinic.objects.get(slug="harbour")
    quote_input = QuoteInput(
        clinic=clinic,
        items=(pricing.PlanItem("ims", 30, 3, ()),),
        sessions_per_week=1,
        start_date=clinic.today() + dt.timedelta(days=1),
        coverage_mode="self_pay",
        plan=None,
        standing=pricing.Standing(),
    )
    return estimate_create(quote_input=quote_input, patient=replace(FULL, language="fr"))


STORED: dict[str, Callable[[], Estimate]] = {
    "draft, self-pay, full patient (es)": lambda: estimate_create(
        quote_input=self_pay_plan(_cascade()), patient=FULL
    ),
    "draft, self-pay, empty patient": lambda: estimate_create(
        quote_input=self_pay_plan(_cascade()), patient=EMPTY
    ),
    "draft, unknown coverage (a range)": lambda: estimate_create(
        quote_input=replace(self_pay_plan(_cascade(), sessions=6), coverage_mode="unknown"),
        patient=replace(FULL, date_of_birth=None),
    ),
    "draft, insured, 12 sessions (fr)": lambda: estimate_create(
        quote_input=_insured("Preferred PPO"), patient=replace(FULL, language="fr")
    ),
    "draft, self-pay naming a plan": lambda: estimate_create(
        quote_input=replace(self_pay_plan(_cascade()), plan=_plan("Preferred PPO")),
        patient=EMPTY,
    ),
    "draft, Medicare (an ABN)": lambda: estimate_create(
        quote_input=_insured("Part B", sessions=4), patient=FULL
    ),
    "draft, Canada (itemised, CAD)": _harbour,
    "issued": lambda: _issued(self_pay_plan(_cascade())),
    "issued Medicare": lambda: _issued(_insured("Part B", sessions=2), EMPTY),
    "void": lambda: estimate_void(
        estimate=_issued(self_pay_plan(_cascade())), by=None, reason="Entered twice"
    ),
    "superseded": _superseded,
    "the correction that supersedes it": _correction,
    "issued, billed within": lambda: _bill(_issued(self_pay_plan(_cascade())), "100.00"),
    "issued, billed over the threshold": lambda: _bill(
        _issued(self_pay_plan(_cascade())), "400.00"
    ),
    "issued insured, billed (no GFE)": lambda: _bill(
        _issued(_insured("Preferred PPO", sessions=2)), "900.00"
    ),
}


@pytest.mark.parametrize("kind", list(STORED))
def test_a_stored_estimate_is_written_as_estimate_out_writes_it(starter_catalog, kind):
    reference = STORED[kind]().reference
    # Times are written in the current time zone; in UTC they end in Z.
    for zone in ("America/New_York", "UTC", "Asia/Kolkata"):
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            for just_stored in (False, True):
                context = {"just_stored": just_stored}
                # Each reads its own copy, as a request does: nothing one of them loaded is
                # cached for the other, so their queries compare too.
                with CaptureQueriesContext(connection) as drf_queries:
                    drf = dict(EstimateOut(fetched(reference), context=context).data)
                with CaptureQueriesContext(connection) as direct_queries:
                    direct = estimate_out(fetched(reference), just_stored=just_stored)
                assert_same(direct, drf)
                assert len(direct_queries) <= len(drf_queries)
            estimate = fetched(reference)
            assert_same(estimate_list_out(estimate), dict(EstimateListOut(estimate).data))
    notice = notice_for_estimate(estimate=estimate)
    assert_same(notice_out(notice), dict(NoticeOut(notice.as_dict()).data))
    billing = estimate_billing(estimate=estimate)
    assert_same(billing_out(estimate), dict(BillingOut(billing).data))


def test_the_variety_covers_what_the_fields_can_say(starter_catalog):
    """The estimates above are each a case the fields write differently: every status, every
    coverage, every notice kind but one a stored estimate cannot have, a range, a bill of each
    status, a correction both ways, dates of birth and issue times set and null."""
    bodies = [estimate_out(fetched(build().reference)) for build in STORED.values()]
    seen = {
        "status": {body["status"] for body in bodies},
        "coverage_mode": {body["coverage_mode"] for body in bodies},
        "notice": {body["notice"]["kind"] for body in bodies},
        "billing": {body["billing"]["status"] for body in bodies},
        "language": {body["patient"]["language"] for body in bodies},
        "currency": {body["summary"]["currency"] for body in bodies},
    }
    assert seen == {
        "status": set(EstimateStatus.values),
        "coverage_mode": {"self_pay", "insured", "unknown"},
        "notice": {"good_faith_estimate", "abn", "itemised_estimate", "check_with_plan"},
        "billing": {"not_billed", "within", "over_threshold", "no_gfe"},
        "language": {"en", "es", "fr"},
        "currency": {"USD", "CAD"},
    }
    assert any(body["summary"]["is_range"] for body in bodies)
    assert any(body["supersedes"] for body in bodies)
    assert any(body["superseded_by"] for body in bodies)
    deadlines = [body["notice"]["deadline"] for body in bodies]
    assert None in deadlines
    assert "renewed" in {deadline["rule"] for deadline in deadlines if deadline is not None}
    assert {body["patient"]["date_of_birth"] is None for body in bodies} == {True, False}
    assert {body["issued_at"] is None for body in bodies} == {True, False}
    assert {body["voided_at"] is None for body in bodies} == {True, False}


text = st.text(max_size=40)
moment = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),
    max_value=dt.datetime(2032, 12, 31),
    timezones=st.just(dt.UTC),
)


@settings(
    max_examples=property_examples(40),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    case=st.integers(0, 3),
    zone=st.sampled_from(["America/New_York", "UTC", "Asia/Kolkata", "Pacific/Chatham"]),
    language=st.sampled_from(["en", "es", "fr"]),
    values=st.fixed_dictionaries(
        {
            "status": st.sampled_from(EstimateStatus.values),
            "patient_name": text,
            "patient_date_of_birth": st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2026, 1, 1)),
            "patient_email": text,
            "patient_phone": text,
            "language": st.sampled_from(["", "en", "es", "fr"]),
            "external_reference": text,
            "diagnosis_codes": st.lists(text, max_size=12),
            "notes": text,
            "created_at": moment,
            "issued_at": st.none() | moment,
            "voided_at": st.none() | moment,
        }
    ),
)
def test_any_patient_details_and_times_are_written_as_estimate_out_writes_them(
    few_stored, case, zone, language, values
):
    # The stored rows with other values in memory: the rendering is all that is tested, of
    # values the database would hold as well (any text, any date, any moment).
    estimate = fetched(few_stored[case])
    for name, value in values.items():
        setattr(estimate, name, value)
    with timezone.override(zoneinfo.ZoneInfo(zone)), translation.override(language):
        for just_stored in (False, True):
            drf = dict(EstimateOut(estimate, context={"just_stored": just_stored}).data)
            assert_same(estimate_out(estimate, just_stored=just_stored), drf)
        assert_same(estimate_list_out(estimate), dict(EstimateListOut(estimate).data))


@pytest.fixture
def few_stored(starter_catalog: Any) -> list[str]:
    """References of a self-pay, an insured, a Medicare and a correcting estimate."""
    return [
        estimate_create(quote_input=self_pay_plan(_cascade()), patient=FULL).reference,
        estimate_create(quote_input=_insured("Preferred PPO", sessions=3), patient=EMPTY).reference,
        estimate_create(quote_input=_insured("Part B", sessions=2), patient=FULL).reference,
        _correction().reference,
    ]


@settings(max_examples=property_examples(100))
@given(
    facts=st.builds(
        NoticeFacts,
        country=st.sampled_from(["US", "CA"]),
        coverage_mode=st.sampled_from(["self_pay", "insured", "unknown"]),
        payer_kind=st.none() | st.sampled_from([kind.value for kind in pricing.PlanKind]),
        first_visit=st.dates(dt.date(2026, 11, 1), dt.date(2027, 12, 31)),
        uncovered=st.lists(st.sampled_from(["Dry needling", "IMS"]), max_size=2).map(tuple),
        abn=st.lists(st.sampled_from(["Dry needling", "Acupuncture"]), max_size=2).map(tuple),
        renewal=st.booleans(),
    ),
    today=st.dates(dt.date(2026, 11, 1), dt.date(2027, 12, 31)),
    language=st.sampled_from(["en", "es", "fr"]),
)
def test_any_notice_is_written_as_notice_out_documents_it(facts, today, language):
    with translation.override(language):
        notice = notice_decide(facts=facts, today=today, clinic_name="Cascade")
        assert_same(notice_out(notice), dict(NoticeOut(notice.as_dict()).data))


def test_the_endpoints_answer_what_the_serializers_write(writer, starter_catalog):
    reference = _bill(_issued(_insured("Preferred PPO", sessions=2)), "900.00").reference
    _correction()
    detail = writer.get(f"/api/v1/estimates/{reference}")
    assert detail.status_code == 200
    assert detail.content == FastJSONRenderer().render(EstimateOut(fetched(reference)).data)
    listed = writer.get("/api/v1/estimates")
    assert listed.status_code == 200
    rows = estimates_list(key=None, filters={})
    expected = EstimateListOut(rows, many=True).data
    assert listed.json()["results"] == expected and len(expected) == 3


def test_a_stored_estimate_is_answered_as_estimate_out_writes_a_new_one(writer, plan_request):
    response = writer.post("/api/v1/estimates", plan_request, format="json")
    assert response.status_code == 201, response.json()
    estimate = fetched(response.json()["reference"])
    assert response.json() == dict(EstimateOut(estimate, context={"just_stored": True}).data)
