"""Loading the starter catalog: create what is missing, never overwrite what admin changed."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction
from djmoney.money import Money

from .models import (
    AddOn,
    AddOnPrice,
    BodyArea,
    Clinic,
    CodeSetLimit,
    CoverageRule,
    InsurancePlan,
    Package,
    Payer,
    ServicePrice,
    ServiceType,
    Suggestion,
)
from .models.base import EffectiveDated

M = TypeVar("M", bound=models.Model)
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "starter_catalog.json"


class _Loader:
    """Counts what was created and what was already there."""

    def __init__(self, *, thorough: bool = True) -> None:
        self.created: Counter[str] = Counter()
        self.kept: Counter[str] = Counter()
        self.thorough = thorough

    def get_or_create(self, model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
        existing = model._default_manager.filter(**lookup).first()
        name = model._meta.verbose_name_plural
        if existing is not None:
            self.kept[str(name)] += 1
            return existing
        obj = model(**lookup, **values)
        if isinstance(obj, EffectiveDated):
            obj.allow_past_start = True  # the opening prices of a fresh install
        # Not thorough: uniqueness and Meta.constraints are left to the database (it enforces
        # both); tests load the starter catalog hundreds of times, and these checks were two
        # thirds of its queries. The thorough load is tested to pass every check.
        obj.full_clean(validate_unique=self.thorough, validate_constraints=self.thorough)
        obj.save()
        self.created[str(name)] += 1
        return obj


def _money(value: str, currency: str) -> Money:
    return Money(Decimal(value), currency)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def catalog_load_starter(
    *, path: Path = DEFAULT_PATH, thorough: bool = True
) -> dict[str, dict[str, int]]:
    """Load the starter catalog; returns counts of rows created and rows already present.

    thorough=False skips the uniqueness and constraint queries of each row's full_clean (the
    database still enforces them): for the test suite's fixture."""
    data = json.loads(path.read_text(encoding="utf-8"))
    loader = _Loader(thorough=thorough)
    payers = {
        p["name"]: loader.get_or_create(Payer, {"name": p["name"]}, _without(p, "name"))
        for p in data["payers"]
    }
    services = {s["code"]: _load_service(loader, s) for s in data["services"]}
    add_ons = {a["code"]: _load_add_on(loader, a, services) for a in data["add_ons"]}
    for area in data["body_areas"]:
        obj = loader.get_or_create(
            BodyArea, {"code": area["code"]}, _without(area, "code", "services")
        )
        if not obj.suggestions.exists():
            for rank, code in enumerate(area["services"], start=1):
                Suggestion.objects.create(area=obj, service=services[code], rank=rank)
    for clinic_data in data["clinics"]:
        _load_clinic(loader, clinic_data, services, add_ons, payers)
    return {"created": dict(loader.created), "kept": dict(loader.kept)}


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


def _load_service(loader: _Loader, data: dict[str, Any]) -> ServiceType:
    return loader.get_or_create(ServiceType, {"code": data["code"]}, _without(data, "code"))


def _load_add_on(loader: _Loader, data: dict[str, Any], services: dict[str, ServiceType]) -> AddOn:
    obj = loader.get_or_create(AddOn, {"code": data["code"]}, _without(data, "code", "services"))
    if not obj.services.exists():
        obj.services.set([services[c] for c in data["services"]])
    return obj


def _load_clinic(
    loader: _Loader,
    data: dict[str, Any],
    services: dict[str, ServiceType],
    add_ons: dict[str, AddOn],
    payers: dict[str, Payer],
) -> Clinic:
    nested = ("service_prices", "add_on_prices", "packages", "plans", "unsure_patient_plan")
    values = _without(data, "slug", *nested)
    values["self_pay_discount_percent"] = Decimal(values["self_pay_discount_percent"])
    clinic = loader.get_or_create(Clinic, {"slug": data["slug"]}, values)
    currency = clinic.currency
    for row in data["service_prices"]:
        loader.get_or_create(
            ServicePrice,
            {
                "clinic": clinic,
                "service": services[row["service"]],
                "duration_minutes": row["duration_minutes"],
                "effective_from": _date(row["effective_from"]),
            },
            {
                "amount": _money(row["amount"], currency),
                "effective_to": _date(row.get("effective_to")),
            },
        )
    for row in data["add_on_prices"]:
        loader.get_or_create(
            AddOnPrice,
            {
                "clinic": clinic,
                "add_on": add_ons[row["add_on"]],
                "effective_from": _date(row["effective_from"]),
            },
            {
                "amount": _money(row["amount"], currency),
                "effective_to": _date(row.get("effective_to")),
            },
        )
    for row in data["packages"]:
        values = _without(row, "code", "service", "price")
        values.update(service=services[row["service"]], price=_money(row["price"], currency))
        loader.get_or_create(Package, {"clinic": clinic, "code": row["code"]}, values)
    plans = {
        row["name"]: _load_plan(loader, row, clinic, services, add_ons, payers)
        for row in data["plans"]
    }
    unsure = data.get("unsure_patient_plan")
    if unsure and clinic.unsure_patient_plan_id is None:
        clinic.unsure_patient_plan = plans[unsure]
        clinic.full_clean()
        clinic.save()
    return clinic


def _load_plan(
    loader: _Loader,
    data: dict[str, Any],
    clinic: Clinic,
    services: dict[str, ServiceType],
    add_ons: dict[str, AddOn],
    payers: dict[str, Payer],
) -> InsurancePlan:
    currency = clinic.currency
    values = _without(data, "payer", "name", "rules", "code_set_limits")
    for field in InsurancePlan.MONEY_FIELDS:
        values[field] = _money(values.get(field, "0"), currency)
    for field in ("coinsurance_percent", "reimbursement_percent", "mppr_percent"):
        values[field] = Decimal(values.get(field, "0"))
    values["currency"] = currency
    plan = loader.get_or_create(
        InsurancePlan,
        {"clinic": clinic, "payer": payers[data["payer"]], "name": data["name"]},
        values,
    )
    for rule in data["rules"]:
        lookup: dict[str, Any] = {"plan": plan}
        if "service" in rule:
            lookup["service"] = services[rule["service"]]
        else:
            lookup["add_on"] = add_ons[rule["add_on"]]
        rule_values = _without(
            rule,
            "service",
            "add_on",
            "allowed_amount",
            "additional_unit_allowed_amount",
            "allowed_percent",
        )
        for name in ("allowed_amount", "additional_unit_allowed_amount"):
            rule_values[name] = _money(rule.get(name, "0"), currency)
        rule_values["allowed_percent"] = Decimal(rule.get("allowed_percent", "100"))
        loader.get_or_create(CoverageRule, lookup, rule_values)
    for limit in data.get("code_set_limits", ()):
        loader.get_or_create(
            CodeSetLimit, {"plan": plan, "key": limit["key"]}, _without(limit, "key")
        )
    return plan
