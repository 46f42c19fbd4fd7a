"""Money arithmetic: one rounding function per currency, one rounding mode, exact splits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from .errors import UnsupportedCurrencyError
from .phrases import gettext_noop

# Patient-facing amounts round half up; py-moneyed formats with HALF_EVEN, so never rely on it.
ROUNDING = ROUND_HALF_UP
ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")

Rounder = Callable[[Decimal], Decimal]


def round_usd(amount: Decimal) -> Decimal:
    """Round to whole US cents, half up."""
    return amount.quantize(CENT, rounding=ROUNDING)


def round_cad(amount: Decimal) -> Decimal:
    """Round to whole Canadian cents, half up."""
    return amount.quantize(CENT, rounding=ROUNDING)


ROUNDERS: dict[str, Rounder] = {"USD": round_usd, "CAD": round_cad}
MINOR_UNIT: dict[str, Decimal] = {"USD": CENT, "CAD": CENT}
SYMBOLS: dict[str, str] = {"USD": "$", "CAD": "CA$"}
UNSUPPORTED = gettext_noop(
    "Currency %(name_currency)s is not supported; use one of %(name_supported)s."
)


def rounder_for(currency: str) -> Rounder:
    """The rounding function for a currency code."""
    try:
        return ROUNDERS[currency]
    except KeyError:
        message = UNSUPPORTED % {
            "name_currency": repr(currency),
            "name_supported": ", ".join(sorted(ROUNDERS)),
        }
        raise UnsupportedCurrencyError(message, field="catalog.currency") from None


def is_whole_minor_units(amount: Decimal, currency: str) -> bool:
    """True when the amount has no digits below the currency's minor unit."""
    return amount == amount.quantize(MINOR_UNIT[currency], rounding=ROUND_DOWN)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """The exact (unrounded) percent of an amount."""
    return amount * percent / HUNDRED


@lru_cache(maxsize=4096)
def format_money(amount: Decimal, currency: str) -> str:
    """A human string such as $1,234.50."""
    return f"{SYMBOLS.get(currency, currency + ' ')}{amount:,.2f}"


def split(total: Decimal, weights: Sequence[Decimal], currency: str) -> tuple[Decimal, ...]:
    """Split a total by weights into minor-unit parts that add up to it exactly.

    Parts are rounded down, then the leftover minor units go to the largest remainders
    (earlier parts win ties), so the result is deterministic. Zero weights split evenly.
    """
    if not weights:
        return ()
    unit = MINOR_UNIT[currency]
    weight_sum = sum(weights, ZERO)
    if weight_sum == ZERO:
        weights, weight_sum = [Decimal(1)] * len(weights), Decimal(len(weights))
    exact = [total * w / weight_sum for w in weights]
    parts = [x.quantize(unit, rounding=ROUND_DOWN) for x in exact]
    leftover = int((total - sum(parts, ZERO)) / unit)
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:leftover]:
        parts[i] += unit
    return tuple(parts)
