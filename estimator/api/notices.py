"""The notice field of quotes and estimates (what the patient is owed, by when) and the billing
field of stored estimates (how the current bill compares with the estimate)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from estimator.models import Estimate
from estimator.notices import DeadlineRule, Notice, NoticeKind
from estimator.reconciliation import BillStatus, estimate_billing, estimate_not_billed

from .fields import MoneyOutField, date_out, money_out


class DeadlineOut(serializers.Serializer):
    """When the notice is owed (45 CFR 149.610 for a Good Faith Estimate)."""

    rule = serializers.ChoiceField(
        choices=[r.value for r in DeadlineRule],
        help_text="requested: within 3 business days of the request; scheduled_3_days: first "
        "visit 3-9 business days ahead, within 1 business day; scheduled_10_days: 10 or more "
        "ahead, within 3 business days; not_required: fewer than 3 business days ahead; "
        "renewed: replaces an earlier GFE, due at least 1 business day before the first visit; "
        "before_service: an ABN, signed before the service.",
    )
    due = serializers.DateField(allow_null=True, help_text="null: not owed before the visit.")
    renew_by = serializers.DateField(
        allow_null=True,
        help_text="If the scope changes, a new Good Faith Estimate is owed by this day.",
    )
    text = serializers.CharField()


class NoticeOut(serializers.Serializer):
    """What the patient gets besides the estimate: decided by estimator.notices."""

    kind = serializers.ChoiceField(
        choices=[k.value for k in NoticeKind],
        help_text="good_faith_estimate (US self-pay or uninsured), abn (Medicare, a service "
        "not covered), medicare_medicaid (no GFE), itemised_estimate (Canada: then receipts "
        "for the extended-health plan), check_with_plan (US insured).",
    )
    title = serializers.CharField()
    what_you_get = serializers.CharField()
    deadline = DeadlineOut(allow_null=True)


def notice_out(notice: Notice) -> dict[str, Any]:
    """The notice as JSON-ready data (dates as ISO strings): what NoticeOut writes of
    notice.as_dict(), built directly; the serializer, bound and copied per call, took longer
    than deciding the notice (tests/api/test_estimate_output.py holds the two equal)."""
    deadline = notice.deadline
    return {
        "kind": str(notice.kind.value),
        "title": str(notice.title),
        "what_you_get": str(notice.what_you_get),
        "deadline": None
        if deadline is None
        else {
            "rule": str(deadline.rule.value),
            "due": date_out(deadline.due),
            "renew_by": date_out(deadline.renew_by),
            "text": str(deadline.text),
        },
    }


class BillingOut(serializers.Serializer):
    """The estimate against its current bill."""

    status = serializers.ChoiceField(
        choices=list(BillStatus.choices),
        help_text="not_billed; within (every provider under $400 above the GFE); "
        "over_threshold (a provider billed $400 or more above: the patient may dispute, "
        "45 CFR 149.620); no_gfe (billed, but the patient was not owed a GFE).",
    )
    bill_date = serializers.DateField(allow_null=True)
    over_by = MoneyOutField(
        allow_null=True, help_text="The largest amount a provider billed above its GFE amount."
    )
    dispute_deadline = serializers.DateField(
        allow_null=True, help_text="120 calendar days after the bill date, when over_threshold."
    )


def billing_out(estimate: Estimate, *, just_stored: bool = False) -> dict[str, Any]:
    """The billing field of a stored estimate, as JSON-ready data (just stored: not billed):
    what BillingOut writes, built directly, as notice_out is."""
    billing = estimate_not_billed() if just_stored else estimate_billing(estimate=estimate)
    over_by = billing["over_by"]
    return {
        "status": str(billing["status"]),
        "bill_date": date_out(billing["bill_date"]),
        "over_by": None if over_by is None else money_out(over_by),
        "dispute_deadline": date_out(billing["dispute_deadline"]),
    }
