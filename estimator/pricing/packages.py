"""Chooses the cheapest mix of prepaid packages and single sessions for a self-pay plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .money import ZERO, split
from .types import PackageDef, PackagePurchase

# Per package definition: (sessions left, first day it no longer applies) or None.
Active = tuple[tuple[int, date] | None, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A session whose service line a package could pay for, at its net single price."""

    number: int
    on: date
    service_code: str
    duration: int
    single_price: Decimal


@dataclass(frozen=True, slots=True)
class PackagePlan:
    """The chosen purchases and, per session number, its share of a package price."""

    purchases: tuple[PackagePurchase, ...]
    shares: dict[int, tuple[PackagePurchase, Decimal, int]]


def choose_packages(
    candidates: Sequence[Candidate], packages: Sequence[PackageDef], currency: str
) -> PackagePlan:
    """Cheapest packages-plus-singles per service (a package must save money to be bought)."""
    purchases: list[PackagePurchase] = []
    shares: dict[int, tuple[PackagePurchase, Decimal, int]] = {}
    for code in sorted({c.service_code for c in candidates}):
        defs = [p for p in packages if p.service_code == code]
        group = [c for c in candidates if c.service_code == code]
        if not defs:
            continue
        for pkg, used in _solve(group, defs):
            purchase = _purchase(pkg, used)
            purchases.append(purchase)
            weights = [c.single_price for c in used]
            for k, (cand, share) in enumerate(
                zip(used, split(pkg.price, weights, currency), strict=True)
            ):
                shares[cand.number] = (purchase, share, k + 1)
    purchases.sort(key=lambda p: p.session_numbers[0])
    return PackagePlan(tuple(purchases), shares)


def _purchase(pkg: PackageDef, used: Sequence[Candidate]) -> PackagePurchase:
    singles = sum((c.single_price for c in used), ZERO)
    return PackagePurchase(
        code=pkg.code,
        name=pkg.name,
        price=pkg.price,
        sessions_included=pkg.sessions,
        session_numbers=tuple(c.number for c in used),
        first_use=used[0].on,
        valid_until=used[0].on + timedelta(days=pkg.valid_days - 1),
        singles_cost=singles,
        savings=singles - pkg.price,
    )


def _fits(pkg: PackageDef, cand: Candidate) -> bool:
    return pkg.duration_minutes is None or pkg.duration_minutes == cand.duration


def _solve(
    group: Sequence[Candidate], defs: Sequence[PackageDef]
) -> list[tuple[PackageDef, list[Candidate]]]:
    _, _, choices = _Optimiser(group, defs).solve(0, (None,) * len(defs))
    return _collect(group, defs, choices)


# (cost, packages bought, choice per session)
Plan = tuple[Decimal, int, tuple[int, ...]]


def _rank(plan: Plan) -> tuple[Decimal, int, tuple[bool, ...], tuple[int, ...]]:
    # Cheapest first; then fewest packages (a package that saves nothing is not bought);
    # then packages bought as early as possible, so "package first, singles after".
    cost, bought, choices = plan
    return cost, bought, tuple(c == -1 for c in choices), choices


class _Optimiser:
    """Dynamic programme over sessions in date order.

    An open package that fits a session is always used (its sessions are already paid for;
    the one expiring first goes first). Otherwise the session is paid singly or a new
    package is bought, replacing an open one of the same kind. Choices per session:
    -1 = single, j = buy defs[j], len(defs) + j = use the open defs[j].
    """

    def __init__(self, group: Sequence[Candidate], defs: Sequence[PackageDef]) -> None:
        self.group = group
        self.defs = defs
        self.memo: dict[tuple[int, Active], Plan] = {}

    def solve(self, i: int, active: Active) -> Plan:
        """The best plan for sessions i.. given the open packages."""
        if i == len(self.group):
            return ZERO, 0, ()
        on = self.group[i].on
        active = tuple(a if a is not None and a[0] > 0 and on < a[1] else None for a in active)
        key = (i, active)
        if key not in self.memo:
            self.memo[key] = self._step(i, active)
        return self.memo[key]

    def _step(self, i: int, active: Active) -> Plan:
        cand, defs = self.group[i], self.defs
        open_fits = [
            (a[1], j) for j, a in enumerate(active) if a is not None and _fits(defs[j], cand)
        ]
        if open_fits:
            j = min(open_fits)[1]
            left, until = active[j] or (0, cand.on)
            cost, bought, rest = self.solve(i + 1, _replace(active, j, (left - 1, until)))
            return cost, bought, (len(defs) + j, *rest)
        cost, bought, rest = self.solve(i + 1, active)
        options = [(cost + cand.single_price, bought, (-1, *rest))]
        for j, pkg in enumerate(defs):
            if _fits(pkg, cand):
                opened = (pkg.sessions - 1, cand.on + timedelta(days=pkg.valid_days))
                cost, bought, rest = self.solve(i + 1, _replace(active, j, opened))
                options.append((cost + pkg.price, bought + 1, (j, *rest)))
        return min(options, key=_rank)


def _replace(active: Active, j: int, value: tuple[int, date] | None) -> Active:
    return (*active[:j], value, *active[j + 1 :])


def _collect(
    group: Sequence[Candidate], defs: Sequence[PackageDef], choices: Sequence[int]
) -> list[tuple[PackageDef, list[Candidate]]]:
    bought: list[tuple[PackageDef, list[Candidate]]] = []
    latest: dict[int, list[Candidate]] = {}
    for cand, choice in zip(group, choices, strict=True):
        if 0 <= choice < len(defs):
            latest[choice] = [cand]
            bought.append((defs[choice], latest[choice]))
        elif choice >= len(defs):
            latest[choice - len(defs)].append(cand)
    return bought
