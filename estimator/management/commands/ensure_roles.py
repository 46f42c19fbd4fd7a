"""manage.py ensure_roles: the Front desk and Billing manager groups, with their permissions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from estimator.roles import roles_ensure


class Command(BaseCommand):
    """Create the staff role groups, or bring their permissions up to date (safe to repeat)."""

    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in roles_ensure().items():
            self.stdout.write(f"Group '{name}': {count} permissions.")
