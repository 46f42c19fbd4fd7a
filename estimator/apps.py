"""App configuration."""

from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class EstimatorConfig(AppConfig):
    """The estimator: catalog, insurance plans, estimates."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "estimator"
    verbose_name = "Estimator"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .catalog_triggers import catalog_triggers_after_migrate
        from .history import history_descriptors_keep
        from .repricing import repricing_connect
        from .roles import roles_after_migrate

        # After auth's own handler has made the permissions of every model.
        post_migrate.connect(roles_after_migrate, sender=self)
        post_migrate.connect(catalog_triggers_after_migrate, sender=self)
        repricing_connect()
        history_descriptors_keep()


class EstimatorAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the estimator's site: models grouped by task, a dashboard of what
    is due today (estimator/admin_site.py)."""

    default = False  # named in INSTALLED_APPS; "estimator" itself is EstimatorConfig

    default_site = "estimator.admin_site.EstimatorAdminSite"
