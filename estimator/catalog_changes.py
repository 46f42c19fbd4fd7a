"""Use cases that change the catalog in bulk: raise or lower prices from a date, copy a plan.

Kept apart from services.py (estimates and requests): these are the billing manager's
catalog chores, run from admin; each keeps the price-history rules by calling full_clean()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from djmoney.money import Money

from .models import AddOnPrice, InsurancePlan, ServicePrice
from .pricing.money import rounder_for

ONE_DAY = dt.timedelta(days=1)
Price = ServicePrice | AddOnPrice


@dataclass(frozen=True)
class PriceChange:
    """What a bulk change does to one price row: its new amount from the date, or why not."""

    price: Price
    new_amount: Decimal | None
    problem: str = ""


def price_change_plan(
    *,
    prices: Iterable[Price],
    effective_from: dt.date,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
) -> list[PriceChange]:
    """Each price's amount from effective_from, raised (or lowered, when negative) by a percent
    or by an amount, rounded to the cent; nothing is saved. A price that does not apply on
    that day, or starts on it, is listed with the reason it is left alone."""
    if (percent is None) == (amount is None):
        raise ValueError("Give a percent or an amount, not both.")
    plan = []
    for price in prices:
        old = price.amount.amount
        currency = str(price.amount.currency)
        if not price.applies_on(effective_from):
            problem = f"does not apply on {effective_from:%Y-%m-%d} ({price.describe_period()})"
            plan.append(PriceChange(price, None, problem))
            continue
        if price.effective_from == effective_from:
            plan.append(PriceChange(price, None, "already starts that day: edit it instead"))
            continue
        changed = old * (1 + percent / 100) if percent is not None else old + (amount or 0)
        new = rounder_for(currency)(changed)
        if new < 0:
            plan.append(PriceChange(price, None, "would be below zero"))
            continue
        plan.append(PriceChange(price, new))
    return plan


@transaction.atomic
def prices_change(
    *,
    prices: QuerySet[Any],
    effective_from: dt.date,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
) -> list[Price]:
    """Apply price_change_plan: each price ends the day before effective_from and a new row
    with the new amount takes over until the old one's last day. All or nothing: a row the
    price-history rules refuse (a start before the clinic's today) stops the whole change."""
    created: list[Price] = []
    locked = prices.select_for_update().select_related("clinic")
    for change in price_change_plan(
        prices=locked, effective_from=effective_from, percent=percent, amount=amount
    ):
        if change.new_amount is None:
            continue
        old = change.price
        new = _copy(old, effective_from, change.new_amount)
        old.effective_to = effective_from - ONE_DAY
        try:
            old.full_clean()
            old.save()
            new.full_clean()
        except ValidationError as error:
            raise ValidationError(f"{old}: {' '.join(error.messages)}") from error
        new.save()
        created.append(new)
    return created


def _copy(old: Price, effective_from: dt.date, amount: Decimal) -> Price:
    new: Any = type(old)(
        clinic=old.clinic, effective_from=effective_from, effective_to=old.effective_to
    )
    new.amount = Money(amount, str(old.amount.currency))
    if isinstance(old, ServicePrice):
        new.service_id, new.duration_minutes = old.service_id, old.duration_minutes
    else:
        new.add_on_id = old.add_on_id
    return new  # type: ignore[no-any-return,unused-ignore]


@transaction.atomic
def plan_duplicate(*, plan: InsurancePlan) -> InsurancePlan:
    """An inactive copy of a plan, named 'Copy of …', with its coverage rules and visit
    limits, for a new plan year or a similar plan; staff edit it and switch it on."""
    rules = list(plan.rules.all())
    limits = list(plan.code_set_limits.all())
    name = f"Copy of {plan.name}"
    taken = set(
        InsurancePlan.objects.filter(clinic_id=plan.clinic_id, payer_id=plan.payer_id)
        .filter(name__startswith=name)
        .values_list("name", flat=True)
    )
    number = 2
    candidate = name
    while candidate in taken:
        candidate, number = f"{name} ({number})", number + 1
    copy = InsurancePlan.objects.get(pk=plan.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.name, copy.active = candidate[:200], False
    copy.full_clean()
    copy.save()
    row: Any
    for row in [*rules, *limits]:
        row.pk = row.id = None
        row._state.adding = True
        row.plan = copy
        row.full_clean()
        row.save()
    return copy
