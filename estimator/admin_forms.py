"""Admin form pieces that make JSON-backed fields editable in plain terms."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError

from .models import AddOn, Estimate, ServiceType


class MinutesListField(forms.CharField):
    """'15, 30, 45' in the form, [15, 30, 45] in the model."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return []
        minutes: list[int] = []
        for part in str(text).replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                minutes.append(int(part))
            except ValueError:
                raise ValidationError(
                    f"“{part}” is not a whole number of minutes. Write lengths like 15, 30, 45."
                ) from None
        return sorted(minutes)


class ServiceTypeForm(forms.ModelForm):  # type: ignore[type-arg,unused-ignore]
    """Session type form with offered lengths typed as a list of minutes."""

    durations = MinutesListField(
        label="Offered lengths (minutes)",
        help_text="Separate with commas, e.g. 15, 30, 45, 60.",
    )

    class Meta:
        model = ServiceType
        fields = [
            "name",
            "code",
            "active",
            "order",
            "description",
            "what_to_expect",
            "billing_code",
            "additional_unit_code",
            "billing_basis",
            "durations",
            "usually_covered",
        ]

    add_ons = forms.ModelMultipleChoiceField(
        AddOn.objects.all(),
        required=False,
        label="Add-ons",
        widget=FilteredSelectMultiple("add-ons", is_stacked=False),
        help_text="Add-ons that may be combined with this session type (also set on each "
        "add-on's page).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["add_ons"].initial = list(self.instance.add_ons.all())

    def _save_m2m(self) -> None:
        super()._save_m2m()  # type: ignore[misc]
        self.instance.add_ons.set(self.cleaned_data["add_ons"])


ICD10_RE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


class CodeListField(forms.CharField):
    """'M54.50, M79.18' in the form, ["M54.50", "M79.18"] in the model; ICD-10 shape checked."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        codes = [c.strip().upper() for c in str(text).split(",") if c.strip()]
        bad = [c for c in codes if not ICD10_RE.match(c)]
        if bad:
            raise ValidationError(f"Not ICD-10 codes: {', '.join(bad)}.")
        return codes


class EstimateForm(forms.ModelForm):  # type: ignore[type-arg,unused-ignore]
    """Stored estimate: only patient details and notes are editable; money never is."""

    diagnosis_codes = CodeListField(
        required=False, help_text="ICD-10 codes separated by commas, e.g. M54.50, M79.18."
    )
    # Not required: a form posted without it (a script, an older page) keeps the language.
    language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text=str(Estimate._meta.get_field("language").help_text),
    )

    class Meta:
        model = Estimate
        fields = [
            "patient_name",
            "patient_date_of_birth",
            "patient_email",
            "patient_phone",
            "external_reference",
            "diagnosis_codes",
            "language",
            "void_reason",
            "notes",
        ]

    def clean_language(self) -> str:
        return str(self.cleaned_data.get("language") or self.instance.language or "en")
