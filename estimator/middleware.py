"""Request and response hygiene that every page and API call gets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before retrying while the database is unreachable.
RETRY_AFTER = 5


class RefuseNulBytes:
    """A NUL byte in the address or query is never a real request: 404 / 400, never a 500.

    PostgreSQL cannot hold NUL in text, so one reaching a lookup would fail in the driver.
    Form and JSON fields already refuse it (Django's and DRF's CharField); addresses and
    query strings are checked here, once, before any view.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            raise Http404("There is nothing at this address.")
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any("\x00" in part for pair in pairs for part in pair):
                raise BadRequest("A query parameter contains a NUL character.")
        return self.get_response(request)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, a page a patient can read elsewhere."""
    from estimator.api.errors import problem_response

    if request.path.startswith("/api/"):
        response: HttpResponse = problem_response(
            503, "The service cannot reach its database; try again shortly.", "unavailable"
        )
    else:
        response = render(request, "estimator/unavailable.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class DatabaseUnavailable:
    """A database that cannot be reached is a 503 the client may retry, not a 500.

    The request's transaction (ATOMIC_REQUESTS) has rolled back by the time this runs, so
    nothing was half written; the next request opens a new connection, so the server
    recovers by itself once the database is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable: %s", type(exception).__name__)
        return database_unavailable_response(request)


class PatientLanguage(LocaleMiddleware):
    """The patient's pages speak the patient's language; the API and admin stay in English.

    The language comes from the switch's cookie, else the browser's Accept-Language (Django's
    LocaleMiddleware). The API is a contract read by programs: its messages, problem titles and
    the engine's sentences stay English whatever the caller's headers, so a response never
    varies by Accept-Language. Admin is in English for the clinic's staff.
    """

    ENGLISH_ONLY = ("/api/", "/admin/", "/healthz", "/readyz")

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(self.ENGLISH_ONLY):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return
        super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path.startswith(self.ENGLISH_ONLY):
            return response
        return super().process_response(request, response)
