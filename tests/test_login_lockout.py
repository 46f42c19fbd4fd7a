"""Staff logins lock after repeated failures (django-axes), per username and address."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


def attempt(client: Any, password: str, username: str = "staff") -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def test_correct_password_logs_in(client: Any, staff_user: Any) -> None:
    response = attempt(client, "pw-staff-123")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client: Any, staff_user: Any
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200
    # The failure that reaches the limit is answered with the lockout already.
    assert attempt(client, "wrong").status_code == 429
    locked = attempt(client, "pw-staff-123")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_username_from_the_same_address_is_not_locked(
    client: Any, staff_user: Any, django_user_model: Any
) -> None:
    django_user_model.objects.create_superuser("colleague", "c@example.com", "pw-colleague-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    assert attempt(client, "pw-colleague-1", username="colleague").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client: Any, staff_user: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, "pw-staff-123").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, "pw-staff-123").status_code == 302


def test_the_lockout_page_says_when_to_try_again(client: Any, staff_user: Any, clock: Any) -> None:
    attempt(client, "wrong")  # the first failure, at 20:00 UTC; the rest at 20:20
    clock.move_to(dt.datetime(2026, 11, 25, 20, 20, tzinfo=dt.UTC))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        locked = attempt(client, "wrong")
    page = " ".join(locked.content.decode().split())
    assert locked.status_code == 429
    limit = settings.AXES_FAILURE_LIMIT
    assert f"Sign-in is locked for “staff” after {limit} wrong passwords" in page
    # An hour from the latest failure, in the server's zone (America/New_York): 4:20 PM EST.
    assert "Sign in again after" in page and "4:20 PM EST" in page
    assert "a lock lasts 1 hour from the latest wrong password" in page
    assert 'id="site-name"' in page  # the admin's own page, not plain text
