"""Medicare claim details: therapy and acupuncture modifiers, and the acupuncture visit rules.

NCD 30.3.3 (Medicare NCD Manual, pub. 100-03, ch. 1 §30.3.3) pays acupuncture for chronic
low-back pain for "up to 12 visits in 90 days", "an additional 8 sessions ... for those
patients demonstrating an improvement", and "no more than 20 acupuncture treatments may be
administered annually". The limits themselves are plan data (a code-set limit with
certain_visits=12, max_visits=20, counted per benefit year, which for Part B is the calendar
year); here sessions 13 to 20 get the KX modifier. Codes that are always therapy under a
physical therapy plan of care carry GP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from .money import ZERO, format_money
from .phrases import gettext_noop
from .types import (
    Adjustment,
    BillingCode,
    EstimateWarning,
    Line,
    PlanTerms,
    Session,
    Standing,
    Treatment,
)

ACUPUNCTURE_CODES = frozenset({"97810", "97811", "97813", "97814"})
INITIAL_AFTER_NINETY_DAYS = 12
WINDOW = timedelta(days=90)
CURRENCY = "USD"  # Medicare pays in US dollars only

MORE_THAN_TWELVE = EstimateWarning(
    "medicare_acupuncture_12_in_90",
    gettext_noop(
        "Medicare pays for more than 12 acupuncture sessions in 90 days only if your low-back "
        "pain is improving; sessions 13 to 20 are billed with the KX modifier and may be "
        "reviewed."
    ),
)
ABN_NOTE = gettext_noop(
    "%(money_patient_pays)s for %(name_line)s may be charged to you only if you sign an Advance "
    "Beneficiary Notice (ABN, form CMS-R-131) before the service; without one the claim carries "
    "GZ and the clinic cannot bill you."
)
THERAPY_REVIEW = gettext_noop(
    "Your therapy this year passes Medicare's %(money_threshold)s review threshold: claims carry "
    "the KX modifier (the therapy is medically necessary) and Medicare may review the records "
    "before paying."
)
THERAPY_THRESHOLD = gettext_noop(
    "Your therapy this year passes Medicare's %(money_threshold)s threshold: claims carry the KX "
    "modifier, confirming the therapy is medically necessary and documented."
)


def is_always_therapy(code: str) -> bool:
    """An outpatient therapy code (97xxx other than acupuncture, and G0283)."""
    return code == "G0283" or (code.startswith("97") and code not in ACUPUNCTURE_CODES)


_is_therapy = is_always_therapy


def _is_acupuncture(line: Line) -> bool:
    return any(b.code in ACUPUNCTURE_CODES for b in line.billing)


# Reasons a Medicare line is not paid where the patient may be charged only with a signed
# ABN (CMS-R-131): expected denials (provider not qualified, frequency limits, no coverage
# for the indication). Statutory exclusions (GY) need none.
ABN_REASONS = frozenset(
    {
        "abn_required",
        "not_covered",
        "visit_limit",
        "code_set_limit",
        "needs_improvement_assumed_not_covered",
        "prior_auth_assumed_not_covered",
        "coverage_unknown_assumed_not_covered",
    }
)


def _denied_modifiers(line: Line) -> Line:
    """GY on statutory exclusions; GA and an ABN note where an ABN lets the clinic charge."""
    reasons = {a.code for a in line.adjustments}
    if "statutorily_excluded" in reasons:
        return _add_modifier(line, "GY")
    if not reasons & ABN_REASONS:
        return line
    line = _add_modifier(line, "GA")
    if "abn_required" in reasons:
        return line
    note = Adjustment(
        "abn_required",
        ABN_NOTE
        % {
            "money_patient_pays": format_money(line.patient_pays, CURRENCY),
            "name_line": line.name,
        },
        line.patient_pays,
    )
    return replace(line, adjustments=(*line.adjustments, note))


def _add_modifier(line: Line, modifier: str) -> Line:
    billing = tuple(
        BillingCode(b.code, b.units, tuple(dict.fromkeys((*b.modifiers, modifier))))
        for b in line.billing
    )
    return replace(line, billing=billing)


def _with_modifiers(line: Line, acupuncture_kx: bool, therapy_kx: bool) -> Line:
    if line.treatment is Treatment.NOT_COVERED:
        return _denied_modifiers(line)
    if line.treatment is not Treatment.COVERED:
        return line
    billing = []
    for code in line.billing:
        modifiers = list(code.modifiers)
        therapy = _is_therapy(code.code)
        if therapy and "GP" not in modifiers:
            modifiers.append("GP")
        kx = (therapy and therapy_kx) or (acupuncture_kx and code.code in ACUPUNCTURE_CODES)
        if kx and "KX" not in modifiers:
            modifiers.append("KX")
        billing.append(BillingCode(code.code, code.units, tuple(modifiers)))
    return replace(line, billing=tuple(billing))


def _is_covered_therapy(line: Line) -> bool:
    return line.treatment is Treatment.COVERED and any(_is_therapy(b.code) for b in line.billing)


def apply_medicare_claim_rules(
    sessions: Sequence[Session], terms: PlanTerms, standing: Standing, standing_year: date | None
) -> tuple[tuple[Session, ...], list[EstimateWarning]]:
    """Add GP, KX, GA and GY modifiers to Medicare lines; warn past 12 acupuncture visits.

    KX goes on acupuncture covered only with documented improvement (visits 13-20 of a
    code-set limit with certain_visits): the limit counts acupuncture sessions, not visits.
    KX also goes on therapy lines (GP codes) once the year's therapy allowed amounts, from
    the patient's therapy spend so far, pass the plan's KX threshold.
    """
    warnings: list[EstimateWarning] = []
    window_dates: list[date] = []
    year: date | None = None
    spend = ZERO
    out = []
    for session in sessions:
        if session.benefit_year_start != year:
            year = session.benefit_year_start
            spend = standing.therapy_spend if year == standing_year else ZERO
        acupuncture = any(
            _is_acupuncture(line) and line.treatment is Treatment.COVERED for line in session.lines
        )
        if acupuncture:
            window_dates = [d for d in window_dates if session.on - d < WINDOW] + [session.on]
            if len(window_dates) > INITIAL_AFTER_NINETY_DAYS and MORE_THAN_TWELVE not in warnings:
                warnings.append(MORE_THAN_TWELVE)
        lines = []
        for line in session.lines:
            past = False
            if _is_covered_therapy(line):
                spend += line.allowed
                past = _passes(terms.therapy_kx_threshold, spend)
                if past:
                    warnings.append(_threshold_warning(terms, spend))
            lines.append(_with_modifiers(line, _needs_improvement(line), past))
        out.append(replace(session, lines=tuple(lines)))
    return tuple(out), list(dict.fromkeys(warnings))


def _passes(threshold: Decimal | None, spend: Decimal) -> bool:
    return threshold is not None and spend > threshold


def _threshold_warning(terms: PlanTerms, spend: Decimal) -> EstimateWarning:
    kx = format_money(terms.therapy_kx_threshold or ZERO, CURRENCY)
    if _passes(terms.therapy_review_threshold, spend):
        review = format_money(terms.therapy_review_threshold or ZERO, CURRENCY)
        return EstimateWarning(
            "medicare_therapy_review",
            THERAPY_REVIEW % {"money_threshold": review},
        )
    return EstimateWarning(
        "medicare_therapy_threshold",
        THERAPY_THRESHOLD % {"money_threshold": kx},
    )


def _needs_improvement(line: Line) -> bool:
    return any(a.code == "needs_improvement_assumed_covered" for a in line.adjustments)
