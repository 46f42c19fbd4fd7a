"""Admin for the catalog: clinics, session types, add-ons, prices, packages, complaints."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest

from estimator.admin_forms import ServiceTypeForm
from estimator.models import (
    AddOn,
    AddOnPrice,
    BodyArea,
    Clinic,
    InsurancePlan,
    Package,
    ServicePrice,
    ServiceType,
    Suggestion,
)

from .common import (
    PriceFormSet,
    PriceStatusFilter,
    RefuseRecordDeletes,
    money_column,
    period_text,
    translation_fieldsets,
)
from .history import ReadableHistoryAdmin
from .price_list import AddOnPriceResource, PriceListAdmin, ServicePriceResource


class AfterTheOthers:
    """Admin mixin: a new row's display order puts it after the existing ones."""

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)  # type: ignore[misc]
        highest = self.model.objects.aggregate(highest=Max("order"))["highest"]  # type: ignore[attr-defined]
        return {"order": (highest or 0) + 1, **initial}


@admin.register(Clinic)
class ClinicAdmin(ReadableHistoryAdmin):
    """Clinic locations and their billing identity."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    list_display = [
        "name",
        "city",
        "region",
        "currency",
        "max_session_minutes",
        "self_pay_discount_percent",
        "plan_count",
        "active",
    ]
    list_filter = ["active", "currency", "country"]
    search_fields = ["name", "city", "npi", "phone"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "active"]}),
        (
            "Contact (printed on every estimate)",
            {
                "fields": [
                    "address_line1",
                    "address_line2",
                    ("city", "region", "postal_code"),
                    "country",
                    ("phone", "email"),
                    "website",
                ]
            },
        ),
        ("Billing identity (Good Faith Estimates)", {"fields": ["npi", "tin"]}),
        (
            "Pricing and sessions",
            {
                "fields": [
                    ("currency", "time_zone"),
                    "max_session_minutes",
                    ("self_pay_discount_percent", "self_pay_discount_on_uncovered"),
                    "unsure_patient_plan",
                    "good_faith_estimate_contact",
                ]
            },
        ),
        *translation_fieldsets("good_faith_estimate_contact"),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clinic]:
        return super().get_queryset(request).annotate(plan_total=Count("plans", distinct=True))

    @admin.display(description="plans", ordering="plan_total")
    def plan_count(self, obj: Any) -> int:
        return int(obj.plan_total)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unsure_patient_plan":
            kwargs["queryset"] = InsurancePlan.objects.select_related("payer")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ServicePriceInline(admin.TabularInline):
    """Prices of a session type, newest first; a change is a new row."""

    model = ServicePrice
    formset = PriceFormSet
    extra = 1
    fields = ["clinic", "duration_minutes", "amount", "effective_from", "effective_to"]
    ordering = ["clinic__name", "duration_minutes", "-effective_from"]
    autocomplete_fields = ["clinic"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServicePrice]:
        return super().get_queryset(request).select_related("clinic", "service")


@admin.register(ServiceType)
class ServiceTypeAdmin(AfterTheOthers, ReadableHistoryAdmin):
    """Session types with their prices inline and the add-ons that combine with them."""

    form = ServiceTypeForm
    list_display = [
        "name",
        "code",
        "billing_code",
        "billing_basis",
        "durations_text",
        "usually_covered",
        "active",
        "order",
    ]
    list_editable = ["order"]
    list_filter = ["active", "usually_covered", "billing_basis"]
    search_fields = ["name", "code", "billing_code", "description"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [ServicePriceInline]
    history_children = ((ServicePrice, "service"),)
    fieldsets = [
        (None, {"fields": ["name", "code", "active", "order"]}),
        ("For patients", {"fields": ["description", "what_to_expect"]}),
        (
            "Billing",
            {
                "fields": [
                    ("billing_code", "additional_unit_code"),
                    "billing_basis",
                    "durations",
                    "contact_minutes",
                    "usually_covered",
                ]
            },
        ),
        ("Combines with", {"fields": ["add_ons"]}),
        *translation_fieldsets("name", "description", "what_to_expect"),
    ]

    @admin.display(description="lengths (min)")
    def durations_text(self, obj: ServiceType) -> str:
        return ", ".join(str(d) for d in obj.durations or [])


class AddOnPriceInline(admin.TabularInline):
    """Prices of an add-on; a change is a new row."""

    model = AddOnPrice
    formset = PriceFormSet
    extra = 1
    fields = ["clinic", "amount", "effective_from", "effective_to"]
    ordering = ["clinic__name", "-effective_from"]
    autocomplete_fields = ["clinic"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AddOnPrice]:
        return super().get_queryset(request).select_related("clinic", "add_on")


@admin.register(AddOn)
class AddOnAdmin(AfterTheOthers, ReadableHistoryAdmin):
    """Add-ons such as electrical stimulation, with their prices inline."""

    list_display = [
        "name",
        "code",
        "billing_code",
        "medicare_billing_code",
        "pricing_basis",
        "minutes",
        "service_count",
        "usually_covered",
        "active",
    ]
    list_filter = ["active", "usually_covered", "pricing_basis", "medicare_bundled"]
    search_fields = ["name", "code", "billing_code", "medicare_billing_code"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["services"]
    inlines = [AddOnPriceInline]
    history_children = ((AddOnPrice, "add_on"),)
    fieldsets = [
        (None, {"fields": ["name", "code", "active", "order", "description"]}),
        (
            "Billing",
            {
                "fields": [
                    ("billing_code", "medicare_billing_code"),
                    ("pricing_basis", "minutes"),
                    ("usually_covered", "medicare_bundled"),
                ]
            },
        ),
        ("Combines with", {"fields": ["services"]}),
        *translation_fieldsets("name", "description"),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AddOn]:
        return super().get_queryset(request).annotate(service_total=Count("services"))

    @admin.display(description="combines with", ordering="service_total")
    def service_count(self, obj: Any) -> str:
        total = int(obj.service_total)
        return f"{total} session type{'s' if total != 1 else ''}"


@admin.register(ServicePrice)
class ServicePriceAdmin(PriceListAdmin, RefuseRecordDeletes, ReadableHistoryAdmin):
    """Every session price across clinics, to find what applies on a date; CSV import and
    export, and the bulk price change."""

    resource_classes = [ServicePriceResource]
    list_display = ["service", "clinic", "duration_minutes", "amount_text", "period"]
    list_filter = [PriceStatusFilter, "clinic", "service", "duration_minutes"]
    search_fields = ["service__name", "service__code", "service__billing_code", "clinic__name"]
    list_select_related = ["service", "clinic"]
    autocomplete_fields = ["clinic", "service"]
    date_hierarchy = "effective_from"
    amount_text = money_column("amount", "price")

    @admin.display(description="applies")
    def period(self, obj: ServicePrice) -> str:
        return period_text(obj)


@admin.register(AddOnPrice)
class AddOnPriceAdmin(PriceListAdmin, RefuseRecordDeletes, ReadableHistoryAdmin):
    """Every add-on price across clinics; CSV import and export, and the bulk price change."""

    resource_classes = [AddOnPriceResource]
    list_display = ["add_on", "clinic", "amount_text", "basis", "period"]
    list_filter = [PriceStatusFilter, "clinic", "add_on"]
    search_fields = ["add_on__name", "add_on__code", "add_on__billing_code", "clinic__name"]
    list_select_related = ["add_on", "clinic"]
    autocomplete_fields = ["clinic", "add_on"]
    amount_text = money_column("amount", "price")

    @admin.display(description="charged")
    def basis(self, obj: AddOnPrice) -> str:
        return "per 15-minute unit" if obj.add_on.pricing_basis == "unit" else "per session"

    @admin.display(description="applies")
    def period(self, obj: AddOnPrice) -> str:
        return period_text(obj)


@admin.register(Package)
class PackageAdmin(ReadableHistoryAdmin):
    """Prepaid packages of sessions."""

    list_display = [
        "name",
        "clinic",
        "service",
        "duration_minutes",
        "sessions",
        "price_text",
        "per_session",
        "valid_days",
        "active",
    ]
    list_filter = ["active", "clinic", "service"]
    search_fields = ["name", "code", "service__name"]
    list_select_related = ["clinic", "service"]
    autocomplete_fields = ["clinic", "service"]
    price_text = money_column("price", "price")
    fieldsets = [
        (None, {"fields": ["clinic", "name", "code", "active"]}),
        (
            "Sessions and price",
            {"fields": ["service", "duration_minutes", "sessions", "price", "valid_days"]},
        ),
        *translation_fieldsets("name"),
    ]

    @admin.display(description="per session")
    def per_session(self, obj: Package) -> str:
        from estimator.formatting import money_text

        return money_text(obj.price_per_session, str(obj.price.currency))


class SuggestionInline(admin.TabularInline):
    """Treatments suggested for a complaint; rank 1 is pre-selected on the quote page."""

    model = Suggestion
    extra = 1
    fields = ["rank", "service"]
    ordering = ["rank", "id"]
    autocomplete_fields = ["service"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Suggestion]:
        return super().get_queryset(request).select_related("service", "area")


@admin.register(BodyArea)
class BodyAreaAdmin(admin.ModelAdmin):
    """The 'what hurts' choices of the quote page and the treatments each suggests, ranked."""

    list_display = ["name", "code", "order", "suggestion_count"]
    list_editable = ["order"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [SuggestionInline]
    fieldsets = [(None, {"fields": ["name", "code", "order"]}), *translation_fieldsets("name")]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BodyArea]:
        return super().get_queryset(request).annotate(suggestion_total=Count("suggestions"))

    @admin.display(description="suggested treatments", ordering="suggestion_total")
    def suggestion_count(self, obj: Any) -> int:
        return int(obj.suggestion_total)
