"""GET /api/v1/estimates/{reference}/fhir: the estimate as a Da Vinci PCT-shaped GFE Bundle."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from estimator.documents.gfe_fhir import gfe_fhir_bundle

from . import schema as docs
from . import selectors
from .auth import CanReadEstimates, request_key
from .renderers import FhirJSONRenderer


class EstimateFhir(APIView):
    """The stored estimate as an HL7 FHIR R4 Bundle (application/fhir+json)."""

    permission_classes = [CanReadEstimates]
    renderer_classes = [FhirJSONRenderer]

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # FHIR JSON whatever the Accept header asks for (application/json, */*, fhir+json).
        renderer = FhirJSONRenderer()
        return renderer, renderer.media_type

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)  # it carries the patient's details
        return response

    @extend_schema(
        summary="A stored estimate as a FHIR Good Faith Estimate Bundle",
        description="An HL7 FHIR R4 Bundle (type collection) shaped after the Da Vinci Patient "
        "Cost Transparency GFE Bundle: first the GFE Summary Claim (estimate-summary, "
        "billablePeriod = the period of care), then GFE Professional Claims (use "
        "predetermination; items with CPT/HCPCS productOrService, modifiers, serviced date or "
        "period, quantity, unitPrice and net; ICD-10-CM diagnoses), the Patient, the clinic's "
        "Organization (NPI, TIN) and, for an insured estimate, the Coverage and the payer; a "
        "self-pay estimate has no Coverage (insurance.coverage carries a data-absent-reason). "
        "Amounts are what the patient is expected to be charged. Same access as fetching the "
        "estimate.",
        tags=["estimates"],
        responses={
            (200, "application/fhir+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="A FHIR R4 Bundle."
            ),
            # Never a 406: the bundle is FHIR JSON whatever Accept asks for.
            **docs.problems(*(code for code in docs.READ_PROBLEMS if code != 406)),
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        queryset = selectors.estimates_visible(key=request_key(request)).select_related(
            "clinic", "plan__payer"
        )
        estimate = get_object_or_404(queryset, reference=reference.upper())
        return Response(
            gfe_fhir_bundle(estimate=estimate), content_type=FhirJSONRenderer.media_type
        )
