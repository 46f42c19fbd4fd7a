"""Top-level URLs: admin, the patient's quote pages, the versioned API."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

admin.site.site_header = "Estimator — clinic administration"
admin.site.site_title = "Estimator admin"
admin.site.index_title = "Catalog, insurance plans and estimates"

urlpatterns = [
    path("admin/", admin.site.urls),
]
