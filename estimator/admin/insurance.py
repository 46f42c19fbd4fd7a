"""Admin for payers, insurance plans and their coverage rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from estimator.formatting import money_text
from estimator.models import CodeSetLimit, CoverageRule, InsurancePlan, Payer

from .common import money_column
from .history import ReadableHistoryAdmin


@admin.register(Payer)
class PayerAdmin(ReadableHistoryAdmin):
    """Insurers and programs."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    list_display = ["name", "kind", "plan_count", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payer]:
        return super().get_queryset(request).annotate(plan_total=Count("plans"))

    @admin.display(description="plans", ordering="plan_total")
    def plan_count(self, obj: Any) -> int:
        return int(obj.plan_total)


class CoverageRuleInline(admin.TabularInline):
    """What the plan says about each session type and add-on."""

    model = CoverageRule
    extra = 1
    fields = [
        "service",
        "add_on",
        "status",
        "allowed_basis",
        "allowed_amount",
        "additional_unit_allowed_amount",
        "allowed_percent",
        "denial",
        "note",
        "note_es",
        "note_fr",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CoverageRule]:
        return super().get_queryset(request).select_related("plan", "service", "add_on")


class CodeSetLimitInline(admin.TabularInline):
    """Visit limits that count only some codes (Medicare: 20 acupuncture visits a year)."""

    model = CodeSetLimit
    extra = 0
    fields = ["key", "name", "name_es", "name_fr", "billing_codes", "max_visits", "certain_visits"]


@admin.register(InsurancePlan)
class InsurancePlanAdmin(ReadableHistoryAdmin):
    """Plans the clinic deals with, their cost sharing and coverage rules."""

    list_display = [
        "name",
        "payer",
        "clinic",
        "network_short",
        "deductible_text",
        "coinsurance_percent",
        "copay_text",
        "oop_text",
        "visit_limit",
        "active",
    ]
    list_filter = ["active", "payer__kind", "network", "clinic", "unit_rule", "currency"]
    search_fields = ["name", "payer__name", "clinic__name"]
    list_select_related = ["payer", "clinic"]
    autocomplete_fields = ["payer", "clinic"]
    inlines = [CodeSetLimitInline, CoverageRuleInline]
    history_children = ((CoverageRule, "plan"), (CodeSetLimit, "plan"))
    actions = ["duplicate"]
    deductible_text = money_column("deductible", "deductible")
    copay_text = money_column("copay", "copay")
    fieldsets = [
        (None, {"fields": [("clinic", "payer"), "name", "network", "currency", "active"]}),
        (
            "Cost sharing (US style)",
            {
                "fields": [
                    ("deductible", "coinsurance_percent"),
                    ("copay", "copay_design"),
                    "out_of_pocket_max",
                ]
            },
        ),
        (
            "Maxima (Canadian extended-health style)",
            {"fields": ["reimbursement_percent", ("per_visit_max", "annual_max")]},
        ),
        (
            "Benefit year and limits",
            {
                "fields": [
                    ("benefit_year_start_month", "benefit_year_start_day"),
                    "visit_limit",
                    "unit_rule",
                    ("therapy_kx_threshold", "therapy_review_threshold"),
                    "mppr_percent",
                ]
            },
        ),
        ("Notes", {"fields": ["notes"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InsurancePlan]:
        # The plan manager already joins the payer, which makes the changelist skip
        # list_select_related; join the clinic here too.
        return super().get_queryset(request).select_related("payer", "clinic")

    @admin.action(
        description="Duplicate (an inactive “Copy of …” with its coverage rules)",
        permissions=["add"],
    )
    def duplicate(self, request: HttpRequest, queryset: QuerySet[InsurancePlan]) -> None:
        from estimator.catalog_changes import plan_duplicate

        copies = [plan_duplicate(plan=plan) for plan in queryset]
        names = ", ".join(copy.name for copy in copies)
        self.message_user(
            request,
            f"Copied {len(copies)} plan(s), inactive until you switch them on: {names}.",
            messages.SUCCESS,
        )

    @admin.display(description="network", ordering="network")
    def network_short(self, obj: InsurancePlan) -> str:
        return "In network" if obj.network == "in" else "Out of network"

    @admin.display(description="out-of-pocket max", ordering="out_of_pocket_max")
    def oop_text(self, obj: InsurancePlan) -> str:
        if obj.out_of_pocket_max.amount == 0:
            return "none"
        return money_text(obj.out_of_pocket_max)


@admin.register(CoverageRule)
class CoverageRuleAdmin(ReadableHistoryAdmin):
    """Every coverage rule, to answer 'which plans cover 20560?'."""

    list_display = ["plan", "target", "status", "allowed_basis", "allowed_text", "note"]
    list_filter = ["status", "plan__payer__kind", "plan", "service", "add_on"]
    search_fields = [
        "plan__name",
        "plan__payer__name",
        "service__name",
        "service__billing_code",
        "add_on__name",
        "add_on__billing_code",
    ]
    list_select_related = ["plan", "plan__payer", "service", "add_on"]
    autocomplete_fields = ["plan", "service", "add_on"]

    @admin.display(description="session type or add-on")
    def target(self, obj: CoverageRule) -> str:
        return str(obj.service or obj.add_on)

    @admin.display(description="allowed")
    def allowed_text(self, obj: CoverageRule) -> str:
        if obj.allowed_basis == "fixed":
            return money_text(obj.allowed_amount)
        if obj.allowed_basis == "percent":
            return f"{obj.allowed_percent}% of charge"
        return "charge"
