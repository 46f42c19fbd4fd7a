"""/api/v1/: catalog, quotes, estimates, the OpenAPI schema and its docs."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

app_name = "api"

urlpatterns = [
    path("v1/clinics", views.ClinicList.as_view(), name="clinic-list"),
    path("v1/services", views.ServiceList.as_view(), name="service-list"),
    path("v1/add-ons", views.AddOnList.as_view(), name="add-on-list"),
    path("v1/payers", views.PayerList.as_view(), name="payer-list"),
    path("v1/plans", views.PlanList.as_view(), name="plan-list"),
    path("v1/quotes", views.QuoteCreate.as_view(), name="quote-create"),
    path("v1/estimates", views.EstimateListCreate.as_view(), name="estimate-list"),
    path("v1/estimates/<str:reference>", views.EstimateDetail.as_view(), name="estimate-detail"),
    path("v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    # No ReDoc: its page pulls fonts from Google, and the docs must work offline.
    path("v1/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Last: anything else under /api/ is a problem+json 404, not the site's HTML page.
    re_path(r"^(?P<path>.*)$", views.not_found),
]
