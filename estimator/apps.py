"""App configuration."""

from __future__ import annotations

from django.apps import AppConfig


class EstimatorConfig(AppConfig):
    """The estimator: catalog, insurance plans, estimates."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "estimator"
    verbose_name = "Estimator"
