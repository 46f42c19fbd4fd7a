"""Top-level URLs: admin, the patient's quote pages, the versioned API."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from estimator import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("estimator.api.urls")),
    # The language switch posts here (Django's set_language: a cookie, then back to the page).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("estimator.web.urls")),
]

# Errors outside DRF views (unknown addresses, unreadable bodies, crashes): problem+json under
# /api/, Django's own pages elsewhere.
handler400 = "estimator.api.errors.handler400"
handler404 = "estimator.api.errors.handler404"
handler500 = "estimator.api.errors.handler500"
