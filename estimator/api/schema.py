"""OpenAPI pieces: the problem+json error shape, shared responses and examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

PROBLEM = "application/problem+json"


class FieldErrorOut(serializers.Serializer):
    """One thing to fix: where, a machine code, and a message."""

    field = serializers.CharField(help_text='A path into the body, e.g. "items[0].sessions".')
    code = serializers.CharField(help_text='e.g. "duration_not_offered".')
    message = serializers.CharField()


class ProblemOut(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = FieldErrorOut(many=True, required=False)  # type: ignore[assignment]


_DESCRIPTIONS = {
    400: "The request is malformed or a field is invalid; `errors` lists each field to fix.",
    401: "No API key, or an unknown, revoked or expired one.",
    403: "The key may not do this (e.g. a read key creating an estimate).",
    404: "No such resource (or not visible to this key).",
    406: "The Accept header asks for a format the API does not produce.",
    409: "A request with this Idempotency-Key is still being processed.",
    413: "The body is larger than 256 KiB.",
    415: "The body is not JSON.",
    422: "The request is well-formed but cannot be priced (e.g. a duration not offered), or "
    "an Idempotency-Key was reused with a different body.",
    429: "Too many requests; wait for the seconds in Retry-After.",
}

_RETRY_AFTER = [
    {"name": "Retry-After", "description": "Seconds to wait.", "type": OpenApiTypes.INT}
]


def problems(*codes: int) -> dict[Any, Any]:
    """Problem+json responses for these status codes."""
    result: dict[Any, Any] = {}
    for code in codes:
        result[(code, PROBLEM)] = OpenApiResponse(
            response=ProblemOut, description=_DESCRIPTIONS[code]
        )
    return result


READ_PROBLEMS = (400, 401, 403, 404, 406, 429)
WRITE_PROBLEMS = (400, 401, 403, 404, 406, 413, 415, 422, 429)

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag from an earlier response; 304 when nothing changed.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID). A retry with the same key and body gets the first "
    "response back; the same key with a different body is a 422.",
)

QUOTE_VIEW = OpenApiParameter(
    "view",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["full", "summary"],
    default="full",
    description="full (the default): the summary and the whole estimate, every line with the "
    "reasons behind it. summary: the summary, one row of figures per session and the warnings "
    "- about a tenth of the size, for callers that show totals only.",
)

QUOTE_EXAMPLE = {
    "clinic": "cascade",
    "items": [
        {
            "service": "dry-needling-1-2",
            "duration_minutes": 30,
            "add_ons": ["estim-unattended"],
            "sessions": 6,
        }
    ],
    "sessions_per_week": 1,
    "start_date": "2026-12-01",
    "coverage": {"mode": "self_pay"},
}

QUOTE_EXAMPLES = [
    OpenApiExample("Self-pay, six sessions", value=QUOTE_EXAMPLE, request_only=True),
    OpenApiExample(
        "Insured, part of the deductible met",
        value={
            **QUOTE_EXAMPLE,
            "coverage": {
                "mode": "insured",
                "plan": 2,
                "standing": {
                    "deductible_met": {"amount": "100.00", "currency": "USD"},
                    "visits_used": 3,
                },
            },
        },
        request_only=True,
    ),
    OpenApiExample(
        "A duration not offered",
        status_codes=["422"],
        response_only=True,
        media_type=PROBLEM,
        value={
            "type": "urn:problem-type:estimator:quote-invalid",
            "title": "The request cannot be processed",
            "status": 422,
            "detail": "The plan cannot be priced as asked: Dry needling (1–2 muscles) is not "
            "offered for 20 minutes (offered: 15, 30).",
            "errors": [
                {
                    "field": "items[0].duration_minutes",
                    "code": "duration_not_offered",
                    "message": "Dry needling (1–2 muscles) is not offered for 20 minutes "
                    "(offered: 15, 30).",
                }
            ],
        },
    ),
    OpenApiExample(
        "A float amount",
        status_codes=["400"],
        response_only=True,
        media_type=PROBLEM,
        value={
            "type": "urn:problem-type:estimator:validation-error",
            "title": "The request is not valid",
            "status": 400,
            "detail": "coverage.standing.deductible_met.amount: Write the amount as a string, "
            'e.g. "100.00", not a number.',
            "errors": [
                {
                    "field": "coverage.standing.deductible_met.amount",
                    "code": "not_string",
                    "message": 'Write the amount as a string, e.g. "100.00", not a number.',
                }
            ],
        },
    ),
]

ESTIMATE_EXAMPLES = [
    OpenApiExample(
        "Store a self-pay estimate",
        request_only=True,
        value={
            **QUOTE_EXAMPLE,
            "patient": {
                "name": "Alex Rivera",
                "date_of_birth": "1984-03-09",
                "email": "alex@example.com",
                "phone": "503-555-0199",
            },
            "external_reference": "CHART-1042",
            "diagnosis_codes": ["M54.50"],
            "notes": "Booked by phone.",
        },
    ),
    OpenApiExample(
        "A read-only key",
        status_codes=["403"],
        response_only=True,
        media_type=PROBLEM,
        value={
            "type": "urn:problem-type:estimator:permission-denied",
            "title": "Not allowed",
            "status": 403,
            "detail": "Creating estimates needs a read_write API key.",
        },
    ),
    OpenApiExample(
        "Same Idempotency-Key, different body",
        status_codes=["422"],
        response_only=True,
        media_type=PROBLEM,
        value={
            "type": "urn:problem-type:estimator:idempotency-key-reused",
            "title": "The request cannot be processed",
            "status": 422,
            "detail": "This Idempotency-Key was already used with a different request body; "
            "use a new key for a new request.",
        },
    ),
]


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents ApiKeyAuthentication as the ApiKeyAuth security scheme."""

    target_class = "estimator.api.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Send "Authorization: Api-Key <key>". Keys are created in admin.',
        }
