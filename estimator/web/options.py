"""Reads for the patient's quote page: what a clinic offers today, in the order patients see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.db.models import Prefetch
from djmoney.money import Money

from estimator.catalog_cache import catalog_names, clinic_catalog, versioned
from estimator.catalog_text import Text, names_in_language
from estimator.models import (
    AddOn,
    AddOnPrice,
    BillingBasis,
    BodyArea,
    Clinic,
    InsurancePlan,
    ServiceType,
    Suggestion,
)
from estimator.selectors import in_effect, plans_for_quotes, service_prices_current


@dataclass(frozen=True)
class ServiceOption:
    """A treatment a patient can choose, with the lengths the clinic prices today."""

    code: str
    # Every language's text: options are kept per catalog version, whatever page reads them.
    name_text: Text
    description_text: Text
    what_to_expect_text: Text
    prices: tuple[tuple[int, Money], ...]

    @property
    def name(self) -> str:
        """The treatment's name in the reader's language."""
        return str(self.name_text)

    @property
    def description(self) -> str:
        """Its description in the reader's language."""
        return str(self.description_text)

    @property
    def what_to_expect(self) -> str:
        """What to expect, in the reader's language."""
        return str(self.what_to_expect_text)

    @property
    def durations(self) -> tuple[int, ...]:
        """Offered lengths in minutes, shortest first."""
        return tuple(minutes for minutes, _ in self.prices)


@dataclass(frozen=True)
class AddOnOption:
    """Something added to a session, its price today and the treatments it goes with."""

    code: str
    name_text: Text
    description_text: Text
    minutes: int
    price: Money
    per_unit: bool
    services: frozenset[str]

    @property
    def name(self) -> str:
        """The add-on's name in the reader's language."""
        return str(self.name_text)

    @property
    def description(self) -> str:
        """Its description in the reader's language."""
        return str(self.description_text)


@dataclass(frozen=True)
class AreaOption:
    """A complaint ("what hurts") and the treatments it suggests, best first."""

    code: str
    name_text: Text
    suggested: tuple[str, ...]

    @property
    def name(self) -> str:
        """The complaint's name in the reader's language."""
        return str(self.name_text)


@dataclass(frozen=True)
class QuoteOptions:
    """Everything the quote form offers at one clinic."""

    clinic: Clinic
    today: dt.date
    areas: tuple[AreaOption, ...]
    services: tuple[ServiceOption, ...]
    add_ons: tuple[AddOnOption, ...]
    plans: tuple[InsurancePlan, ...]
    unsure_available: bool
    # The catalog's names as the engine writes them, with their translations (catalog_cache).
    names: tuple[Text, ...] = ()

    def names_in_language(self) -> dict[str, str]:
        """English catalog name -> the reader's, for lines and sentences of the engine."""
        return names_in_language(self.names)

    def service(self, code: str | None) -> ServiceOption | None:
        """The offered treatment with this code, if any."""
        return next((s for s in self.services if s.code == code), None)

    def area(self, code: str | None) -> AreaOption | None:
        """The complaint with this code, if any."""
        return next((a for a in self.areas if a.code == code), None)

    def plan(self, pk: int | None) -> InsurancePlan | None:
        """The clinic's active plan with this id, if any."""
        return next((p for p in self.plans if p.pk == pk), None)


def quote_options(*, clinic: Clinic, names: tuple[Text, ...] | None = None) -> QuoteOptions:
    """What the clinic offers on the quote page today: only treatments and add-ons it prices.

    names: the catalog's names (ClinicCatalog.names) when the caller has read the catalog."""
    today = clinic.today()
    by_service: dict[int, list[tuple[int, Money]]] = {}
    for row in service_prices_current(clinic=clinic, day=today).filter(service__active=True):
        if row.duration_minutes in row.service.durations:
            by_service.setdefault(row.service_id, []).append((row.duration_minutes, row.amount))
    services = tuple(
        ServiceOption(
            code=s.code,
            name_text=Text.of(s, "name"),
            description_text=Text.of(s, "description"),
            what_to_expect_text=Text.of(s, "what_to_expect"),
            prices=tuple(sorted(by_service[s.pk], key=lambda pair: pair[0])),
        )
        for s in ServiceType.objects.filter(pk__in=by_service, active=True)
    )
    offered = {s.code for s in services}
    add_ons = []
    for add_on in AddOn.objects.filter(active=True).prefetch_related(
        Prefetch(
            "prices",
            queryset=AddOnPrice.objects.filter(in_effect(today), clinic=clinic),
            to_attr="current_prices",
        ),
        Prefetch("services", queryset=ServiceType.objects.only("code")),
    ):
        allowed = frozenset(s.code for s in add_on.services.all()) & offered
        prices = cast("list[AddOnPrice]", add_on.current_prices)
        if prices and allowed:
            add_ons.append(
                AddOnOption(
                    code=add_on.code,
                    name_text=Text.of(add_on, "name"),
                    description_text=Text.of(add_on, "description"),
                    minutes=add_on.minutes,
                    price=prices[0].amount,
                    per_unit=add_on.pricing_basis == BillingBasis.UNIT,
                    services=allowed,
                )
            )
    areas = tuple(
        AreaOption(
            code=area.code,
            name_text=Text.of(area, "name"),
            # Best match first (the admin's rank): the first one offered here is pre-selected.
            suggested=tuple(
                s.service.code for s in area.suggestions.all() if s.service.code in offered
            ),
        )
        for area in BodyArea.objects.prefetch_related(
            Prefetch(
                "suggestions",
                queryset=Suggestion.objects.select_related("service").order_by("rank", "id"),
            )
        )
    )
    unsure = clinic.unsure_patient_plan
    if names is None:
        names = catalog_names(clinic=clinic)
    return QuoteOptions(
        clinic=clinic,
        today=today,
        areas=areas,
        services=services,
        add_ons=tuple(add_ons),
        plans=tuple(plans_for_quotes(clinic=clinic)),
        unsure_available=unsure is not None and unsure.active,
        names=names,
    )


def quote_options_current(*, slug: str, token: int | None = None) -> QuoteOptions | None:
    """quote_options for the active clinic with this slug, kept for the catalog version and day."""
    catalog = clinic_catalog(slug=slug, token=token)
    if catalog is None:
        return None
    clinic = catalog.clinic
    return versioned(
        token=catalog.token,
        key=f"options:{slug}:{clinic.today().isoformat()}",
        build=lambda: quote_options(clinic=clinic, names=catalog.names),
    )
