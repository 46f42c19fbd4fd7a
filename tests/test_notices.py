"""The notice each patient is owed and its deadlines (estimator.notices): pure, no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimator.business_days import business_days_after, business_days_before, is_business_day
from estimator.notices import (
    DeadlineRule,
    NoticeFacts,
    NoticeKind,
    gfe_deadline,
    notice_decide,
)

# The suite's today, a Wednesday; Thursday 2026-11-26 is Thanksgiving.
TODAY = dt.date(2026, 11, 25)
D = dt.date.fromisoformat


def test_business_days_skip_weekends_and_federal_holidays():
    assert not is_business_day(D("2026-11-26"))  # Thanksgiving
    assert not is_business_day(D("2026-11-28"))  # Saturday
    assert not is_business_day(D("2027-07-05"))  # Independence Day observed (the 4th: Sunday)
    assert is_business_day(D("2026-11-27"))
    assert business_days_after(TODAY, 1) == D("2026-11-27")
    assert business_days_after(TODAY, 3) == D("2026-12-01")
    assert business_days_after(D("2026-12-24"), 1) == D("2026-12-28")  # Christmas, a weekend
    assert business_days_before(D("2026-12-01"), 3) == TODAY
    assert business_days_before(D("2027-07-06"), 1) == D("2027-07-02")


@pytest.mark.parametrize(
    ("first_visit", "rule", "due"),
    [
        (None, DeadlineRule.REQUESTED, "2026-12-01"),
        ("2026-11-30", DeadlineRule.NOT_REQUIRED, None),  # 2 business days ahead
        ("2026-12-01", DeadlineRule.SCHEDULED_3_DAYS, "2026-11-27"),  # 3 ahead: 1 business day
        ("2026-12-08", DeadlineRule.SCHEDULED_3_DAYS, "2026-11-27"),  # 8 ahead
        ("2026-12-09", DeadlineRule.SCHEDULED_3_DAYS, "2026-11-27"),  # 9 ahead
        ("2026-12-10", DeadlineRule.SCHEDULED_10_DAYS, "2026-12-01"),  # 10 ahead: 3 days
        ("2027-03-01", DeadlineRule.SCHEDULED_10_DAYS, "2026-12-01"),
    ],
)
def test_gfe_deadlines_follow_45_cfr_149_610(first_visit, rule, due):
    visit = D(first_visit) if first_visit else None
    deadline = gfe_deadline(asked_on=TODAY, first_visit=visit)
    assert deadline.rule is rule
    assert deadline.due == (D(due) if due else None)
    if rule is DeadlineRule.NOT_REQUIRED:
        assert "no Good Faith Estimate is required" in deadline.text
    if visit is not None and deadline.due is not None:
        # A changed scope: a new one at least 1 business day before the visit.
        assert deadline.renew_by == business_days_before(visit, 1)


@given(
    asked_on=st.dates(D("2025-01-01"), D("2028-12-31")),
    ahead=st.integers(min_value=0, max_value=400),
)
def test_the_promised_date_never_falls_after_the_first_visit(asked_on, ahead):
    visit = asked_on + dt.timedelta(days=ahead)
    deadline = gfe_deadline(asked_on=asked_on, first_visit=visit)
    if deadline.due is not None:
        assert asked_on < deadline.due < visit
        assert is_business_day(deadline.due)
        assert deadline.renew_by is not None and deadline.renew_by < visit


def facts(**changes) -> NoticeFacts:
    values = {
        "country": "US",
        "coverage_mode": "self_pay",
        "payer_kind": None,
        "first_visit": D("2026-12-14"),
    }
    return NoticeFacts(**{**values, **changes})


def decide(**changes):
    return notice_decide(facts=facts(**changes), today=TODAY, clinic_name="Cascade")


def test_us_self_pay_and_uninsured_patients_get_a_gfe():
    notice = decide()
    assert notice.kind is NoticeKind.GOOD_FAITH_ESTIMATE and notice.offers_gfe_request
    assert notice.deadline is not None and notice.deadline.due == D("2026-12-01")
    assert notice.as_dict()["deadline"]["rule"] == "scheduled_10_days"


def test_a_visit_too_soon_is_a_gfe_case_without_a_request_to_offer():
    notice = decide(first_visit=D("2026-11-27"))
    assert notice.kind is NoticeKind.GOOD_FAITH_ESTIMATE
    assert not notice.offers_gfe_request


def test_insured_us_patients_check_with_their_plan():
    notice = decide(coverage_mode="insured", payer_kind="commercial", uncovered=("Dry needling",))
    assert notice.kind is NoticeKind.CHECK_WITH_PLAN and notice.deadline is None
    assert "not expected to cover Dry needling" in notice.what_you_get
    assert decide(coverage_mode="unknown", payer_kind="commercial").kind is (
        NoticeKind.CHECK_WITH_PLAN
    )


@pytest.mark.parametrize("mode", ["insured", "unknown", "self_pay"])
def test_medicare_never_gets_a_gfe_and_gets_an_abn_where_a_service_is_not_covered(mode):
    abn = decide(coverage_mode=mode, payer_kind="medicare", abn=("Dry needling", "Dry needling"))
    assert abn.kind is NoticeKind.ABN and not abn.offers_gfe_request
    assert "Medicare is not expected to pay for Dry needling." in abn.what_you_get
    assert abn.deadline is not None and abn.deadline.rule is DeadlineRule.BEFORE_SERVICE
    covered = decide(coverage_mode=mode, payer_kind="medicare")
    assert covered.kind is NoticeKind.MEDICARE_MEDICAID
    assert "do not get a Good Faith Estimate" in covered.what_you_get


def test_medicaid_gets_no_gfe():
    assert decide(coverage_mode="insured", payer_kind="medicaid").kind is (
        NoticeKind.MEDICARE_MEDICAID
    )


@pytest.mark.parametrize("mode", ["self_pay", "insured", "unknown"])
def test_canadian_clinics_give_an_itemised_estimate_then_receipts(mode):
    notice = decide(country="CA", coverage_mode=mode, payer_kind="ca_extended_health")
    assert notice.kind is NoticeKind.ITEMISED_ESTIMATE and not notice.offers_gfe_request
    assert "receipt" in notice.what_you_get


def test_a_changed_gfe_is_due_1_business_day_before_the_visit():
    deadline = gfe_deadline(asked_on=TODAY, first_visit=D("2026-12-07"), renewal=True)
    assert deadline.rule is DeadlineRule.RENEWED
    assert deadline.due == deadline.renew_by == D("2026-12-04")  # the Friday before
    late = gfe_deadline(asked_on=D("2026-12-07"), first_visit=D("2026-12-07"), renewal=True)
    assert late.due == D("2026-12-07")  # a change that late is owed at once
    assert decide(renewal=True).deadline.rule is DeadlineRule.RENEWED
