"""JSON-ready dicts for the API, the quote page, the PDF and admin: one shape for all."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from .money import MINOR_UNIT
from .types import Estimate, Line, PackagePurchase, Scenario, Session, Totals

MONEY_FIELDS = Totals.__slots__


@lru_cache(maxsize=4096)
def _amount_text(amount: Decimal, currency: str) -> str:
    # A plan repeats a few amounts hundreds of times (a session's price, 0.00): write each once.
    return str(amount.quantize(MINOR_UNIT[currency]))


def money(amount: Decimal, currency: str) -> dict[str, str]:
    """{"amount": "12.34", "currency": "USD"}."""
    return {"amount": _amount_text(amount, currency), "currency": currency}


def estimate_to_dict(estimate: Estimate) -> dict[str, Any]:
    """The whole estimate as plain dicts, lists and strings."""
    cur = estimate.currency
    return {
        "currency": cur,
        "coverage": estimate.coverage,
        "is_range": estimate.is_range,
        "abn_required": estimate.abn_required,
        "waiver_required": estimate.waiver_required,
        "schedule": [d.isoformat() for d in estimate.schedule],
        "assumptions": list(estimate.assumptions),
        "warnings": [{"code": w.code, "message": w.message} for w in estimate.warnings],
        "scenarios": {
            "primary": scenario_to_dict(estimate.primary, cur),
            "best": None if estimate.best is None else scenario_to_dict(estimate.best, cur),
        },
    }


def scenario_to_dict(scenario: Scenario, currency: str) -> dict[str, Any]:
    """One scenario: assumptions, packages, sessions and totals."""
    return {
        "name": scenario.name,
        "assumptions": list(scenario.assumptions),
        "totals": totals_to_dict(scenario.totals, currency),
        "packages": [package_to_dict(p, currency) for p in scenario.packages],
        "sessions": [session_to_dict(s, currency) for s in scenario.sessions],
    }


def totals_to_dict(totals: Totals | Line, currency: str) -> dict[str, dict[str, str]]:
    """Every money figure of a line or totals."""
    return {
        name: {"amount": _amount_text(getattr(totals, name), currency), "currency": currency}
        for name in MONEY_FIELDS
    }


def session_to_dict(session: Session, currency: str) -> dict[str, Any]:
    """One dated session with its lines."""
    year = session.benefit_year_start
    return {
        "number": session.number,
        "date": session.on.isoformat(),
        "item_index": session.item_index,
        "benefit_year_start": None if year is None else year.isoformat(),
        "lines": [line_to_dict(line, currency) for line in session.lines],
        "totals": totals_to_dict(session.totals, currency),
    }


def line_to_dict(line: Line, currency: str) -> dict[str, Any]:
    """One line: codes, coverage, money figures and the adjustments behind them."""
    return {
        "kind": line.kind.value,
        "code": line.code,
        "name": line.name,
        "billing": [
            {"code": b.code, "units": b.units, "modifiers": list(b.modifiers)} for b in line.billing
        ],
        "coverage_status": line.coverage_status,
        "treatment": line.treatment.value,
        **totals_to_dict(line, currency),
        "adjustments": [
            {"code": a.code, "message": a.message, "amount": money(a.amount, currency)}
            for a in line.adjustments
        ],
    }


def package_to_dict(package: PackagePurchase, currency: str) -> dict[str, Any]:
    """A package bought, the sessions it pays for and its savings."""
    return {
        "code": package.code,
        "name": package.name,
        "price": money(package.price, currency),
        "sessions_included": package.sessions_included,
        "session_numbers": list(package.session_numbers),
        "first_use": package.first_use.isoformat(),
        "valid_until": package.valid_until.isoformat(),
        "singles_cost": money(package.singles_cost, currency),
        "savings": money(package.savings, currency),
    }
