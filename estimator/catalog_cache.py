"""A clinic's catalog read once per catalog version and kept across requests and workers.

Pricing a plan needs the clinic, its services, add-ons, prices, packages and plan terms: a
dozen queries that give the same answer until somebody changes the catalog. Every such change
moves the catalog version's token in the same transaction (database triggers,
estimator/catalog_triggers.py), so the one query a request makes is for the token — none on
PostgreSQL outside a transaction, where this process's watcher is told of every change
(estimator/catalog_watch.py). The catalog for that token comes from this process's memory,
else from the shared cache (Redis in production, so a new worker starts warm), else from the
database — and a price saved on one server is priced by the next quote on every server.

Memory is bounded: this process keeps the entries of one token only, at most MAX_LOCAL of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from . import pricing
from .catalog_text import Text, names_in_language
from .catalog_triggers import VERSION_SQL
from .catalog_watch import watch_applies, watcher
from .connections import read_retrying_once
from .models import Clinic, CodeSetLimit, CoverageRule, InsurancePlan
from .selectors import catalog_read, code_set_limits, plan_terms

MAX_LOCAL = 256
SHARED_TIMEOUT = 24 * 60 * 60
_SCHEMA = 2  # bump when what is cached changes shape, so old pickles are never read
T = TypeVar("T")


@dataclass(frozen=True)
class ClinicCatalog:
    """Everything a quote at one clinic reads, as of one catalog version."""

    token: int
    clinic: Clinic
    snapshot: pricing.CatalogSnapshot
    plans: Mapping[int, InsurancePlan]
    terms: Mapping[int, pricing.PlanTerms]
    # The catalog names the engine writes into lines and sentences, with their translations.
    names: tuple[Text, ...] = ()

    def snapshot_for(
        self, service_codes: Iterable[str], add_on_codes: Iterable[str]
    ) -> pricing.CatalogSnapshot:
        """The part of the catalog a plan names."""
        return self.snapshot.only(service_codes, add_on_codes)

    def plan(self, pk: int) -> InsurancePlan | None:
        """One of this clinic's plans (active or not), if it has one with this id."""
        return self.plans.get(pk)

    def plan_terms(self, plan: InsurancePlan) -> pricing.PlanTerms:
        """The plan's terms; a plan of another clinic is read from the database."""
        terms = self.terms.get(plan.pk)
        return terms if terms is not None else plan_terms(plan=plan)

    def names_in_language(self) -> dict[str, str]:
        """English catalog name -> the reader's, for the active language (see catalog_text)."""
        return names_in_language(self.names)

    @property
    def unsure_patient_plan(self) -> InsurancePlan | None:
        """The plan assumed for a patient who is unsure of theirs."""
        pk = self.clinic.unsure_patient_plan_id
        return None if pk is None else self.plans.get(pk)


class _Local:
    """This process's entries for the current token: an LRU of at most MAX_LOCAL."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.token: int | None = None
        self.entries: OrderedDict[str, Any] = OrderedDict()

    def get(self, token: int, key: str) -> tuple[bool, Any]:
        with self.lock:
            if token != self.token or key not in self.entries:
                return False, None
            self.entries.move_to_end(key)
            return True, self.entries[key]

    def put(self, token: int, key: str, value: Any) -> None:
        with self.lock:
            if token != self.token:
                self.token = token
                self.entries.clear()
            self.entries[key] = value
            while len(self.entries) > MAX_LOCAL:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.token = None
            self.entries.clear()


_local = _Local()
_MISSING = object()


def versioned(*, token: int, key: str, build: Callable[[], T], shared: bool = True) -> T:
    """What build() returns for the catalog at this token: from memory, the shared cache, or built.

    build must depend on nothing but the catalog and what key names (a date, a query string).
    A None result is remembered in this process only; so is everything when shared is False
    (answers keyed by what a caller may vary at will, which must not fill the shared cache).
    """
    found, value = _local.get(token, key)
    if found:
        return cast("T", value)
    # Hashed: keys may carry a caller's query string, which a cache key must not.
    shared_key = f"catalog:{_SCHEMA}:{token}:{hashlib.sha256(key.encode()).hexdigest()}"
    value = cache.get(shared_key, _MISSING) if shared else _MISSING
    if value is _MISSING:
        value = build()
        if value is not None and shared:
            cache.set(shared_key, value, SHARED_TIMEOUT)
    _local.put(token, key, value)
    return cast("T", value)


def catalog_token(*, from_database: bool = False) -> int:
    """The catalog version's token as of now.

    Outside a transaction on PostgreSQL (with CATALOG_WATCH on) it is this process's watcher's,
    kept current by the database's notifications with no query (estimator/catalog_watch.py,
    which says who gets which); elsewhere, or when from_database, or while the watcher is down,
    it is read from the database (one query). That read is usually a request's first query, so
    it reconnects once if the kept connection died.
    """
    if not from_database and watch_applies():
        return watcher.token(_token_read)
    return _token_read()


def _token_read() -> int:
    row = read_retrying_once(_token_row)
    return 0 if row is None else int(row[0])


def _token_row() -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row: tuple[Any, ...] | None = cursor.fetchone()
    return row


def catalog_build(*, clinic: Clinic, token: int) -> ClinicCatalog:
    """A clinic's catalog read from the database (about ten queries, whatever its size)."""
    plans = {
        plan.pk: plan
        for plan in InsurancePlan.objects.filter(clinic=clinic)
        .select_related("payer", "clinic")
        .prefetch_related(
            Prefetch("code_set_limits", queryset=CodeSetLimit.objects.order_by("key"))
        )
    }
    snapshot, names = catalog_read(clinic=clinic)
    limits = [limit for plan in plans.values() for limit in code_set_limits(plan)]
    # The plans' notes the engine quotes beside a line ("Acupuncture (30 min): Only for…").
    notes = (
        CoverageRule.objects.filter(plan__clinic=clinic)
        .exclude(note="")
        .order_by()
        .values_list("note", "note_es", "note_fr")
        .distinct()
    )
    return ClinicCatalog(
        token=token,
        clinic=clinic,
        snapshot=snapshot,
        plans=plans,
        terms={pk: plan_terms(plan=plan) for pk, plan in plans.items() if plan.active},
        names=names
        + tuple(Text.of(limit, "name") for limit in limits)
        + tuple(Text(note.strip(), es.strip(), fr.strip()) for note, es, fr in notes),
    )


def _build(token: int, slug: str) -> ClinicCatalog | None:
    clinic = Clinic.objects.filter(slug=slug, active=True).first()
    return None if clinic is None else catalog_build(clinic=clinic, token=token)


def clinic_catalog(*, slug: str, token: int | None = None) -> ClinicCatalog | None:
    """The active clinic with this slug and its catalog, as of the current version; None if none."""
    if token is None:
        token = catalog_token()
    return versioned(token=token, key=f"clinic:{slug}", build=lambda: _build(token, slug))


def catalog_names(*, clinic: Clinic) -> tuple[Text, ...]:
    """The catalog names the engine writes, with their translations, from the clinic's cached
    catalog (the version's token: see catalog_token); () for an inactive clinic, whose names
    stay English.

    For pages and documents that show an engine result: names_in_language(catalog_names(…))."""
    catalog = clinic_catalog(slug=clinic.slug) if clinic.active else None
    if catalog is None or catalog.clinic.pk != clinic.pk:
        return ()
    return catalog.names


def clinic_zones(*, token: int) -> tuple[str, ...]:
    """The time zones of the active clinics: where "today" can differ for a catalog list."""
    return versioned(
        token=token,
        key="zones",
        build=lambda: tuple(
            sorted(set(Clinic.objects.filter(active=True).values_list("time_zone", flat=True)))
        ),
    )


# (token, the day string, from and until when it holds): recomputed at the next midnight in any
# clinic's zone, when the catalog (its clinics' zones) changes, or if the clock went back.
_days: tuple[int, str, dt.datetime, dt.datetime] | None = None


def catalog_days(*, token: int) -> str:
    """Today's date in each active clinic's zone ("2026-11-27,2026-11-28"): what a cached list
    or quote also depends on, since prices and limits apply by the clinic's own date."""
    global _days
    now = timezone.now()
    known = _days
    if known is not None and known[0] == token and known[2] <= now < known[3]:
        return known[1]
    days = set()
    turns = []
    for name in clinic_zones(token=token):
        try:
            local = now.astimezone(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            local = now.astimezone(dt.UTC)
        days.add(local.date().isoformat())
        # The zone's next midnight (as a wall-clock time, so a DST change is no surprise).
        turns.append(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), local.tzinfo)
        )
    text = ",".join(sorted(days))
    _days = (token, text, now, min(turns, default=now + dt.timedelta(minutes=1)))
    return text


class ResponseCache:
    """Finished answers (bytes) kept in this process for the current token, within a byte budget.

    For answers that are a pure function of the catalog, the day and the request — a quote, a
    quote page — so the same plan asked again is answered without pricing it again. Local
    only: a 50 KB answer is cheaper to remake than to fetch over the network.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.lock = threading.Lock()
        self.token: int | None = None
        self.used = 0
        self.entries: OrderedDict[str, bytes] = OrderedDict()

    def recall(self, token: int, key: str) -> bytes | None:
        """The answer kept for key at this token, if any."""
        with self.lock:
            if token != self.token or key not in self.entries:
                return None
            self.entries.move_to_end(key)
            return self.entries[key]

    def remember(self, token: int, key: str, body: bytes) -> None:
        """Keep body for key at this token, forgetting the least recently used past the budget."""
        if len(body) > self.budget // 8:
            return
        with self.lock:
            if token != self.token:
                self.token, self.used = token, 0
                self.entries.clear()
            old = self.entries.pop(key, None)
            self.used += len(body) - (0 if old is None else len(old))
            self.entries[key] = body
            while self.used > self.budget:
                _, dropped = self.entries.popitem(last=False)
                self.used -= len(dropped)

    def clear(self) -> None:
        with self.lock:
            self.token, self.used = None, 0
            self.entries.clear()


# ESTIMATOR_ANSWER_CACHE_MB per worker (8 MB: about 150 full quotes, or 300 quote pages, or
# thousands of summaries).
responses = ResponseCache(budget=int(settings.ESTIMATOR_ANSWER_CACHE_MB * 1024 * 1024))


def catalog_cache_clear() -> None:
    """Forget this process's entries (tests; the shared ones expire by token)."""
    global _days
    _days = None
    _local.clear()
    responses.clear()
