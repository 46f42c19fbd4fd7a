"""The admin's estimate builder: price a plan for a patient, preview it, save it as a draft."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from estimator import pricing
from estimator.admin_forms import CodeListField
from estimator.models import (
    AddOn,
    Clinic,
    CoverageMode,
    Estimate,
    EstimateSource,
    GoodFaithEstimateRequest,
    InsurancePlan,
    ServiceType,
)
from estimator.quotes import Quote, QuoteInput, QuoteInvalid, quote_build
from estimator.services import PatientDetails, estimate_create, gfe_request_link_estimate

from .builder_prefill import builder_initial, gfe_request_for_builder


def _amount(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False
    )


class PlanForm(forms.Form):
    """Who is paying and when the plan starts."""

    clinic = forms.ModelChoiceField(Clinic.objects.filter(active=True))
    coverage_mode = forms.ChoiceField(
        label="Coverage", choices=CoverageMode.choices, initial=CoverageMode.SELF_PAY
    )
    plan = forms.ModelChoiceField(
        InsurancePlan.objects.filter(active=True).select_related("payer", "clinic"),
        required=False,
        help_text="Required for 'Insurance plan'; for 'Not sure' the clinic's assumed plan is "
        "used when empty.",
    )
    deductible_met = _amount("Deductible already met")
    oop_met = _amount("Out-of-pocket already met")
    visits_used = forms.IntegerField(
        label="Visits already used", min_value=0, max_value=366, required=False
    )
    annual_max_used = _amount("Annual maximum already used")
    start_date = forms.DateField(
        label="First session", widget=forms.DateInput(attrs={"type": "date"})
    )
    sessions_per_week = forms.IntegerField(min_value=1, max_value=7, initial=1)


class ItemForm(forms.Form):
    """One run of identical sessions."""

    service = forms.ModelChoiceField(ServiceType.objects.filter(active=True), required=False)
    duration_minutes = forms.IntegerField(
        label="Minutes", min_value=1, max_value=240, required=False
    )
    add_ons = forms.ModelMultipleChoiceField(
        AddOn.objects.filter(active=True), required=False, widget=forms.CheckboxSelectMultiple
    )
    sessions = forms.IntegerField(min_value=1, max_value=100, initial=1, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("service") and not data.get("duration_minutes"):
            self.add_error("duration_minutes", "Give the session length.")
        return data


ItemFormSet = forms.formset_factory(ItemForm, extra=3, max_num=10)


class PatientForm(forms.Form):
    """Who the estimate is for (all optional on a draft)."""

    name = forms.CharField(max_length=200, required=False)
    date_of_birth = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=30, required=False)
    external_reference = forms.CharField(max_length=100, required=False)
    diagnosis_codes = CodeListField(
        required=False, help_text="ICD-10 codes separated by commas, e.g. M54.50, M79.18."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_date_of_birth(self) -> dt.date | None:
        born = self.cleaned_data["date_of_birth"]
        if born and (born > dt.date.today() or born.year < 1900):
            raise ValidationError("Enter a date of birth in the past.")
        return born


def _quote_input(plan_form: PlanForm, item_forms: Any) -> QuoteInput:
    data = plan_form.cleaned_data
    items = tuple(
        pricing.PlanItem(
            service_code=f.cleaned_data["service"].code,
            duration_minutes=f.cleaned_data["duration_minutes"],
            sessions=f.cleaned_data.get("sessions") or 1,
            addon_codes=tuple(a.code for a in f.cleaned_data["add_ons"]),
        )
        for f in item_forms
        if f.cleaned_data.get("service")
    )
    standing = pricing.Standing(
        deductible_met=data.get("deductible_met") or Decimal("0"),
        oop_met=data.get("oop_met") or Decimal("0"),
        visits_used=data.get("visits_used") or 0,
        annual_max_used=data.get("annual_max_used") or Decimal("0"),
    )
    return QuoteInput(
        clinic=data["clinic"],
        items=items,
        sessions_per_week=data["sessions_per_week"],
        start_date=data["start_date"],
        coverage_mode=data["coverage_mode"],
        plan=data.get("plan"),
        standing=standing,
    )


def _show_problems(error: QuoteInvalid, plan_form: PlanForm, formset: Any) -> None:
    # Put each problem beside its field: items[1].duration_minutes -> second item row.
    for problem in error.problems:
        match = re.match(r"items\[(\d+)\]\.(\w+)", problem.field)
        if match and int(match.group(1)) < len(formset.forms):
            field = {"service_code": "service", "addon_codes": "add_ons"}.get(
                match.group(2), match.group(2)
            )
            row = [f for f in formset.forms if f.cleaned_data.get("service")][int(match.group(1))]
            row.add_error(field if field in row.fields else None, problem.message)
        elif problem.field.startswith("coverage"):
            plan_form.add_error("plan", problem.message)
        elif problem.field in plan_form.fields:
            plan_form.add_error(problem.field, problem.message)
        else:
            plan_form.add_error(None, problem.message)


def estimate_builder_view(model_admin: ModelAdmin[Any], request: HttpRequest) -> HttpResponse:
    """GET: an empty builder, or one filled from ?gfe_request=<pk>. POST: preview the priced
    plan, or save it as a draft estimate (linked to the request it answers)."""
    # Refused before a form is shown, so nobody fills one in to lose it on save.
    if not request.user.has_perm("estimator.add_estimate"):
        raise PermissionDenied
    bound = request.method == "POST"
    data = request.POST if bound else None
    gfe_request = gfe_request_for_builder(
        request.POST.get("gfe_request") if bound else request.GET.get("gfe_request")
    )
    if gfe_request is not None and not request.user.has_perm("estimator.handle_gfe_request"):
        raise PermissionDenied
    initial: dict[str, Any] = {"start_date": dt.date.today() + dt.timedelta(days=1)}
    items: list[dict[str, Any]] = []
    patient: dict[str, Any] = {}
    if gfe_request is not None and not bound:
        initial, items, patient, notes = builder_initial(gfe_request)
        for note in notes:
            messages.warning(request, note)
    plan_form = PlanForm(data, prefix="plan", initial=initial)
    formset = ItemFormSet(data, prefix="items", initial=items)
    patient_form = PatientForm(data, prefix="patient", initial=patient)
    quote = None
    if bound and plan_form.is_valid() and formset.is_valid() and patient_form.is_valid():
        quote_input = _quote_input(plan_form, formset.forms)
        if not quote_input.items:
            plan_form.add_error(None, "Add at least one session type.")
        else:
            try:
                quote = quote_build(quote=quote_input)
            except QuoteInvalid as error:
                _show_problems(error, plan_form, formset)
        if quote is not None and gfe_request is not None:
            if gfe_request.clinic_id != quote_input.clinic.pk:
                # The request stays with the clinic the patient asked; price it there.
                plan_form.add_error(
                    "clinic", f"The patient asked {gfe_request.clinic} for this estimate."
                )
                quote = None
        if quote is not None and "_save" in request.POST:
            p = patient_form.cleaned_data
            with transaction.atomic():
                estimate = _save(request, quote_input, quote, p, gfe_request)
            messages.success(request, f"Saved draft estimate {estimate.reference}.")
            return HttpResponseRedirect(
                reverse("admin:estimator_estimate_change", args=[estimate.pk])
            )
    return _render(model_admin, request, plan_form, formset, patient_form, quote, gfe_request)


def _save(
    request: HttpRequest,
    quote_input: QuoteInput,
    quote: Quote,
    p: dict[str, Any],
    gfe_request: GoodFaithEstimateRequest | None,
) -> Estimate:
    estimate = estimate_create(
        quote_input=quote_input,
        quote=quote,
        patient=PatientDetails(
            name=p["name"],
            date_of_birth=p["date_of_birth"],
            email=p["email"],
            phone=p["phone"],
            external_reference=p["external_reference"],
            diagnosis_codes=tuple(p["diagnosis_codes"]),
            notes=p["notes"],
        ),
        source=EstimateSource.ADMIN,
        by=request.user,
    )
    if gfe_request is not None:
        gfe_request_link_estimate(request=gfe_request, estimate=estimate, by=request.user)
    return estimate


def _render(
    model_admin: ModelAdmin[Any],
    request: HttpRequest,
    plan_form: PlanForm,
    formset: Any,
    patient_form: PatientForm,
    quote: Quote | None,
    gfe_request: GoodFaithEstimateRequest | None,
) -> HttpResponse:
    title = "Price a new estimate"
    if gfe_request is not None:
        title = f"Price an estimate for request {gfe_request.reference}"
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "plan_form": plan_form,
        "formset": formset,
        "patient_form": patient_form,
        "gfe_request": gfe_request,
        "result": quote.result_data() if quote else None,
        "clinic": quote.input.clinic if quote else None,
    }
    return render(request, "admin/estimator/estimate/builder.html", context)
