"""One error shape everywhere: application/problem+json (RFC 9457) with per-field errors."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response

from estimator.quotes import QuoteInvalid

from .renderers import ProblemJSONRenderer

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# A URN, not a web address: the types are documented in docs/api.md ("Errors"), and a URN never
# pretends a page exists at an address we do not serve.
TYPE_BASE = "urn:problem-type:estimator:"

# The engine names fields after its own dataclasses; the API's callers know the request's names.
_ENGINE_FIELD_NAMES = (
    (".service_code", ".service"),
    (".addon_codes", ".add_ons"),
    ("standing.oop_met", "standing.out_of_pocket_met"),
)

_TITLES = {
    400: "The request is not valid",
    401: "Authentication needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "The request cannot be processed",
    429: "Too many requests",
    500: "Server error",
    503: "Service unavailable",
}


class RequestTooLarge(exceptions.APIException):
    """The body is bigger than DATA_UPLOAD_MAX_MEMORY_SIZE."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class IdempotencyMismatch(exceptions.APIException):
    """An Idempotency-Key was reused with a different body."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was already used with a different request body; "
        "use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class IdempotencyInProgress(exceptions.APIException):
    """The first request with this Idempotency-Key has not finished yet."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."
    default_code = "idempotency_in_progress"


def problem(
    status_code: int,
    detail: str,
    *,
    code: str,
    errors: list[dict[str, str]] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """The problem+json body."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": title or _TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def engine_field(path: str) -> str:
    """items[0].service_code -> items[0].service (the names the request uses)."""
    for old, new in _ENGINE_FIELD_NAMES:
        path = path.replace(old, new)
    return path


def flatten(detail: Any, path: str = "") -> Iterator[dict[str, str]]:
    """DRF's nested error detail as a flat list of {field, code, message}."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                yield from flatten(value, path)
                continue
            if isinstance(key, int) or str(key).isdigit():
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}" if path else str(key)
            yield from flatten(value, child)
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                yield from flatten(item, path)
        else:
            for index, item in enumerate(detail):
                if item:  # DRF puts {} for list items that had no errors
                    yield from flatten(item, f"{path}[{index}]")
    else:
        code = getattr(detail, "code", None) or "invalid"
        yield {"field": path or "body", "code": str(code), "message": str(detail)}


def _problem_response(
    request: Any, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    # Errors are never rendered as the browsable API's HTML: force the problem renderer.
    if request is not None:
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = PROBLEM_CONTENT_TYPE
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering in problem+json."""
    request = context.get("request")
    headers: dict[str, str] = {}
    if isinstance(exc, QuoteInvalid):
        errors = [
            {"field": engine_field(p.field), "code": p.code, "message": p.message}
            for p in exc.problems
        ]
        body = problem(
            422,
            "The plan cannot be priced as asked: " + errors[0]["message"],
            code="quote_invalid",
            errors=errors,
        )
        _rollback(context)
        return _problem_response(request, body)
    if isinstance(exc, RequestDataTooBig):
        # DRF reads a JSON body through request.body, where Django enforces the size limit.
        exc = RequestTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, OperationalError | InterfaceError):
        # Raised on, so the request's transaction rolls back and DatabaseUnavailable answers 503.
        return None
    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled error in the API", exc_info=exc)
        _rollback(context)
        body = problem(500, "Something went wrong on our side; it has been logged.", code="error")
        return _problem_response(request, body)
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        authenticate_header = getattr(exc, "auth_header", None)
        if authenticate_header:
            headers["WWW-Authenticate"] = authenticate_header
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    if isinstance(exc, exceptions.ValidationError):
        errors = list(flatten(exc.detail))
        first = errors[0]["message"] if errors else "Check the request."
        where = errors[0]["field"] if errors else "body"
        body = problem(
            400,
            f"{where}: {first}" if where != "body" else first,
            code="validation_error",
            errors=errors,
        )
    else:
        code = exc.get_codes() if isinstance(exc.detail, str) else exc.default_code
        body = problem(exc.status_code, str(exc.detail), code=str(code))
    _rollback(context)
    return _problem_response(request, body, headers)


def _rollback(context: dict[str, Any]) -> None:
    """Roll back the request's transaction, if the view runs in one (ATOMIC_REQUESTS)."""
    from rest_framework.views import set_rollback

    # A view that opted out of the request transaction (reads) must not mark an enclosing
    # one for rollback: that would be somebody else's transaction (a test's, say).
    view = context.get("view")
    if getattr(getattr(view, "dispatch", None), "_non_atomic_requests", None):
        return
    set_rollback()


# ---- Django-level handlers: errors raised outside DRF views (unknown URLs, crashes) ----------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def problem_response(status_code: int, detail: str, code: str) -> JsonResponse:
    """A plain Django problem+json response, for errors outside DRF views."""
    return JsonResponse(
        problem(status_code, detail, code=code),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _patient_page(request: HttpRequest, render: Callable[[], HttpResponse]) -> HttpResponse:
    """An error page in the patient's language, even when raised before PatientLanguage chose
    it (a NUL byte refused by RefuseNulBytes, which runs first)."""
    if getattr(request, "LANGUAGE_CODE", None):
        return render()
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = render()
    response.headers.setdefault("Content-Language", language)
    return response


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400 as problem+json under /api/ (e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    if _is_api(request):
        return problem_response(400, "The request could not be read.", "bad_request")
    return _patient_page(request, lambda: defaults.bad_request(request, exception or Exception()))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A refused CSRF check: problem+json under /api/, the site's 403_csrf.html elsewhere."""
    if _is_api(request):
        return problem_response(403, "CSRF verification failed: " + reason, "csrf_failed")
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 as problem+json under /api/; the site's own page (404.html) elsewhere."""
    if _is_api(request):
        return problem_response(404, "There is nothing at this address.", "not_found")
    return _patient_page(
        request, lambda: defaults.page_not_found(request, exception or Exception())
    )


def handler500(request: HttpRequest) -> HttpResponse:
    """500 as problem+json under /api/; the site's own page (500.html) elsewhere."""
    if _is_api(request):
        return problem_response(500, "Something went wrong on our side.", "error")
    return defaults.server_error(request)
