"""Request and response hygiene that every page and API call gets."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse


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
