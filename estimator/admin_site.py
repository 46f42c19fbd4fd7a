"""The admin site, arranged by the front desk's and the billing manager's tasks, with a
dashboard of what is due today on its index page.

Outside estimator/admin/ on purpose: that package registers the model admins on admin.site
when imported, and admin.site is made from this class, so this module must load first."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

# (group name, anchor, models as "app_label.ModelName"); a registered model in none of these
# is shown under "More" so a new admin module never makes a model vanish from the index.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Estimates and notices",
        "estimates",
        ("estimator.Estimate", "estimator.GoodFaithEstimateRequest", "estimator.BilledCharges"),
    ),
    (
        "Catalog",
        "catalog",
        (
            "estimator.ServiceType",
            "estimator.ServicePrice",
            "estimator.AddOn",
            "estimator.AddOnPrice",
            "estimator.Package",
            "estimator.BodyArea",
            "estimator.Clinic",
        ),
    ),
    (
        "Insurance",
        "insurance",
        ("estimator.InsurancePlan", "estimator.CoverageRule", "estimator.Payer"),
    ),
    (
        "Webhooks",
        "webhooks",
        ("estimator.WebhookEndpoint", "estimator.WebhookDelivery"),
    ),
    (
        "Security",
        "security",
        (
            "auth.User",
            "auth.Group",
            "estimator.IntegrationKey",
            "axes.AccessAttempt",
            "axes.AccessFailureLog",
            "axes.AccessLog",
        ),
    ),
)
OTHER = ("More", "more")


class EstimatorAdminSite(admin.AdminSite):
    """Django's admin site with the models grouped by task and a 'due today' dashboard."""

    site_header = "Estimator — clinic administration"
    site_title = "Estimator admin"
    index_title = "Today"
    index_template = "admin/estimator/index.html"

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        if app_label is not None:
            # /admin/<app_label>/ keeps Django's one-app page.
            return list(super().get_app_list(request, app_label))
        found: dict[str, dict[str, Any]] = {}
        for app in self._build_app_dict(request).values():
            for model in app["models"]:
                found[f"{app['app_label']}.{model['object_name']}"] = model
        groups = []
        for name, anchor, keys in (*GROUPS, (*OTHER, ())):
            if keys:
                models = [found.pop(key) for key in keys if key in found]
            else:
                models = sorted(found.values(), key=lambda m: str(m["name"]))
            models += self._extra_links(request, anchor)
            if models:
                groups.append(
                    {
                        "name": name,
                        "app_label": anchor,
                        "app_url": reverse("admin:index", current_app=self.name) + f"#{anchor}",
                        "has_module_perms": True,
                        "models": models,
                    }
                )
        return groups

    def _extra_links(self, request: HttpRequest, anchor: str) -> list[dict[str, Any]]:
        # Pages that are not a model's list but belong with a task: the monthly report.
        if anchor != "estimates" or not request.user.has_perm("estimator.view_estimate"):
            return []
        return [
            {
                "name": "Estimates per month (report)",
                "object_name": "EstimateReport",
                "perms": {"view": True},
                "admin_url": reverse("admin:estimator_estimate_report", current_app=self.name),
                "add_url": None,
                "view_only": True,
            }
        ]

    def index(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        from estimator.admin.dashboard import dashboard_items

        extra = {"dashboard": dashboard_items(request), **(extra_context or {})}
        return super().index(request, extra)
