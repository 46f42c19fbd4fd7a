"""App configuration."""

from __future__ import annotations

from django.apps import AppConfig


class EstimatorConfig(AppConfig):
    """The estimator: catalog, insurance plans, estimates."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "estimator"
    verbose_name = "Estimator"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .repricing import repricing_connect
        from .roles import roles_after_migrate

        # After auth's own handler has made the permissions of every model.
        post_migrate.connect(roles_after_migrate, sender=self)
        repricing_connect()
