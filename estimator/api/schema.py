"""OpenAPI pieces: the problem+json error shape, shared responses and examples."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .errors import TYPE_BASE, problem

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


# Every problem type the API answers with, by status: `type` is TYPE_BASE + kind. Each becomes a
# named example on every response of that status, so a client sees what it must handle. `type`
# is deliberately not an enum: new kinds may be added within v1 (docs/api.md, "Versioning").
PROBLEM_KINDS: dict[int, dict[str, str]] = {
    400: {
        "validation-error": "A field is invalid; `errors` lists each field to fix.",
        "parse-error": "The body is not well-formed JSON.",
        "bad-request": "The request could not be read (e.g. a NUL byte in the query).",
    },
    401: {
        "not-authenticated": "No API key was sent (only where one is required).",
        "authentication-failed": "The API key is unknown, revoked or expired.",
    },
    403: {
        "permission-denied": "The key may not do this (e.g. a read key storing an estimate).",
        "csrf-failed": "A staff browser session without a valid CSRF token.",
    },
    404: {"not-found": "No such resource, or not visible to this key."},
    406: {"not-acceptable": "The Accept header asks for a format the API does not produce."},
    409: {
        "idempotency-in-progress": "A request with this Idempotency-Key is still running.",
        "estimate-not-billable": "The estimate is a draft, void or superseded: bills are "
        "compared with issued estimates only.",
    },
    413: {"too-large": "The body is larger than 256 KiB."},
    415: {"unsupported-media-type": "The body is not JSON."},
    422: {
        "quote-invalid": "Well-formed, but the plan cannot be priced as asked; `errors` says why.",
        "idempotency-key-reused": "This Idempotency-Key was used with a different body.",
    },
    429: {"throttled": "Too many requests; wait the seconds in Retry-After."},
    500: {"error": "A fault on the server's side; it has been logged."},
    503: {"unavailable": "The database cannot be reached; retry after Retry-After seconds."},
}


def problem_description(status: int) -> str:
    """What a status means, naming each problem type (`type`) it may carry."""
    return " ".join(f"`{TYPE_BASE}{kind}`: {text}" for kind, text in PROBLEM_KINDS[status].items())


def problems(*codes: int) -> dict[Any, Any]:
    """Problem+json responses for these status codes."""
    result: dict[Any, Any] = {}
    for code in codes:
        result[(code, PROBLEM)] = OpenApiResponse(
            response=ProblemOut, description=problem_description(code)
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
    # As estimator.api.idempotency checks it: 1 to 255 visible ASCII characters.
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x21-\x7e]+$"},
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID). A retry with the same key and body gets the first "
    "response back; the same key with a different body is a 422.",
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


class CookieSessionScheme(SessionScheme):
    """Documents the estimator's SessionAuthentication (DRF's, skipped without a session
    cookie) as DRF's is documented: the cookieAuth scheme."""

    target_class = "estimator.api.auth.SessionAuthentication"


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


# ---- the rest of the contract, said once for every operation (a postprocessing hook) ---------
# What every operation shares is added here rather than on each view, so a new endpoint gets
# it without anyone remembering: 500/503, the named problem types, rate-limit and request-id
# headers, Retry-After, Location, ETag, and limit/offset on every paginated list.

_INT = {"type": "integer", "minimum": 0}
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id (yours when you sent a UUID as X-Request-ID); quote "
        "it when asking about a request.",
        "schema": {"type": "string"},
    },
    "RateLimit-Limit": {
        "description": "Requests allowed in the current window of the limit this request is "
        "nearest to (IETF draft RateLimit header fields); sent when a limit counted it.",
        "schema": _INT,
    },
    "RateLimit-Remaining": {
        "description": "Requests left in that window.",
        "schema": _INT,
    },
    "RateLimit-Reset": {
        "description": "Seconds until that window ends.",
        "schema": _INT,
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": _INT,
    },
    "WWW-Authenticate": {
        "description": "The scheme to authenticate with: Api-Key.",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The address of what was stored.",
        "required": True,
        "schema": {"type": "string", "format": "uri"},
    },
    "ETag": {
        "description": "The content's tag: send it back in If-None-Match for a 304.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "How long the content may be kept: public, max-age=60.",
        "required": True,
        "schema": {"type": "string"},
    },
}
_RATE_LIMIT = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
_PAGING = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "Results per page: 50 unless given, at most 100.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    },
    {
        "name": "offset",
        "in": "query",
        "required": False,
        "description": "How many results to skip.",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
    },
]


def problem_example(status: int, kind: str) -> dict[str, Any]:
    """A body of this problem type, as the API sends it."""
    detail = PROBLEM_KINDS[status][kind]
    errors = None
    if kind == "validation-error":
        message = "Ensure this value is greater than or equal to 1."
        errors = [{"field": "items[0].sessions", "code": "min_value", "message": message}]
        detail = f"items[0].sessions: {message}"
    elif kind == "quote-invalid":
        message = "Dry needling, 1 or 2 muscles is not offered for 20 minutes (offered: 15, 30)."
        errors = [
            {
                "field": "items[0].duration_minutes",
                "code": "duration_not_offered",
                "message": message,
            }
        ]
        detail = f"The plan cannot be priced as asked: {message}"
    return problem(status, detail, code=kind.replace("-", "_"), errors=errors)


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": problem_description(status),
        "content": {PROBLEM: {"schema": _ref("schemas", "ProblemOut")}},
    }


def _kinds(operation: dict[str, Any], status: int) -> list[str]:
    """The problem types this operation may answer with this status."""
    headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    impossible = set()
    if {} in operation.get("security", []):
        impossible.add("not-authenticated")  # no key is needed here
    if "Idempotency-Key" not in headers:
        impossible |= {"idempotency-key-reused", "idempotency-in-progress"}
    if "requestBody" not in operation:
        impossible |= {"parse-error", "csrf-failed"}  # nothing to parse; a safe method
    if "billed_charges" not in operation.get("operationId", ""):
        impossible.add("estimate-not-billable")
    return [kind for kind in PROBLEM_KINDS[status] if kind not in impossible]


TOO_LONG = {
    "description": "URI Too Long: the address (with its query string) is longer than the "
    "server accepts (gunicorn's limit_request_line, 4094 bytes by default). Answered by the "
    "server in front of the API, not as problem+json."
}


def _complete_operation(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status in (500, 503):
        responses.setdefault(str(status), _problem_response(status))
    cacheable = "304" in responses
    for code, response in responses.items():
        names = ["X-Request-ID", *_RATE_LIMIT]
        names += {
            "201": ["Location"],
            "401": ["WWW-Authenticate"],
            "429": ["Retry-After"],
            "503": ["Retry-After"],
        }.get(code, [])
        if cacheable and code in ("200", "304"):
            names += ["ETag", "Cache-Control"]
        headers = response.setdefault("headers", {})
        for name in names:
            headers.setdefault(name, _ref("headers", name))
        problem = response.get("content", {}).get(PROBLEM)
        if problem is not None:
            examples = problem.setdefault("examples", {})
            for kind in _kinds(operation, int(code)):
                examples.setdefault(kind, _ref("examples", f"problem-{kind}"))
    ok = responses.get("200", {}).get("content", {}).get("application/json", {})
    if ok.get("schema", {}).get("$ref", "").startswith("#/components/schemas/Paginated"):
        parameters = [
            p for p in operation.get("parameters", []) if p["name"] not in ("limit", "offset")
        ]
        operation["parameters"] = [*parameters, *_PAGING]
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        # Found by make fuzz: an address past the server's request-line limit is refused by the
        # server (gunicorn) before the application sees it - so not as problem+json.
        responses.setdefault("414", TOO_LONG)


def complete_contract(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: what every operation shares, in the schema."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            _complete_operation(operation)
    components = result.setdefault("components", {})
    components.setdefault("headers", {}).update(HEADERS)
    components.setdefault("examples", {}).update(
        {
            f"problem-{kind}": {"summary": summary, "value": problem_example(status, kind)}
            for status, kinds in PROBLEM_KINDS.items()
            for kind, summary in kinds.items()
        }
    )
    return result
