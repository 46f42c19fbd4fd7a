"""GET /api/v1/estimates/{reference}/fhir: the estimate as a Da Vinci PCT-shaped GFE Bundle."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
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
from .views import MethodsFirst, PatientDetails


class _FhirAsJSON(FhirJSONRenderer):
    media_type = "application/json"


class EstimateFhir(MethodsFirst, PatientDetails, APIView):
    """The stored estimate as an HL7 FHIR R4 Bundle (application/fhir+json)."""

    permission_classes = [CanReadEstimates]
    # A client asking for application/json (or anything) gets FHIR JSON too; one asking only
    # for another format (text/html) gets a 406.
    renderer_classes = [FhirJSONRenderer, _FhirAsJSON]

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        super().perform_content_negotiation(request, force)
        renderer = FhirJSONRenderer()
        return renderer, renderer.media_type

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
            **docs.problems(*docs.READ_PROBLEMS),
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
