"""Small line rules run in order; each moves money on a draft line and says why."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from .catalog import PricedLine
from .ledger import Ledger, Visit
from .medicare import is_always_therapy
from .money import ZERO, Rounder, format_money, percent_of
from .phrases import gettext_noop
from .types import (
    Adjustment,
    AllowedKind,
    CopayDesign,
    Network,
    PlanKind,
    PlanTerms,
    SelfPayDiscount,
)


class Draft:
    """A line being priced; rules fill it in, the engine freezes it into a Line."""

    __slots__ = (
        "above_allowed",
        "adjustments",
        "allowed",
        "balance_billed",
        "charge",
        "coinsurance",
        "coinsurance_base",
        "copay",
        "deductible",
        "deductible_applied",
        "deductible_left",
        "discount",
        "oop_note",
        "package_share",
        "plan_pays",
        "priced",
        "uncovered",
        "written_off",
    )

    def __init__(self, priced: PricedLine) -> None:
        self.priced = priced
        self.charge = priced.charge
        self.discount = self.allowed = self.copay = self.deductible = self.coinsurance = ZERO
        self.uncovered = self.above_allowed = self.balance_billed = self.written_off = ZERO
        self.plan_pays = ZERO
        # What the cost-sharing sentences need once the out-of-pocket cap has applied.
        self.deductible_left = self.deductible_applied = self.coinsurance_base = ZERO
        self.oop_note: Adjustment | None = None
        self.package_share: tuple[str, Decimal, Decimal, int, int] | None = None
        self.adjustments: list[Adjustment] = []

    def note(self, code: str, message: str, amount: Decimal) -> None:
        """Record an adjustment."""
        self.adjustments.append(Adjustment(code, message, amount))

    @property
    def cost_share(self) -> Decimal:
        """The patient's in-plan share: copay + deductible + coinsurance."""
        return self.copay + self.deductible + self.coinsurance

    @property
    def patient_pays(self) -> Decimal:
        """Everything the patient owes on this line."""
        return self.cost_share + self.uncovered + self.balance_billed


class Context:
    """What the rules read: plan terms, clinic discount, running ledger and visit."""

    __slots__ = ("currency", "discount", "ledger", "round", "terms", "visit")

    def __init__(
        self,
        currency: str,
        rounder: Rounder,
        discount: SelfPayDiscount,
        terms: PlanTerms | None,
        ledger: Ledger,
    ) -> None:
        self.currency = currency
        self.round = rounder
        self.discount = discount
        self.terms = terms
        self.ledger = ledger
        self.visit = Visit(None)

    def money(self, amount: Decimal) -> str:
        """Format an amount for a sentence."""
        return format_money(amount, self.currency)

    def plan(self) -> PlanTerms:
        """The plan terms; only covered-line rules call this."""
        assert self.terms is not None
        return self.terms


Rule = Callable[[Draft, Context], None]

NON_PAR_PERCENT = Decimal("95")
LIMITING_CHARGE_PERCENT = Decimal("115")

SELF_PAY_DISCOUNT = gettext_noop("Self-pay discount of %(percent_discount)s: %(money_off)s off.")
PACKAGE_SHARE = gettext_noop(
    "Paid from the prepaid package %(name_package)s (session %(count_session)s of "
    "%(count_included)s): this session's share of its %(money_price)s price is "
    "%(money_share)s, %(money_less)s less than the single-session price."
)
BUNDLED = gettext_noop(
    "Medicare bundles %(name_line)s into the visit and it may not be charged to a Medicare "
    "patient, so the %(money_charge)s list price is not charged."
)
ALLOWED_FULL_CHARGE = gettext_noop(
    "No allowed amount is on file, so the plan is assumed to allow the full charge of "
    "%(money_charge)s."
)
ALLOWED = gettext_noop("The plan allows %(money_allowed)s (%(clause_how)s).")
# Translators: how the plan's allowed amount is worked out, inside "The plan allows $X (…)."
HOW_PERCENT = gettext_noop("%(percent_allowed)s of the charge")
HOW_SET_FEE = gettext_noop("a set fee")
HOW_PER_UNIT = gettext_noop("%(money_fee)s per unit × %(count_units)s")
HOW_TWO_CODES = gettext_noop(
    "%(code_billing)s %(money_fee)s × %(count_units)s + %(code_extra_billing)s %(money_extra_fee)s "
    "× %(count_extra_units)s"
)
HOW_MPPR = gettext_noop(
    "%(clause_how)s, less %(percent_mppr)s on %(count_units)s later therapy unit(s) of the day "
    "(MPPR)"
)
HOW_NON_PAR = gettext_noop(
    "%(clause_how)s, at %(percent_non_par)s for a non-participating provider"
)
DEDUCTIBLE_WAIVED = gettext_noop("Your plan waives the deductible for a visit with a copay.")
OOP_REACHED = gettext_noop(
    "The plan pays %(money_saved)s of your share: you reach your %(money_oop_max)s "
    "out-of-pocket maximum on this line."
)
OOP_ALREADY_REACHED = gettext_noop(
    "The plan pays your %(money_saved)s share: your %(money_oop_max)s out-of-pocket maximum "
    "is already reached."
)
COPAY = gettext_noop("%(money_copay)s copay for this visit.")
DEDUCTIBLE = gettext_noop(
    "%(money_deductible)s goes to your deductible (%(money_left)s of %(money_full)s was left)."
)
COINSURANCE = gettext_noop(
    "%(money_coinsurance)s coinsurance: %(percent_coinsurance)s of the remaining %(money_base)s."
)
COINSURANCE_CAPPED = gettext_noop(
    "%(money_coinsurance)s coinsurance: %(percent_coinsurance)s of the remaining "
    "%(money_base)s would be %(money_full)s; the out-of-pocket maximum stops it there."
)
MAXIMUM = gettext_noop(
    "The plan would pay %(money_plan)s but pays only %(money_paid)s, up to %(clause_limit)s; "
    "you pay the other %(money_over)s."
)
# Translators: the limit in "… up to its $X annual maximum; you pay the other $Y."
ITS_ANNUAL_MAXIMUM = gettext_noop("its %(money_limit)s annual maximum")
ITS_PER_VISIT_MAXIMUM = gettext_noop("its %(money_limit)s per-visit maximum")
WRITTEN_OFF = gettext_noop(
    "The %(money_above)s above the allowed amount is written off (in network)."
)
BALANCE_BILLED = gettext_noop(
    "The clinic is out of network, so you owe the %(money_above)s above the allowed amount."
)
LIMITING_CHARGE = gettext_noop(
    "You owe %(money_billed)s above the allowed amount, up to Medicare's limiting charge of "
    "%(money_limit)s (%(percent_limit)s of the allowed amount for a non-participating "
    "provider)."
)
ABOVE_LIMITING_CHARGE = gettext_noop(
    "The %(money_written_off)s above Medicare's limiting charge may not be charged and is "
    "written off."
)
PLAN_PAYS = gettext_noop("The plan pays %(money_plan_pays)s.")


# ---- paid by the patient -------------------------------------------------------------------


def self_pay_discount(draft: Draft, ctx: Context) -> None:
    """The clinic's self-pay discount on a self-pay line."""
    percent = ctx.discount.percent
    if percent > ZERO and draft.charge > ZERO:
        draft.discount = ctx.round(percent_of(draft.charge, percent))
        draft.note(
            "self_pay_discount",
            SELF_PAY_DISCOUNT
            % {"percent_discount": f"{percent}%", "money_off": ctx.money(draft.discount)},
            draft.discount,
        )


def uncovered_discount(draft: Draft, ctx: Context) -> None:
    """The self-pay discount on a service insurance does not pay for, if the clinic grants it."""
    if ctx.discount.applies_to_uncovered:
        self_pay_discount(draft, ctx)


def package_share(draft: Draft, ctx: Context) -> None:
    """A session paid from a prepaid package: the patient's cost is its share of the price."""
    assert draft.package_share is not None
    name, share, price, position, included = draft.package_share
    draft.discount = draft.charge - share
    params = {
        "name_package": name,
        "count_session": position,
        "count_included": included,
        "money_price": ctx.money(price),
        "money_share": ctx.money(share),
        "money_less": ctx.money(draft.discount),
    }
    draft.note("package", PACKAGE_SHARE % params, draft.discount)


def settle_uncovered(draft: Draft, ctx: Context) -> None:
    """The patient pays the whole (discounted) charge."""
    draft.uncovered = draft.charge - draft.discount


def bundled(draft: Draft, ctx: Context) -> None:
    """Medicare bundles the code into the visit: it may not be charged to the patient."""
    draft.note(
        "medicare_bundled",
        BUNDLED % {"name_line": draft.priced.name, "money_charge": ctx.money(draft.charge)},
        draft.charge,
    )
    draft.charge = ZERO


def write_off_denied(draft: Draft, ctx: Context) -> None:
    """A denial the clinic absorbs (bundled, in network): nothing is billed to anyone."""
    # The plan allows nothing, so the whole charge is above the allowed amount, written off.
    draft.above_allowed = draft.written_off = draft.charge


# ---- covered -------------------------------------------------------------------------------


def allowed_amount(draft: Draft, ctx: Context) -> None:
    """The plan's allowed amount replaces the charge (never above it)."""
    rule, charge = draft.priced.allowed, draft.charge
    if rule is None:
        draft.allowed = charge
        draft.note(
            "allowed_full_charge",
            ALLOWED_FULL_CHARGE % {"money_charge": ctx.money(charge)},
            charge,
        )
        return
    if rule.kind is AllowedKind.PERCENT:
        raw = percent_of(charge, rule.value)
        how = HOW_PERCENT % {"percent_allowed": f"{rule.value}%"}
    elif not draft.priced.timed:
        raw, how = rule.value, HOW_SET_FEE
    else:
        raw, how = _per_unit(draft.priced, rule.value, rule.additional, ctx)
    if rule.kind is AllowedKind.FIXED:
        raw, how = _fee_schedule_adjustments(draft.priced, rule.value, raw, how, ctx)
    draft.allowed = min(charge, ctx.round(raw))
    said = ALLOWED % {"money_allowed": ctx.money(draft.allowed), "clause_how": how}
    draft.note("allowed_amount", said, draft.allowed)


def _non_participating(terms: PlanTerms) -> bool:
    # Medicare "out of network" is a non-participating provider: paid 95% of the fee
    # schedule and limited to charging 115% of that (the limiting charge).
    return terms.kind is PlanKind.MEDICARE and terms.network is Network.OUT


def _fee_schedule_adjustments(
    priced: PricedLine, fee: Decimal, raw: Decimal, how: str, ctx: Context
) -> tuple[Decimal, str]:
    """Multiple-procedure payment reduction, then the non-participating 95%."""
    terms = ctx.plan()
    pct = terms.mppr_percent
    if pct is not None and any(is_always_therapy(b.code) for b in priced.billing):
        units = priced.units if priced.timed else 1
        # The day's first therapy unit is paid in full, every later one reduced.
        reduced = units - (1 if ctx.visit.therapy_units == 0 and units > 0 else 0)
        ctx.visit.therapy_units += units
        if reduced > 0:
            raw -= percent_of(fee * reduced, pct)
            how = HOW_MPPR % {"clause_how": how, "percent_mppr": f"{pct}%", "count_units": reduced}
    if _non_participating(terms):
        raw = percent_of(raw, NON_PAR_PERCENT)
        how = HOW_NON_PAR % {"clause_how": how, "percent_non_par": f"{NON_PAR_PERCENT}%"}
    return raw, how


def _per_unit(
    priced: PricedLine, first: Decimal, additional: Decimal | None, ctx: Context
) -> tuple[Decimal, str]:
    """A timed code's fee: one fee per unit, or the first-unit code's and the add-on code's."""
    units = priced.units
    if additional is None or len(priced.billing) < 2:
        return first * units, HOW_PER_UNIT % {"money_fee": ctx.money(first), "count_units": units}
    head, extra = priced.billing[0], priced.billing[1]
    params = {
        "code_billing": head.code,
        "money_fee": ctx.money(first),
        "count_units": head.units,
        "code_extra_billing": extra.code,
        "money_extra_fee": ctx.money(additional),
        "count_extra_units": extra.units,
    }
    return first * head.units + additional * extra.units, HOW_TWO_CODES % params


def copay(draft: Draft, ctx: Context) -> None:
    """The visit's copay, taken once per visit from the first covered lines."""
    visit = ctx.visit
    if visit.copay_left > ZERO:
        draft.copay = min(visit.copay_left, draft.allowed)
        visit.copay_left -= draft.copay


def deductible(draft: Draft, ctx: Context) -> None:
    """The patient pays up to what is left of the deductible."""
    terms = ctx.plan()
    left = max(ZERO, terms.deductible - ctx.ledger.deductible_met)
    if terms.copay_design is CopayDesign.COPAY_WAIVES_DEDUCTIBLE and ctx.visit.has_copay:
        if left > ZERO:
            draft.note(
                "deductible_waived",
                DEDUCTIBLE_WAIVED,
                ZERO,
            )
        return
    draft.deductible_left = left
    draft.deductible = min(left, draft.allowed - draft.copay)
    draft.deductible_applied = draft.deductible


def coinsurance(draft: Draft, ctx: Context) -> None:
    """The patient's percentage of what is left after copay and deductible."""
    rest = draft.allowed - draft.copay - draft.deductible
    draft.coinsurance_base = rest
    draft.coinsurance = ctx.round(percent_of(rest, ctx.plan().patient_percent))


def oop_maximum(draft: Draft, ctx: Context) -> None:
    """The out-of-pocket maximum caps the patient's share, even part-way through a line."""
    cap = ctx.plan().oop_max
    if cap is None:
        return
    room = max(ZERO, cap - ctx.ledger.oop_met)
    share = draft.cost_share
    if share <= room:
        return
    # The share is paid in order copay, deductible, coinsurance: the cap stops the later parts.
    draft.copay = min(draft.copay, room)
    draft.deductible = min(draft.deductible, room - draft.copay)
    draft.coinsurance = min(draft.coinsurance, room - draft.copay - draft.deductible)
    saved = share - draft.cost_share
    if room > ZERO:
        msg = OOP_REACHED % {"money_saved": ctx.money(saved), "money_oop_max": ctx.money(cap)}
    else:
        msg = OOP_ALREADY_REACHED % {
            "money_saved": ctx.money(saved),
            "money_oop_max": ctx.money(cap),
        }
    # Said after the cost-sharing sentences, which cost_share_notes writes once capped.
    draft.oop_note = Adjustment("oop_max_reached", msg, saved)


def cost_share_notes(draft: Draft, ctx: Context) -> None:
    """Say what the patient pays, once the out-of-pocket maximum has had its say.

    Written after the cap so each sentence states the line's final figure: a capped
    deductible is never described at its uncapped amount.
    """
    terms = ctx.plan()
    if draft.copay > ZERO:
        draft.note("copay", COPAY % {"money_copay": ctx.money(draft.copay)}, draft.copay)
    if draft.deductible > ZERO:
        draft.note(
            "deductible",
            DEDUCTIBLE
            % {
                "money_deductible": ctx.money(draft.deductible),
                "money_left": ctx.money(draft.deductible_left),
                "money_full": ctx.money(terms.deductible),
            },
            draft.deductible,
        )
    if draft.coinsurance > ZERO:
        percent, base = terms.patient_percent, draft.coinsurance_base
        full = ctx.round(percent_of(base, percent))
        params = {
            "money_coinsurance": ctx.money(draft.coinsurance),
            "percent_coinsurance": f"{percent}%",
            "money_base": ctx.money(base),
            "money_full": ctx.money(full),
        }
        said = COINSURANCE if full == draft.coinsurance else COINSURANCE_CAPPED
        draft.note("coinsurance", said % params, draft.coinsurance)
    if draft.oop_note is not None:
        draft.adjustments.append(draft.oop_note)


def benefit_maximums(draft: Draft, ctx: Context) -> None:
    """Per-visit and annual dollar maxima cap what the plan pays; the patient owes the rest."""
    terms, ledger, visit = ctx.plan(), ctx.ledger, ctx.visit
    plan = draft.allowed - draft.cost_share
    paid = plan
    if terms.per_visit_max is not None:
        paid = min(paid, max(ZERO, terms.per_visit_max - visit.plan_paid))
    if terms.annual_max is not None:
        annual_room = max(ZERO, terms.annual_max - ledger.annual_used)
        if annual_room < paid:
            paid = annual_room
    over = plan - paid
    if over > ZERO:
        draft.uncovered = over
        draft.note("benefit_maximum", _maximum_sentence(ctx, plan, paid, over), over)
    draft.plan_pays = paid


def _maximum_sentence(ctx: Context, plan: Decimal, paid: Decimal, over: Decimal) -> str:
    terms = ctx.plan()
    annual_room = (
        None if terms.annual_max is None else max(ZERO, terms.annual_max - ctx.ledger.annual_used)
    )
    if annual_room is not None and annual_room == paid:
        limit = ITS_ANNUAL_MAXIMUM % {"money_limit": ctx.money(terms.annual_max or ZERO)}
    else:
        limit = ITS_PER_VISIT_MAXIMUM % {"money_limit": ctx.money(terms.per_visit_max or ZERO)}
    return MAXIMUM % {
        "money_plan": ctx.money(plan),
        "money_paid": ctx.money(paid),
        "clause_limit": limit,
        "money_over": ctx.money(over),
    }


def settle_covered(draft: Draft, ctx: Context) -> None:
    """Charge above the allowed amount: written off in network, billed to you out of network."""
    terms = ctx.plan()
    above = draft.charge - draft.allowed
    draft.above_allowed = above
    if above > ZERO:
        if terms.network is Network.IN:
            draft.written_off = above
            msg = WRITTEN_OFF % {"money_above": ctx.money(above)}
            draft.note("written_off", msg, above)
        elif _non_participating(terms):
            _limiting_charge(draft, ctx, above)
        else:
            draft.balance_billed = above
            msg = BALANCE_BILLED % {"money_above": ctx.money(above)}
            draft.note("balance_billed", msg, above)
    _post(draft, ctx)


def _limiting_charge(draft: Draft, ctx: Context, above: Decimal) -> None:
    """Non-participating Medicare: you owe up to the limiting charge, the rest is written off."""
    limit = ctx.round(percent_of(draft.allowed, LIMITING_CHARGE_PERCENT))
    billed = min(above, max(ZERO, limit - draft.allowed))
    draft.balance_billed, draft.written_off = billed, above - billed
    if billed > ZERO:
        msg = LIMITING_CHARGE % {
            "money_billed": ctx.money(billed),
            "money_limit": ctx.money(limit),
            "percent_limit": f"{LIMITING_CHARGE_PERCENT}%",
        }
        draft.note("balance_billed", msg, billed)
    if draft.written_off > ZERO:
        msg = ABOVE_LIMITING_CHARGE % {"money_written_off": ctx.money(draft.written_off)}
        draft.note("written_off", msg, draft.written_off)


def _post(draft: Draft, ctx: Context) -> None:
    """Carry this line into the running totals."""
    ledger = ctx.ledger
    # The deductible is credited with what was applied to it before the out-of-pocket cap:
    # once the cap is reached the plan pays the rest, so that part counts as met too.
    ledger.deductible_met += draft.deductible_applied
    ledger.oop_met += draft.cost_share
    ledger.annual_used += draft.plan_pays
    ctx.visit.plan_paid += draft.plan_pays
    if draft.plan_pays > ZERO:
        said = PLAN_PAYS % {"money_plan_pays": ctx.money(draft.plan_pays)}
        draft.note("plan_pays", said, draft.plan_pays)


SELF_PAY_RULES: tuple[Rule, ...] = (self_pay_discount, settle_uncovered)
PACKAGE_RULES: tuple[Rule, ...] = (package_share, settle_uncovered)
NOT_COVERED_RULES: tuple[Rule, ...] = (uncovered_discount, settle_uncovered)
BUNDLED_RULES: tuple[Rule, ...] = (bundled,)
WRITTEN_OFF_RULES: tuple[Rule, ...] = (write_off_denied,)
COVERED_RULES: tuple[Rule, ...] = (
    allowed_amount,
    copay,
    deductible,
    coinsurance,
    oop_maximum,
    cost_share_notes,
    benefit_maximums,
    settle_covered,
)
