"""/api/v1/: catalog, quotes, estimates, the OpenAPI schema and its docs."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import billed_charges, fhir, views

app_name = "api"

urlpatterns = [
    path("v1/clinics", views.ClinicList.as_view(), name="clinic-list"),
    path("v1/services", views.ServiceList.as_view(), name="service-list"),
    path("v1/add-ons", views.AddOnList.as_view(), name="add-on-list"),
    path("v1/payers", views.PayerList.as_view(), name="payer-list"),
    path("v1/plans", views.PlanList.as_view(), name="plan-list"),
    path("v1/quotes", views.QuoteCreate.as_view(), name="quote-create"),
    path("v1/quotes/summary", views.QuoteSummaryCreate.as_view(), name="quote-summary"),
    path("v1/estimates", views.EstimateListCreate.as_view(), name="estimate-list"),
    path("v1/estimates/<str:reference>", views.EstimateDetail.as_view(), name="estimate-detail"),
    path(
        "v1/estimates/<str:reference>/billed-charges",
        billed_charges.BilledChargesCreate.as_view(),
        name="estimate-billed-charges",
    ),
    path("v1/estimates/<str:reference>/fhir", fhir.EstimateFhir.as_view(), name="estimate-fhir"),
    path(
        "v1/estimates/<str:reference>/emails",
        views.EstimateEmails.as_view(),
        name="estimate-emails",
    ),
    path("v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    # No ReDoc: its page pulls fonts from Google, and the docs must work offline.
    # The split view serves its start-up script from a URL: no inline script, so the page runs
    # under the Content-Security-Policy like every other.
    path(
        "v1/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="estimator/swagger_ui.html"
        ),
        name="docs",
    ),
    # Last: anything else under /api/ is a problem+json 404, not the site's HTML page.
    re_path(r"^(?P<path>.*)$", views.not_found),
]
