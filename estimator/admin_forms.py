"""Admin form pieces that make JSON-backed fields editable in plain terms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import ServiceType


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
