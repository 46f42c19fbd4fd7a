"""POST /api/v1/estimates/{reference}/billed-charges: a bill compared with its GFE."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from estimator.models import BilledCharges, Estimate
from estimator.reconciliation import (
    EstimateNotBillable,
    LineBill,
    ProviderBill,
    billed_charges_record,
)
from estimator.validators import validate_billing_code, validate_npi

from . import schema as docs
from . import selectors
from .auth import CanReadEstimates, request_key, request_owner
from .fields import (
    MoneyInput,
    MoneyOutField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    StrictSerializer,
)
from .idempotency import (
    Replay,
    idempotency_begin,
    idempotency_finish,
    idempotency_key,
    request_hash,
)
from .notices import billing_out
from .views import MethodsFirst, PatientDetails

MAX_PROVIDERS = 20
MAX_LINES = 200


class EstimateNotBillableConflict(exceptions.APIException):
    """409: the estimate is a draft, void or superseded."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "estimate_not_billable"
    default_detail = "Bills are compared with issued estimates only."


def _django_validator(check: Any) -> Any:
    def run(value: str) -> None:
        try:
            check(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from error

    return run


class BilledLineInput(StrictSerializer):
    """One billed service line."""

    code = StrictCharField(
        max_length=5,
        validators=[_django_validator(validate_billing_code)],
        help_text="CPT or HCPCS code, e.g. 20560 or G0283.",
    )
    date = StrictDateField(help_text="Date of service (YYYY-MM-DD).")
    units = StrictIntegerField(min_value=1, max_value=99, required=False, default=1)
    amount = MoneyInput(help_text="The line's billed charge; the estimate's currency.")


class BilledProviderInput(StrictSerializer):
    """One provider's part of the bill."""

    npi = StrictCharField(
        max_length=10, validators=[_django_validator(validate_npi)], help_text="Ten digits."
    )
    name = StrictCharField(max_length=200)
    lines = BilledLineInput(many=True, min_length=1, max_length=MAX_LINES)  # type: ignore[call-arg]


class BilledChargesInput(StrictSerializer):
    """The bill: its date and each provider's lines."""

    bill_date = StrictDateField(help_text="The date on the bill; the dispute window runs from it.")
    providers = BilledProviderInput(many=True, min_length=1, max_length=MAX_PROVIDERS)  # type: ignore[call-arg]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        estimate: Estimate = self.context["estimate"]
        currency = estimate.total_charge.currency.code
        errors: dict[str, Any] = {}
        seen: set[str] = set()
        today = estimate.clinic.today()
        if attrs["bill_date"] > today:
            errors["bill_date"] = [f"A bill date cannot be after today ({today:%Y-%m-%d})."]
        for index, provider in enumerate(attrs["providers"]):
            if provider["npi"] in seen:
                errors[f"providers[{index}].npi"] = ["This provider is listed twice."]
            seen.add(provider["npi"])
            for number, line in enumerate(provider["lines"]):
                where = f"providers[{index}].lines[{number}]"
                if line["amount"]["currency"] != currency:
                    errors[f"{where}.amount.currency"] = [
                        f"Use {currency}, the currency of estimate {estimate.reference}."
                    ]
                if line["date"] > attrs["bill_date"]:
                    errors[f"{where}.date"] = ["A service date cannot be after the bill date."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def provider_bills(self) -> tuple[ProviderBill, ...]:
        """The validated providers as the use case takes them."""
        return tuple(
            ProviderBill(
                npi=p["npi"],
                name=p["name"],
                lines=tuple(
                    LineBill(
                        code=line["code"],
                        service_date=line["date"],
                        amount=line["amount"]["amount"],
                        currency=line["amount"]["currency"],
                        units=line["units"],
                    )
                    for line in p["lines"]
                ),
            )
            for p in self.validated_data["providers"]
        )


class BilledProviderOut(serializers.Serializer):
    """One provider's bill against its GFE amount."""

    npi = serializers.CharField()
    name = serializers.CharField()
    billed = MoneyOutField()
    expected = MoneyOutField(help_text="The GFE's expected charges for this provider.")
    over_by = MoneyOutField()
    flagged = serializers.BooleanField()
    dispute_deadline = serializers.DateField(allow_null=True)


class BilledChargesOut(serializers.Serializer):
    """A recorded bill, compared provider by provider, and the estimate's billing status."""

    reference = serializers.CharField(source="estimate.reference")
    bill_date = serializers.DateField()
    received_at = serializers.DateTimeField(source="created_at")
    providers = BilledProviderOut(many=True, source="providers.all")
    billing = serializers.SerializerMethodField()

    def get_billing(self, obj: BilledCharges) -> dict[str, Any]:
        return billing_out(obj.estimate)


EXAMPLE = {
    "bill_date": "2026-12-20",
    "providers": [
        {
            "npi": "1234567893",
            "name": "Cascade Needling & Physical Therapy",
            "lines": [
                {
                    "code": "20560",
                    "date": "2026-12-14",
                    "amount": {"amount": "95.00", "currency": "USD"},
                }
            ],
        }
    ],
}


class BilledChargesCreate(MethodsFirst, PatientDetails, APIView):
    """POST: record billed charges for an issued estimate and compare them with it."""

    permission_classes = [CanReadEstimates]

    @extend_schema(
        summary="Report billed charges for an issued estimate",
        description="Compares each provider's billed total with the Good Faith Estimate's "
        "expected charges for that provider (the estimate's clinic, by NPI; a provider the "
        "estimate did not list was expected to bill nothing) and flags a bill $400 or more "
        "above it (45 CFR 149.620), with the end of the 120-day dispute window. A later bill "
        "for the same estimate replaces the earlier one in the comparison. 409 for a draft, "
        "void or superseded estimate.",
        tags=["estimates"],
        request=BilledChargesInput,
        parameters=[docs.IDEMPOTENCY_KEY],
        responses={
            201: OpenApiResponse(
                BilledChargesOut,
                description="Recorded. A retry with the same Idempotency-Key and body returns "
                "this same response.",
            ),
            **docs.problems(*docs.WRITE_PROBLEMS, 409),
        },
        examples=[OpenApiExample("A bill", value=EXAMPLE, request_only=True)],
    )
    def post(self, request: Request, reference: str) -> Response:
        estimate = get_object_or_404(
            selectors.estimates_visible(key=request_key(request)), reference=reference.upper()
        )
        key = idempotency_key(request.headers)
        record = None
        if key is not None:
            fingerprint = request_hash({"billed_charges": estimate.reference, "body": request.data})
            claim = idempotency_begin(
                owner=request_owner(request), key=key, fingerprint=fingerprint
            )
            if isinstance(claim, Replay):
                return Response(claim.body, status=claim.status)
            record = claim
        data = BilledChargesInput(data=request.data, context={"estimate": estimate})
        data.is_valid(raise_exception=True)
        try:
            bill = billed_charges_record(
                estimate=estimate,
                bill_date=data.validated_data["bill_date"],
                providers=data.provider_bills(),
                api_key=request_key(request),
            )
        except EstimateNotBillable as refused:
            raise EstimateNotBillableConflict(str(refused)) from refused
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.message_dict) from invalid
        body = dict(BilledChargesOut(bill).data)
        if record is not None:
            idempotency_finish(
                record=record, status=status.HTTP_201_CREATED, body=body, estimate=estimate
            )
        return Response(body, status=status.HTTP_201_CREATED)
