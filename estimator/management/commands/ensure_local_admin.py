"""manage.py ensure_local_admin: the well-known development login, local settings only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "estimator-local"  # noqa: S105 - documented development login, refused outside local


class Command(BaseCommand):
    """Create the local admin user (admin / estimator-local) if it does not exist."""

    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "ESTIMATOR_LOCAL_ADMIN", False):
            raise CommandError(
                "Refusing: the well-known admin login exists only under config.settings.local. "
                "Use `manage.py createsuperuser` elsewhere."
            )
        user_model = get_user_model()
        if user_model.objects.filter(username=USERNAME).exists():
            self.stdout.write(f"Local admin '{USERNAME}' already exists.")
            return
        user_model.objects.create_superuser(USERNAME, "admin@localhost", PASSWORD)
        self.stdout.write(f"Created local admin '{USERNAME}' with password '{PASSWORD}'.")
