"""API keys (IntegrationKey) and staff sessions: who may call what."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_api_key.permissions import BaseHasAPIKey, KeyParser

from estimator.connections import read_retrying_once
from estimator.models import IntegrationKey, KeyScope
from estimator.models.statements import read_models
from estimator.network import client_address

from .ratelimit import window_hit

logger = logging.getLogger(__name__)

KEYWORD = "Api-Key"
# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
TOO_MANY_BAD_KEYS = "Too many requests with a wrong API key from this address; try again later."


def key_touch(*, key: IntegrationKey) -> None:
    """Record that a key was used, at most once a minute, with one conditional UPDATE."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    try:
        IntegrationKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    except DatabaseError:
        # Best effort, after the response is made: a database outage is answered elsewhere.
        logger.warning("Could not record the use of API key %s", key.prefix)
        return
    key.last_used_at = now


# A key by its prefix (unique), unless revoked: a fixed statement, as every keyed request asks
# it; the ORM built the same one-row query afresh each time (≈ 0.25 ms of CPU against 0.1 ms).
# Its columns are named, not "*": on PostgreSQL the statement is prepared once per connection,
# and a prepared "SELECT *" fails ("cached plan must not change result type") in the workers
# still running when a migration adds a column to the table.
_KEY_COLUMNS = ", ".join(f'"{field.column}"' for field in IntegrationKey._meta.concrete_fields)
_KEY_SQL = (
    f"SELECT {_KEY_COLUMNS} FROM "  # noqa: S608 - column names from the model, no input
    '"estimator_integrationkey" WHERE "prefix" = %s AND NOT "revoked"'
)


def key_by_prefix(prefix: str) -> IntegrationKey | None:
    """The key with this prefix that is not revoked, if any (expiry is the caller's check)."""
    return next(iter(read_models(IntegrationKey, _KEY_SQL, [prefix])), None)


class KeyUsageMiddleware:
    """Writes a key's last use after the view's transaction has committed or rolled back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "integration_key_used", None)
        if isinstance(key, IntegrationKey):
            key_touch(key=key)
        return response


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authorization: Api-Key <key>; a bad, revoked or expired key is a 401."""

    key_parser = KeyParser()

    def authenticate(self, request: Request) -> tuple[AnonymousUser, IntegrationKey] | None:
        raw = self.key_parser.get(request._request)
        if not raw:
            return None
        failures = f"bad_key:{client_address(request._request)}"
        rate = settings.ESTIMATOR_RATE_BAD_KEY
        # Checked before the key is looked at, so past the limit even a right guess is refused.
        seen = window_hit(name=failures, rate=rate, increment=False)
        if seen.count >= seen.limit:
            raise exceptions.Throttled(wait=seen.resets_in, detail=TOO_MANY_BAD_KEYS)
        prefix, _, _ = raw.partition(".")
        # The first query of a keyed request: reconnects once if the kept connection died.
        key = read_retrying_once(lambda: key_by_prefix(prefix))
        problem = None
        if key is None or not key.is_valid(raw):
            problem = "This API key is unknown or has been revoked."
        elif key.has_expired:
            problem = "This API key has expired."
        if problem is not None:
            hit = window_hit(name=failures, rate=rate)
            if not hit.allowed:
                raise exceptions.Throttled(wait=hit.resets_in, detail=TOO_MANY_BAD_KEYS)
            raise exceptions.AuthenticationFailed(problem)
        assert key is not None
        # Recorded by KeyUsageMiddleware once the response is made, outside the request's
        # transaction, so a request that fails (and rolls back) still counts as a use.
        request._request.integration_key_used = key  # type: ignore[attr-defined]
        # The caller is a system, not a user: request.user stays anonymous, request.auth is the key.
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, skipped when the request carries no session cookie.

    Without the cookie Django's user is anonymous and DRF's answer is None all the same; not
    asking spares every integration request (they send keys, not cookies) the lazy user's
    evaluation. With the cookie, DRF's checks (an active user, CSRF on unsafe methods) apply.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        if settings.SESSION_COOKIE_NAME not in request._request.COOKIES:
            return None
        return super().authenticate(request)


def request_key(request: Request) -> IntegrationKey | None:
    """The integration key the request was authenticated with, if any."""
    return request.auth if isinstance(request.auth, IntegrationKey) else None


def is_staff(request: Request) -> bool:
    """A logged-in clinic administrator (session auth, e.g. the browsable API)."""
    user = request.user
    return bool(user and user.is_authenticated and user.is_staff)


def request_owner(request: Request) -> str:
    """Who is calling, as a stable string: the key's prefix or the staff user's id."""
    key = request_key(request)
    if key is not None:
        return f"key:{key.prefix}"
    return f"user:{request.user.pk}"


class HasIntegrationKey(BaseHasAPIKey):
    """A valid IntegrationKey of any scope."""

    model = IntegrationKey

    def has_permission(self, request: Any, view: Any) -> bool:
        # ApiKeyAuthentication has already checked the key for this request: no second lookup.
        if request_key(request) is not None:
            return True
        return super().has_permission(request, view)


class CanReadEstimates(HasIntegrationKey):
    """Stored estimates: any key or staff to read; a read_write key or staff to create."""

    message = "Creating estimates needs a read_write API key (or, for staff, the add permission)."

    def has_permission(self, request: Any, view: Any) -> bool:
        reading = request.method in ("GET", "HEAD", "OPTIONS")
        if is_staff(request):
            # The same permissions as in admin: a view-only user cannot store estimates here.
            needed = "estimator.view_estimate" if reading else "estimator.add_estimate"
            return bool(request.user.has_perm(needed))
        key = request_key(request)
        if key is None:
            return False
        return reading or key.scope == KeyScope.READ_WRITE


class CanSendEstimateEmails(HasIntegrationKey):
    """Emailing an estimate: a read_write key, or staff who may send estimate emails."""

    message = "Emailing estimates needs a read_write API key (or, for staff, the send permission)."

    def has_permission(self, request: Any, view: Any) -> bool:
        if is_staff(request):
            return bool(request.user.has_perm("estimator.send_estimateemail"))
        key = request_key(request)
        return key is not None and key.scope == KeyScope.READ_WRITE
