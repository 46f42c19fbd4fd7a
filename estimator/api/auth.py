"""API keys (IntegrationKey) and staff sessions: who may call what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_api_key.permissions import BaseHasAPIKey, KeyParser

from estimator.models import IntegrationKey, KeyScope

KEYWORD = "Api-Key"
# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def key_touch(*, key: IntegrationKey) -> None:
    """Record that a key was used, at most once a minute, with one conditional UPDATE."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    IntegrationKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    key.last_used_at = now


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
        prefix, _, _ = raw.partition(".")
        key = IntegrationKey.objects.filter(prefix=prefix, revoked=False).first()
        if key is None or not key.is_valid(raw):
            raise exceptions.AuthenticationFailed("This API key is unknown or has been revoked.")
        if key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        # Recorded by KeyUsageMiddleware once the response is made, outside the request's
        # transaction, so a request that fails (and rolls back) still counts as a use.
        request._request.integration_key_used = key  # type: ignore[attr-defined]
        # The caller is a system, not a user: request.user stays anonymous, request.auth is the key.
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


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
