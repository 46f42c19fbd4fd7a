"""Which notice a patient is owed, and by when: decided here only, used by the page, admin and API.

- A US patient who pays themselves (uninsured, or insured and choosing not to use the plan) is
  owed a Good Faith Estimate (No Surprises Act, 45 CFR 149.610), on the deadlines below.
- Medicare and Medicaid enrollees are never owed one: where Medicare is not expected to pay for a
  service, the clinic may charge for it only with an Advance Beneficiary Notice (ABN, CMS-R-131)
  signed before the service.
- In Canada the Act does not apply: an itemised estimate, and after care a receipt an
  extended-health plan accepts for a claim.
- A US patient using their plan gets the estimate and is told to check it with the plan.

Pure: plain values in, a frozen Notice out; no database, no clock (today is an argument). The
words are in the active language (the patient's page or document; English for the API and admin).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from estimator.business_days import business_days_after, business_days_before
from estimator.formatting import date_text


class NoticeKind(StrEnum):
    """What the patient gets besides the estimate itself."""

    GOOD_FAITH_ESTIMATE = "good_faith_estimate"
    ABN = "abn"
    MEDICARE_MEDICAID = "medicare_medicaid"
    ITEMISED_ESTIMATE = "itemised_estimate"
    CHECK_WITH_PLAN = "check_with_plan"


class DeadlineRule(StrEnum):
    """Which clause of 45 CFR 149.610(b)(1) sets the Good Faith Estimate's deadline."""

    REQUESTED = "requested"  # on request: within 3 business days of it
    SCHEDULED_3_DAYS = "scheduled_3_days"  # 3 to 9 business days ahead: within 1 business day
    SCHEDULED_10_DAYS = "scheduled_10_days"  # 10 or more ahead: within 3 business days
    NOT_REQUIRED = "not_required"  # fewer than 3 business days ahead: none required
    RENEWED = "renewed"  # a changed GFE: at least 1 business day before the service
    BEFORE_SERVICE = "before_service"  # an ABN: signed before the service


# Business days, 45 CFR 149.610(b)(1)(vi).
REQUESTED_WITHIN = 3
SCHEDULED_AHEAD_SHORT, SCHEDULED_SHORT_WITHIN = 3, 1
SCHEDULED_AHEAD_LONG, SCHEDULED_LONG_WITHIN = 10, 3
# A changed scope, charges, frequency or provider: a new GFE at least 1 business day before.
RENEW_BEFORE = 1


@dataclass(frozen=True)
class Deadline:
    """When the notice is owed: the rule that sets it, the date (None: not owed) and why."""

    rule: DeadlineRule
    due: dt.date | None
    renew_by: dt.date | None
    text: str


@dataclass(frozen=True)
class Notice:
    """The notice for one patient and plan of care."""

    kind: NoticeKind
    title: str
    what_you_get: str
    deadline: Deadline | None

    @property
    def offers_gfe_request(self) -> bool:
        """Whether the patient may ask for a Good Faith Estimate now, to have it before care."""
        return (
            self.kind is NoticeKind.GOOD_FAITH_ESTIMATE
            and self.deadline is not None
            and self.deadline.due is not None
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the API's notice field."""
        data = asdict(self)
        data["kind"] = self.kind.value
        if self.deadline is not None:
            data["deadline"]["rule"] = self.deadline.rule.value
        return data


@dataclass(frozen=True)
class NoticeFacts:
    """What decides the notice. payer_kind is the plan's (also a Medicare plan named by a
    self-pay patient); uncovered and abn are service names from the priced lines."""

    country: str
    coverage_mode: str
    payer_kind: str | None
    first_visit: dt.date
    uncovered: tuple[str, ...] = ()
    abn: tuple[str, ...] = ()
    renewal: bool = False  # it replaces a GFE already given (scope, charges or details changed)


def gfe_deadline(
    *, asked_on: dt.date, first_visit: dt.date | None, renewal: bool = False
) -> Deadline:
    """When a Good Faith Estimate is owed, asked for (or scheduled, or changed) on asked_on.

    A request from the quote page names the first visit the patient wants, so both clauses
    apply and the earlier date is promised: it never falls after the first visit.
    """
    if renewal and first_visit is not None:
        renew_by = business_days_before(first_visit, RENEW_BEFORE)
        due = max(renew_by, asked_on)  # a change that late is owed at once
        return Deadline(
            DeadlineRule.RENEWED,
            due,
            renew_by,
            ngettext(
                "This replaces an earlier Good Faith Estimate: due by %(due)s, at least "
                "%(days)s business day before the first visit on %(first_visit)s.",
                "This replaces an earlier Good Faith Estimate: due by %(due)s, at least "
                "%(days)s business days before the first visit on %(first_visit)s.",
                RENEW_BEFORE,
            )
            % {"due": date_text(due), "days": RENEW_BEFORE, "first_visit": date_text(first_visit)},
        )
    requested = business_days_after(asked_on, REQUESTED_WITHIN)
    if first_visit is None:
        return Deadline(
            DeadlineRule.REQUESTED,
            requested,
            None,
            ngettext(
                "Within %(days)s business day of the request: by %(due)s.",
                "Within %(days)s business days of the request: by %(due)s.",
                REQUESTED_WITHIN,
            )
            % {"days": REQUESTED_WITHIN, "due": date_text(requested)},
        )
    if asked_on > business_days_before(first_visit, SCHEDULED_AHEAD_SHORT):
        return Deadline(
            DeadlineRule.NOT_REQUIRED,
            None,
            None,
            _(
                "Your first visit, %(first_visit)s, is fewer than %(days)s business days away, so "
                "no Good Faith Estimate is required before it. To receive one first, choose a "
                "visit at least %(days)s business days ahead."
            )
            % {"first_visit": date_text(first_visit), "days": SCHEDULED_AHEAD_SHORT},
        )
    renew_by = business_days_before(first_visit, RENEW_BEFORE)
    renew = ngettext(
        "If the services, charges, frequency or providers change, you get a new one by "
        "%(renew_by)s, at least %(days)s business day before your first visit.",
        "If the services, charges, frequency or providers change, you get a new one by "
        "%(renew_by)s, at least %(days)s business days before your first visit.",
        RENEW_BEFORE,
    ) % {"renew_by": date_text(renew_by), "days": RENEW_BEFORE}
    if asked_on <= business_days_before(first_visit, SCHEDULED_AHEAD_LONG):
        rule, within = DeadlineRule.SCHEDULED_10_DAYS, SCHEDULED_LONG_WITHIN
        ahead = _("%(days)s or more business days away") % {"days": SCHEDULED_AHEAD_LONG}
    else:
        rule, within = DeadlineRule.SCHEDULED_3_DAYS, SCHEDULED_SHORT_WITHIN
        ahead = _("%(fewest)s to %(most)s business days away") % {
            "fewest": SCHEDULED_AHEAD_SHORT,
            "most": SCHEDULED_AHEAD_LONG - 1,
        }
    due = min(requested, business_days_after(asked_on, within))
    by = ngettext(
        "By %(due)s: within %(days)s business day, since your first visit is %(ahead)s.",
        "By %(due)s: within %(days)s business days, since your first visit is %(ahead)s.",
        within,
    ) % {"due": date_text(due), "days": within, "ahead": ahead}
    return Deadline(rule, due, renew_by, f"{by} {renew}")


def _listed(names: Sequence[str]) -> str:
    names = list(dict.fromkeys(names))
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def notice_decide(*, facts: NoticeFacts, today: dt.date, clinic_name: str) -> Notice:
    """The one notice this patient is owed, with its deadline."""
    if facts.country != "US":
        return Notice(
            NoticeKind.ITEMISED_ESTIMATE,
            _("Itemised estimate, then receipts for your plan"),
            _(
                "This itemised estimate now and, after each visit, a receipt your extended-health "
                "plan accepts for a claim: the practitioner's name, profession and registration "
                "number, the date, the treatment and the amount paid. (The Good Faith Estimate "
                "is a US requirement and does not apply in Canada.)"
            ),
            None,
        )
    if facts.payer_kind in ("medicare", "medicaid"):
        return _public_program(facts)
    if facts.coverage_mode == "self_pay":
        return Notice(
            NoticeKind.GOOD_FAITH_ESTIMATE,
            _("Good Faith Estimate"),
            _(
                "As you are paying yourself (uninsured, or choosing not to use your plan), you "
                "are entitled to a Good Faith Estimate from %(clinic)s: a written estimate "
                "listing each expected service with its billing and diagnosis codes and expected "
                "charge. If your bill is $400 or more above it, you may dispute the bill."
            )
            % {"clinic": clinic_name},
            gfe_deadline(asked_on=today, first_visit=facts.first_visit, renewal=facts.renewal),
        )
    parts = [
        _(
            "This estimate of what your plan and you would pay. Check it with your plan before "
            "your first visit: what the plan pays is decided when the claim is processed."
        )
    ]
    if facts.uncovered:
        parts.append(
            _("Your plan is not expected to cover %(services)s: you would pay for it.")
            % {"services": _listed(facts.uncovered)}
        )
    parts.append(
        _(
            "If you decide not to use your plan, choose to pay yourself: you are then entitled "
            "to a Good Faith Estimate."
        )
    )
    return Notice(
        NoticeKind.CHECK_WITH_PLAN, _("Estimate for your insurance plan"), " ".join(parts), None
    )


def _public_program(facts: NoticeFacts) -> Notice:
    # Program names stay as they are: they are the programs' own names in every language.
    program = "Medicare" if facts.payer_kind == "medicare" else "Medicaid"
    no_gfe = _("%(program)s patients do not get a Good Faith Estimate.") % {"program": program}
    if facts.abn:
        what = _(
            "Medicare is not expected to pay for %(services)s. Before that service the clinic "
            "asks you to sign an Advance Beneficiary Notice of Non-coverage (ABN, form "
            "CMS-R-131) that says why and what it costs; you then decide whether to have it and "
            "pay for it yourself. Medicare is billed for what it covers."
        ) % {"services": _listed(facts.abn)}
        return Notice(
            NoticeKind.ABN,
            _("Advance Beneficiary Notice (ABN)"),
            f"{what} {no_gfe}",
            Deadline(
                DeadlineRule.BEFORE_SERVICE,
                facts.first_visit,
                None,
                _("Signed before the service, at the latest at your first visit on %(date)s.")
                % {"date": date_text(facts.first_visit)},
            ),
        )
    if facts.coverage_mode == "self_pay" and program == "Medicare":
        what = _(
            "A clinic that takes part in Medicare must bill Medicare for the services it covers "
            "rather than sell them to you: ask for an estimate with your Medicare plan. For a "
            "service Medicare will not pay for, the clinic gives you an Advance Beneficiary "
            "Notice (ABN) to sign before it."
        )
    else:
        what = _(
            "This estimate. The clinic bills %(program)s; you pay the share shown. Check with "
            "%(program)s if you are unsure of your coverage."
        ) % {"program": program}
    title = _("Estimate for %(program)s") % {"program": program}
    return Notice(NoticeKind.MEDICARE_MEDICAID, title, f"{what} {no_gfe}", None)


def priced_services(result: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(uncovered, needing an ABN): service names from an estimate's JSON (primary scenario)."""
    uncovered: list[str] = []
    abn: list[str] = []
    primary = (result.get("scenarios") or {}).get("primary") or {}
    for session in primary.get("sessions", ()):
        for line in session.get("lines", ()):
            if line.get("treatment") == "not_covered":
                uncovered.append(line["name"])
            if any(a.get("code") == "abn_required" for a in line.get("adjustments", ())):
                abn.append(line["name"])
    return tuple(dict.fromkeys(uncovered)), tuple(dict.fromkeys(abn))
