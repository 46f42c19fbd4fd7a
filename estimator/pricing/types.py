"""Frozen values in and out of the engine: plan request, catalog, coverage, estimate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

ZERO = Decimal("0")


class Basis(StrEnum):
    """How a code is billed: once per session (untimed) or per 15-minute unit (timed)."""

    SESSION = "session"
    UNIT = "unit"


class LineKind(StrEnum):
    """What a line bills: the session's service or one of its add-ons."""

    SERVICE = "service"
    ADDON = "addon"


class PlanKind(StrEnum):
    """The payer family; Medicare changes codes, bundling and the unit rule."""

    COMMERCIAL = "commercial"
    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    CA_EXTENDED_HEALTH = "ca_extended_health"
    OTHER = "other"


class Network(StrEnum):
    """Whether the clinic is in the plan's network."""

    IN = "in"
    OUT = "out"


class UnitRule(StrEnum):
    """How timed minutes become 15-minute units."""

    EIGHT_MINUTE = "eight_minute"
    MIDPOINT = "midpoint"


class CopayDesign(StrEnum):
    """How a plan's copay and deductible combine on a covered visit."""

    # Copay first (not subject to the deductible), then the deductible on the rest, then
    # coinsurance.
    COPAY_THEN_DEDUCTIBLE = "copay_then_deductible"
    # The copay replaces the deductible for the visit: the deductible is waived, coinsurance
    # (often 0) applies to the rest.
    COPAY_WAIVES_DEDUCTIBLE = "copay_waives_deductible"
    # No copay: the deductible, then coinsurance.
    DEDUCTIBLE_THEN_COINSURANCE = "deductible_then_coinsurance"


class CoverageStatus(StrEnum):
    """What the plan says about one code."""

    COVERED = "covered"
    NOT_COVERED = "not_covered"
    PRIOR_AUTH = "prior_auth"
    UNKNOWN = "unknown"


class Treatment(StrEnum):
    """How a line was actually priced in a scenario."""

    SELF_PAY = "self_pay"
    PACKAGE = "package"
    COVERED = "covered"
    NOT_COVERED = "not_covered"
    BUNDLED = "bundled"
    WRITTEN_OFF = "written_off"


class Denial(StrEnum):
    """Why a plan does not pay for a code, where that changes who may be billed."""

    # Medicare expects to deny it (not reasonable and necessary, or a provider it does not
    # pay, such as dry needling by a physical therapist): the patient may be charged only
    # with a signed ABN (CMS-R-131); the claim carries GA.
    ABN_REQUIRED = "abn_required"
    # Never a Medicare benefit (excluded by law): the patient pays, no ABN needed; GY.
    STATUTORY = "statutory_exclusion"
    # Incidental to another service: in network the clinic writes it off by contract.
    BUNDLED = "bundled"
    # Experimental or investigational: billable to the member only with a signed waiver.
    INVESTIGATIONAL = "investigational"


class AllowedKind(StrEnum):
    """An allowed amount is a fixed fee (per unit for timed codes) or a percent of the charge."""

    FIXED = "fixed"
    PERCENT = "percent"


# ---- catalog -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PricePeriod:
    """A price valid from effective_from (inclusive) to effective_to (exclusive, None = open)."""

    effective_from: date
    effective_to: date | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ServiceDef:
    """A bookable service; prices are per session at each offered duration (minutes)."""

    code: str
    name: str
    billing_code: str
    prices: Mapping[int, tuple[PricePeriod, ...]]
    basis: Basis = Basis.SESSION
    additional_unit_code: str | None = None
    usually_covered: bool = False
    # Booked minutes -> personal one-on-one contact minutes, which timed units count
    # (acupuncture: needles rest 20-30 minutes without the practitioner). Lengths not listed
    # are all contact time. Scheduling and the session-length check use the booked minutes.
    contact_minutes: Mapping[int, int] = field(default_factory=dict)

    def contact(self, booked: int) -> int:
        """The minutes that count toward timed units for a booking of this length."""
        return self.contact_minutes.get(booked, booked)


@dataclass(frozen=True, slots=True)
class AddonDef:
    """An add-on to a session; prices are per session or per 15-minute unit (basis)."""

    code: str
    name: str
    billing_code: str
    prices: tuple[PricePeriod, ...]
    allowed_services: frozenset[str]
    basis: Basis = Basis.SESSION
    minutes: int = 0
    usually_covered: bool = False
    medicare_billing_code: str | None = None
    medicare_bundled: bool = False


@dataclass(frozen=True, slots=True)
class PackageDef:
    """A prepaid bundle of sessions of one service, usable for valid_days from first use."""

    code: str
    name: str
    service_code: str
    sessions: int
    price: Decimal
    valid_days: int
    duration_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class SelfPayDiscount:
    """The clinic's cash discount; optionally also on services insurance does not cover."""

    percent: Decimal = ZERO
    applies_to_uncovered: bool = False


@dataclass(frozen=True, slots=True)
class CatalogSnapshot:
    """What the clinic's catalog says for the plan's dates."""

    currency: str
    services: Mapping[str, ServiceDef]
    addons: Mapping[str, AddonDef] = field(default_factory=dict)
    packages: tuple[PackageDef, ...] = ()
    max_session_minutes: int = 60
    self_pay_discount: SelfPayDiscount = SelfPayDiscount()

    def only(self, service_codes: Iterable[str], addon_codes: Iterable[str]) -> CatalogSnapshot:
        """The part a plan names: its services, add-ons and their packages (what is kept)."""
        services = set(service_codes)
        addons = set(addon_codes)
        return replace(
            self,
            services={c: d for c, d in self.services.items() if c in services},
            addons={c: d for c, d in self.addons.items() if c in addons},
            packages=tuple(p for p in self.packages if p.service_code in services),
        )


# ---- request -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanItem:
    """A run of identical sessions: one service at one duration, with add-ons."""

    service_code: str
    duration_minutes: int
    sessions: int = 1
    addon_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """The treatment plan: items done in order, from start_date, sessions_per_week apart."""

    items: tuple[PlanItem, ...]
    sessions_per_week: int
    start_date: date


# ---- coverage ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllowedAmount:
    """The plan's allowed amount for a code.

    A fee schedule prices each code on its own: for a first-unit code with an add-on code for
    each further 15 minutes (97810 + 97811), `value` is the first unit's fee and `additional`
    the fee of each additional unit (37.03 and 28.47 in Medicare's 2020 national rates).
    None: every unit at `value`.
    """

    kind: AllowedKind
    value: Decimal
    additional: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CoverageRule:
    """The plan's answer for one code: status, optional allowed amount, and a note for people."""

    status: CoverageStatus
    allowed: AllowedAmount | None = None
    note: str = ""
    denial: Denial | None = None


@dataclass(frozen=True, slots=True)
class CodeSetLimit:
    """A visit limit that counts only visits billing one of its codes (e.g. acupuncture).

    A visit counts once toward the limit when any covered line bills a code of the set; past
    max_visits in a benefit year those lines are not covered. Other lines of the visit are
    not affected: Medicare's 20 acupuncture visits do not limit its therapy visits.
    """

    key: str
    name: str
    codes: frozenset[str]
    max_visits: int
    # Visits covered without conditions; later ones (up to max_visits) are covered only with
    # documented improvement (NCD 30.3.3: 12, then 8 more), so an estimate prices them as a
    # range. None: every visit up to max_visits is covered.
    certain_visits: int | None = None


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """Benefit terms of an insurance plan; rules are keyed by ("service"|"addon", code)."""

    kind: PlanKind
    network: Network
    currency: str
    deductible: Decimal = ZERO
    coinsurance_percent: Decimal = ZERO
    copay: Decimal | None = None
    copay_design: CopayDesign = CopayDesign.COPAY_THEN_DEDUCTIBLE
    oop_max: Decimal | None = None
    benefit_year_start: tuple[int, int] = (1, 1)
    visit_limit: int | None = None
    code_set_limits: tuple[CodeSetLimit, ...] = ()
    per_visit_max: Decimal | None = None
    annual_max: Decimal | None = None
    reimbursement_percent: Decimal | None = None
    unit_rule: UnitRule | None = None
    rules: Mapping[tuple[str, str], CoverageRule] = field(default_factory=dict)
    # Medicare outpatient therapy (PT and SLP combined): past the KX threshold ($2,480 in
    # 2026) claims carry KX; past the review threshold ($3,000) they may be reviewed.
    therapy_kx_threshold: Decimal | None = None
    therapy_review_threshold: Decimal | None = None
    # Multiple-procedure payment reduction: the percent of a fixed fee cut from each "always
    # therapy" unit after the day's first. Medicare cuts 50% of the practice-expense part of
    # the fee; one plan-wide percent (50% x a typical PE share) approximates per-code PE shares.
    mppr_percent: Decimal | None = None

    @property
    def effective_unit_rule(self) -> UnitRule:
        """The unit rule; Medicare defaults to the 8-minute rule, others to midpoint."""
        if self.unit_rule is not None:
            return self.unit_rule
        return UnitRule.EIGHT_MINUTE if self.kind is PlanKind.MEDICARE else UnitRule.MIDPOINT

    @property
    def patient_percent(self) -> Decimal:
        """The patient's share after the deductible (100 - reimbursement % when given)."""
        if self.reimbursement_percent is not None:
            return Decimal(100) - self.reimbursement_percent
        return self.coinsurance_percent


@dataclass(frozen=True, slots=True)
class Standing:
    """Where the patient stands in the benefit year containing `as_of`."""

    deductible_met: Decimal = ZERO
    oop_met: Decimal = ZERO
    visits_used: int = 0
    annual_max_used: Decimal = ZERO
    # Allowed amounts of outpatient therapy already this year (Medicare's KX threshold).
    therapy_spend: Decimal = ZERO
    # Visits already counted toward each code-set limit, by the limit's key.
    limit_visits_used: Mapping[str, int] = field(default_factory=dict)
    # The day these figures were true (the clinic's today): they belong to the benefit year
    # containing it, and a plan starting in a later benefit year starts that year from zero.
    # None: the benefit year of the first session.
    as_of: date | None = None


@dataclass(frozen=True, slots=True)
class SelfPay:
    """The patient pays the clinic directly.

    medicare: the terms of the patient's Medicare plan when they are a beneficiary. A
    participating provider must submit claims for Medicare-covered services (Medicare Benefit
    Policy Manual, ch. 15 §40), so the estimate says so for those codes.
    """

    medicare: PlanTerms | None = None


@dataclass(frozen=True, slots=True)
class Insured:
    """Verified insurance."""

    terms: PlanTerms
    standing: Standing = Standing()


@dataclass(frozen=True, slots=True)
class Unverified:
    """Insurance terms given but coverage not verified: the estimate is a range."""

    terms: PlanTerms
    standing: Standing = Standing()


Coverage = SelfPay | Insured | Unverified


# ---- estimate ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One step that moved money on a line: code, plain-English reason, amount (never negative)."""

    code: str
    message: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class BillingCode:
    """A claim code with its units and modifiers."""

    code: str
    units: int
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Line:
    """One priced line; patient_pays + plan_pays + written_off == charge - discount."""

    kind: LineKind
    code: str
    name: str
    billing: tuple[BillingCode, ...]
    coverage_status: str
    treatment: Treatment
    charge: Decimal
    discount: Decimal
    allowed: Decimal
    copay: Decimal
    deductible: Decimal
    coinsurance: Decimal
    uncovered: Decimal
    above_allowed: Decimal
    balance_billed: Decimal
    written_off: Decimal
    plan_pays: Decimal
    patient_pays: Decimal
    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums of rounded line figures."""

    charge: Decimal = ZERO
    discount: Decimal = ZERO
    allowed: Decimal = ZERO
    copay: Decimal = ZERO
    deductible: Decimal = ZERO
    coinsurance: Decimal = ZERO
    uncovered: Decimal = ZERO
    above_allowed: Decimal = ZERO
    balance_billed: Decimal = ZERO
    written_off: Decimal = ZERO
    plan_pays: Decimal = ZERO
    patient_pays: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Session:
    """One dated visit with its lines."""

    number: int
    on: date
    item_index: int
    benefit_year_start: date | None
    lines: tuple[Line, ...]
    totals: Totals


@dataclass(frozen=True, slots=True)
class PackagePurchase:
    """A package bought for the plan, the sessions it pays for and what it saves."""

    code: str
    name: str
    price: Decimal
    sessions_included: int
    session_numbers: tuple[int, ...]
    first_use: date
    valid_until: date
    singles_cost: Decimal
    savings: Decimal


@dataclass(frozen=True, slots=True)
class EstimateWarning:
    """Something the patient or clinic should know, with a machine code."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """A full pricing of the plan under one set of assumptions."""

    name: str
    assumptions: tuple[str, ...]
    sessions: tuple[Session, ...]
    totals: Totals
    packages: tuple[PackagePurchase, ...] = ()


@dataclass(frozen=True, slots=True)
class Estimate:
    """The priced plan: primary is the dependable (worst-case) scenario, best the other end."""

    currency: str
    coverage: str
    schedule: tuple[date, ...]
    primary: Scenario
    best: Scenario | None
    assumptions: tuple[str, ...]
    warnings: tuple[EstimateWarning, ...]
    # A Medicare patient may be charged for a line only with a signed ABN (CMS-R-131).
    abn_required: bool = False
    # A line denied as investigational is billable only with the patient's signed waiver.
    waiver_required: bool = False

    @property
    def is_range(self) -> bool:
        """True when coverage is uncertain and the estimate is a best-to-worst range."""
        return self.best is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; money as {"amount": "12.34", "currency": "USD"}."""
        # Imported here because serialise imports this module.
        from .serialise import estimate_to_dict

        return estimate_to_dict(self)
