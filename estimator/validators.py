"""Field validators for identifiers that go on Good Faith Estimates and claims."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

BILLING_CODE_RE = re.compile(r"^(\d{5}|[A-Z]\d{4}|\d{4}[A-Z])$")


def validate_billing_code(value: str) -> None:
    """A CPT code (five digits, 20560) or a HCPCS Level II code (letter and four digits, G0283)."""
    if not BILLING_CODE_RE.match(value):
        raise ValidationError(
            "Enter a CPT code (five digits, such as 20560) or a HCPCS code "
            "(a letter and four digits, such as G0283).",
            code="billing_code",
        )


def validate_npi(value: str) -> None:
    """A National Provider Identifier: ten digits, the last a Luhn check digit over 80840+NPI."""
    if not re.fullmatch(r"\d{10}", value):
        raise ValidationError("An NPI is exactly ten digits.", code="npi_format")
    digits = [int(c) for c in "80840" + value]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    if total % 10 != 0:
        raise ValidationError(
            "This NPI's check digit is wrong; please copy it again from NPPES.", code="npi_check"
        )


def validate_tin(value: str) -> None:
    """A US taxpayer identification number written as an EIN (12-3456789) or nine digits."""
    if not re.fullmatch(r"\d{2}-?\d{7}", value):
        raise ValidationError(
            "Enter the tax identification number as nine digits, such as 12-3456789.",
            code="tin_format",
        )
