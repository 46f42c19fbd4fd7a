"""Resolves each scheduled session into billable lines: codes, units and list charges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import InvalidAmountError, NoPriceError
from .money import ZERO, is_whole_minor_units
from .phrases import gettext_noop
from .schedule import Slot
from .types import (
    AddonDef,
    AllowedAmount,
    Basis,
    BillingCode,
    CatalogSnapshot,
    CoverageStatus,
    Denial,
    LineKind,
    PlanKind,
    PlanTerms,
    PricePeriod,
    ServiceDef,
    UnitRule,
)
from .units import assign_units

NO_PRICE = gettext_noop("%(name_item)s has no price on %(date_on)s.")
INVALID_PRICE = gettext_noop(
    "%(name_item)s has an invalid price %(code_amount)s %(code_currency)s."
)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A line with its list charge and the plan's rule for it, before cost sharing."""

    kind: LineKind
    code: str
    name: str
    billing: tuple[BillingCode, ...]
    units: int
    timed: bool
    charge: Decimal
    status: CoverageStatus | None
    has_rule: bool
    allowed: AllowedAmount | None
    bundled: bool
    note: str = ""
    denial: Denial | None = None


@dataclass(frozen=True, slots=True)
class PricedSession:
    """A scheduled session with its priced lines."""

    slot: Slot
    lines: tuple[PricedLine, ...]


def price_on(periods: Sequence[PricePeriod], on: date) -> Decimal | None:
    """The amount in force on a date; the latest-starting period wins an overlap."""
    found: PricePeriod | None = None
    for period in periods:
        if period.effective_from <= on and (
            period.effective_to is None or on < period.effective_to
        ):
            if found is None or period.effective_from > found.effective_from:
                found = period
    return None if found is None else found.amount


def price_sessions(
    slots: Sequence[Slot], catalog: CatalogSnapshot, terms: PlanTerms | None
) -> tuple[PricedSession, ...]:
    """Price every scheduled session's service and add-ons at the session's date."""
    rule = terms.effective_unit_rule if terms is not None else UnitRule.MIDPOINT
    # Sessions of one item at the same prices have identical lines: build them once.
    built: dict[tuple[int, tuple[Decimal, ...]], tuple[PricedLine, ...]] = {}
    sessions = []
    for slot in slots:
        amounts = _amounts_on(slot, catalog)
        key = (slot.item_index, amounts)
        lines = built.get(key)
        if lines is None:
            lines = built[key] = _price_lines(slot, catalog, terms, rule, amounts)
        sessions.append(PricedSession(slot, lines))
    return tuple(sessions)


def _amounts_on(slot: Slot, catalog: CatalogSnapshot) -> tuple[Decimal, ...]:
    """The service price, then each add-on price, in force on the session date."""
    item = slot.item
    service = catalog.services[item.service_code]
    found = [_lookup(service.prices[item.duration_minutes], slot, catalog.currency, service.name)]
    for pos, code in enumerate(item.addon_codes):
        addon = catalog.addons[code]
        found.append(_lookup(addon.prices, slot, catalog.currency, addon.name, pos))
    return tuple(found)


def _price_lines(
    slot: Slot,
    catalog: CatalogSnapshot,
    terms: PlanTerms | None,
    rule: UnitRule,
    amounts: Sequence[Decimal],
) -> tuple[PricedLine, ...]:
    item = slot.item
    service = catalog.services[item.service_code]
    addons = [catalog.addons[code] for code in item.addon_codes]
    units = _session_units(service, item.duration_minutes, addons, rule)
    lines = [_service_line(item.duration_minutes, service, units[0], amounts[0], terms)]
    for pos, addon in enumerate(addons):
        lines.append(_addon_line(addon, units[pos + 1], amounts[pos + 1], terms))
    return tuple(lines)


def _session_units(
    service: ServiceDef, minutes: int, addons: Sequence[AddonDef], rule: UnitRule
) -> list[int]:
    """Units per line: 1 for untimed codes, the unit rule over the timed ones."""
    bases = [service.basis, *(a.basis for a in addons)]
    durations = [service.contact(minutes), *(a.minutes for a in addons)]
    timed = [i for i, basis in enumerate(bases) if basis is Basis.UNIT]
    units = [1] * len(bases)
    for i, count in zip(timed, assign_units(rule, [durations[i] for i in timed]), strict=True):
        units[i] = count
    return units


def _lookup(
    periods: Sequence[PricePeriod], slot: Slot, currency: str, name: str, addon: int | None = None
) -> Decimal:
    amount = price_on(periods, slot.on)
    if amount is not None and amount >= ZERO and is_whole_minor_units(amount, currency):
        return amount
    at = f"items[{slot.item_index}]"
    field = f"{at}.service_code" if addon is None else f"{at}.addon_codes[{addon}]"
    if amount is None:
        on = slot.on
        message = NO_PRICE % {"name_item": name, "date_on": on.isoformat()}
        raise NoPriceError(message, field=field, on=on)
    message = INVALID_PRICE % {"name_item": name, "code_amount": amount, "code_currency": currency}
    raise InvalidAmountError(message, field=field)


def _status(
    terms: PlanTerms | None, kind: LineKind, code: str, usually_covered: bool
) -> tuple[CoverageStatus | None, bool, AllowedAmount | None, str, Denial | None]:
    if terms is None:
        return None, False, None, "", None
    found = terms.rules.get((kind.value, code))
    if found is not None:
        return found.status, True, found.allowed, found.note, found.denial
    # Never assume coverage without a rule: usually-covered codes become "unknown".
    status = CoverageStatus.UNKNOWN if usually_covered else CoverageStatus.NOT_COVERED
    return status, False, None, "", None


def _service_line(
    minutes: int, service: ServiceDef, units: int, charge: Decimal, terms: PlanTerms | None
) -> PricedLine:
    timed = service.basis is Basis.UNIT
    billing = _service_billing(service, units) if timed else (BillingCode(service.billing_code, 1),)
    status, has_rule, allowed, note, denial = _status(
        terms, LineKind.SERVICE, service.code, service.usually_covered
    )
    name = f"{service.name} ({minutes} min)"
    return PricedLine(
        LineKind.SERVICE,
        service.code,
        name,
        billing,
        units,
        timed,
        charge,
        status,
        has_rule,
        allowed,
        False,
        note,
        denial,
    )


def _service_billing(service: ServiceDef, units: int) -> tuple[BillingCode, ...]:
    # Acupuncture style: the first unit has its own code, each further unit the add-on code.
    if service.additional_unit_code is None or units < 2:
        return (BillingCode(service.billing_code, units),)
    return (
        BillingCode(service.billing_code, 1),
        BillingCode(service.additional_unit_code, units - 1),
    )


def _addon_line(addon: AddonDef, units: int, price: Decimal, terms: PlanTerms | None) -> PricedLine:
    timed = addon.basis is Basis.UNIT
    charge = price * units if timed else price
    medicare = terms is not None and terms.kind is PlanKind.MEDICARE
    code = addon.medicare_billing_code if medicare and addon.medicare_billing_code else None
    billing = (BillingCode(code or addon.billing_code, units),)
    status, has_rule, allowed, note, denial = _status(
        terms, LineKind.ADDON, addon.code, addon.usually_covered
    )
    bundled = medicare and addon.medicare_bundled
    return PricedLine(
        LineKind.ADDON,
        addon.code,
        addon.name,
        billing,
        units,
        timed,
        charge,
        status,
        has_rule,
        allowed,
        bundled,
        note,
        denial,
    )
