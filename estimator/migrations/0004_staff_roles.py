"""The staff roles (Front desk, Billing manager) as ready-made groups; see estimator/roles.py.

`manage.py ensure_roles` does the same and keeps the groups up to date when roles.py changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

from estimator.roles import ROLES, roles_ensure


def create_roles(apps: Any, schema_editor: Any) -> None:
    """Permissions are normally made after migrate; the groups need them now."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_ensure(apps=apps, strict=False)


def remove_roles(apps: Any, schema_editor: Any) -> None:
    """Undo: the role groups go (their members stay, without those permissions)."""
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("estimator", "0003_estimate_immutability"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
