"""The patient's pages: home, quote, PDF and Good Faith Estimate requests."""

from __future__ import annotations

from django.urls import path

from . import patient_links, views

app_name = "estimator"

urlpatterns = [
    path("", views.home, name="home"),
    path("quote/", views.quote_start, name="quote_start"),
    path("quote/<slug:slug>/", views.quote_page, name="quote"),
    path("quote/<slug:slug>/estimate.pdf", views.quote_pdf, name="quote_pdf"),
    path("quote/<slug:slug>/request/", views.gfe_request, name="gfe_request"),
    path("quote/<slug:slug>/request/sent/", views.gfe_request_sent, name="gfe_request_sent"),
    # The patient's link from their estimate's email (estimator/patient_links.py).
    path("estimate/<str:token>/", patient_links.patient_estimate, name="patient_estimate"),
    path(
        "estimate/<str:token>/pdf", patient_links.patient_estimate_pdf, name="patient_estimate_pdf"
    ),
    path("glossary/", views.glossary, name="glossary"),
]
