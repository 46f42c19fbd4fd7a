"""The price list as CSV (django-import-export): export it, edit it in a spreadsheet, import
it back. Every imported row is checked by the model's full_clean(), so the price-history
rules hold (no backdating, no rewriting a price that has applied, no overlaps), errors are
shown per row, and the import is previewed as a dry run before it is confirmed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV

from estimator.catalog_changes import PriceChange, price_change_plan, prices_change
from estimator.formatting import money_text
from estimator.models import AddOn, AddOnPrice, Clinic, ServicePrice, ServiceType

DAY = widgets.DateWidget(format="%Y-%m-%d")


class AmountWidget(widgets.DecimalWidget):
    """An amount such as 95.00; anything else is that row's error in words."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        try:
            cleaned: Decimal | None = super().clean(value, row, **kwargs)
            return cleaned
        except (ArithmeticError, ValueError, TypeError):
            raise ValueError(f"“{value}” is not an amount; write it like 95.00.") from None


class NamedWidget(widgets.ForeignKeyWidget):
    """A related row by its short name; an unknown name is that row's error in words."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            name = self.model._meta.verbose_name
            raise ValueError(f"No {name} has the short name “{value}”.") from None


class _PriceResource(resources.ModelResource):
    """Shared columns: clinic (slug), amount, currency, first and last day."""

    clinic = fields.Field("clinic", "clinic", NamedWidget(Clinic, "slug"))
    amount = fields.Field("amount", "amount", AmountWidget())
    currency = fields.Field("amount_currency", "currency")
    effective_from = fields.Field("effective_from", "effective_from", DAY)
    effective_to = fields.Field("effective_to", "effective_to", DAY)

    def dehydrate_amount(self, price: Any) -> str:
        return f"{price.amount.amount:.2f}"

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        # django-money keeps the amount and its currency apart; put them back together.
        instance.amount = type(instance.amount)(instance.amount.amount, instance.amount_currency)


class ServicePriceResource(_PriceResource):
    """One row per session price: clinic, session type (code), length, amount, period."""

    service = fields.Field("service", "service", NamedWidget(ServiceType, "code"))

    class Meta:
        model = ServicePrice
        fields = (
            "clinic",
            "service",
            "duration_minutes",
            "amount",
            "currency",
            "effective_from",
            "effective_to",
        )
        import_id_fields = ("clinic", "service", "duration_minutes", "effective_from")
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True


class AddOnPriceResource(_PriceResource):
    """One row per add-on price: clinic, add-on (code), amount, period."""

    add_on = fields.Field("add_on", "add_on", NamedWidget(AddOn, "code"))

    class Meta:
        model = AddOnPrice
        fields = ("clinic", "add_on", "amount", "currency", "effective_from", "effective_to")
        import_id_fields = ("clinic", "add_on", "effective_from")
        clean_model_instances = True
        skip_unchanged = True
        use_transactions = True


class PriceChangeForm(forms.Form):
    """A bulk change: by what and from which day."""

    how = forms.ChoiceField(
        label="Change by",
        choices=[("percent", "A percentage (%)"), ("amount", "An amount")],
        widget=forms.RadioSelect,
        initial="percent",
    )
    by = forms.DecimalField(
        label="How much",
        max_digits=9,
        decimal_places=2,
        help_text="5 raises each price by 5 % (or $5.00); -5 lowers it.",
    )
    effective_from = forms.DateField(
        label="New prices apply from",
        widget=AdminDateWidget,
        help_text="Each selected price ends the day before; a price that has applied cannot "
        "be ended before today, so the earliest day is tomorrow.",
    )

    def change(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        by = self.cleaned_data["by"]
        key = "percent" if self.cleaned_data["how"] == "percent" else "amount"
        return {key: by, "effective_from": self.cleaned_data["effective_from"]}


class PriceListAdmin(ImportExportMixin):
    """Catalog price admins: CSV import/export and the bulk price change, each for those
    who may add and change prices (the Billing manager); export for those who may look."""

    actions = ["change_prices"]
    import_formats = [CSV]
    export_formats = [CSV]
    import_template_name = "admin/estimator/price_import.html"

    def has_import_permission(self, request: HttpRequest) -> bool:
        model_admin: Any = self
        return bool(
            model_admin.has_add_permission(request) and model_admin.has_change_permission(request)
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        model_admin: Any = self
        return bool(model_admin.has_view_permission(request))

    def has_bulk_change_permission(self, request: HttpRequest) -> bool:
        return self.has_import_permission(request)

    @admin.action(
        description="Raise or lower the selected prices from a date…", permissions=["bulk_change"]
    )
    def change_prices(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        model_admin: Any = self
        submitted = "by" in request.POST
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        form = PriceChangeForm(
            request.POST if submitted else None, initial={"effective_from": tomorrow}
        )
        plan = None
        if submitted and form.is_valid():
            plan = price_change_plan(prices=queryset.select_related("clinic"), **form.change())
            if "_confirm" in request.POST:
                try:
                    created = prices_change(prices=queryset, **form.change())
                except ValidationError as error:
                    form.add_error(None, error.messages)
                else:
                    model_admin.message_user(
                        request,
                        f"{len(created)} new price(s) from "
                        f"{form.cleaned_data['effective_from']:%Y-%m-%d}; the old ones end "
                        "the day before.",
                        messages.SUCCESS,
                    )
                    return None
        context = {
            **model_admin.admin_site.each_context(request),
            "title": "Raise or lower prices from a date",
            "opts": model_admin.model._meta,
            "form": form,
            "plan": [_preview_row(change) for change in plan or []],
            "changes": [c for c in plan or [] if c.new_amount is not None],
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "media": model_admin.media + form.media,
        }
        return TemplateResponse(request, "admin/estimator/price_change.html", context)


def _preview_row(change: PriceChange) -> dict[str, Any]:
    price = change.price
    currency = str(price.amount.currency)
    return {
        "price": price,
        "now": money_text(price.amount),
        "new": "" if change.new_amount is None else money_text(change.new_amount, currency),
        "problem": change.problem,
    }
