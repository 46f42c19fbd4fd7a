"""The notice field of quotes and stored estimates: what the patient is owed, and by when."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from estimator.notices import DeadlineRule, Notice, NoticeKind


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
    """The notice as JSON-ready data (dates as ISO strings)."""
    return dict(NoticeOut(notice.as_dict()).data)
